/**
 * The kernel's event bus: synchronous, in-order publish/subscribe of engine
 * events. Subscribers (the journal, each connected window's batcher) must not
 * throw; one that does is reported to `onError` and the others still run.
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
