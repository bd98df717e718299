/**
 * The kernel's event bus: synchronous, in-order publish/subscribe of engine
 * events. Subscribers (each connected window's batcher) must not throw; one
 * that does is reported to `onError` and the others still run. `EventFlow`
 * says whether those windows keep up.
 */

/** Synchronous typed pub/sub. */
export class EventBus<E> {
  private handlers: ((e: E) => void)[] = [];

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** Adds a handler; returns its unsubscribe function. */
  subscribe(handler: (e: E) => void): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  /** Delivers `e` to every handler, in subscription order. */
  publish(e: E): void {
    for (const h of this.handlers) {
      try {
        h(e);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

/**
 * Backpressure of the event stream: each window's batcher says when it is
 * behind (too many batches it has not acknowledged), and work that can wait
 * (a max-speed replay, never a live run) waits until every window has caught
 * up, so neither the transport nor the window queues an unbounded backlog in
 * front of the heartbeats and RPCs that share it ([Note: responsive engine]
 * in engine/scheduler.ts).
 */
export class EventFlow {
  private readonly lagging = new Set<object>();
  private waiters: (() => void)[] = [];

  /** Whether any window is behind. */
  behind(): boolean {
    return this.lagging.size > 0;
  }

  /** `consumer` is behind, or has caught up (also when it goes away). */
  set(consumer: object, behind: boolean): void {
    if (behind) {
      this.lagging.add(consumer);
      return;
    }
    if (!this.lagging.delete(consumer) || this.lagging.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Calls `cb` once no window is behind (at once if none is); returns the cancel function. */
  whenCaughtUp(cb: () => void): () => void {
    if (!this.behind()) {
      cb();
      return () => {};
    }
    this.waiters.push(cb);
    return () => {
      this.waiters = this.waiters.filter((w) => w !== cb);
    };
  }
}
