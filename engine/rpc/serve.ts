/**
 * Serves one window's connection: the EngineApi over comlink on the RPC
 * channel, and the event bus, batched, on the event channel (at most one
 * batch per `BATCH_MS`, so a max-speed replay costs the renderer one message
 * a frame). Transport-neutral: Electron MessagePorts and the headless shell's
 * WebSocket both reduce to a `MessageEndpoint` and a `post` function.
 */
import * as Comlink from 'comlink';
import { guard, type GuardedEndpoint } from './guard.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { EventFlow } from '../bus.js';
import type { EngineErrorDTO, EngineEvent, EngineEventBatch } from '../contract.js';
import { EngineError } from '../errors.js';
import { FeedError } from '../feeds/rejections.js';
import type { Kernel } from '../kernel.js';
import { LIVE_SCHEDULER } from '../scheduler.js';

/** Wall ms between event batches: one display frame. */
export const BATCH_MS = 16;
/** Batches a window may leave unacknowledged before the next waits (and its window counts as behind). */
export const MAX_UNACKED = 2;

/** The minimal message endpoint comlink speaks over. */
export interface MessageEndpoint {
  postMessage(msg: unknown): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}

/** One window's two channels. */
export interface Connection {
  readonly rpc: MessageEndpoint;
  postEvents(batch: EngineEventBatch): void;
}

/** The wire form of any thrown value: `{name, message, kind}` (a file the feed cannot read is 'bad-file'). */
export function toErrorDTO(e: unknown): EngineErrorDTO {
  if (e instanceof EngineError) return { name: e.name, message: e.message, kind: e.kind };
  if (e instanceof FeedError) return { name: e.name, message: e.message, kind: 'bad-file' };
  if (e instanceof Error) return { name: e.name, message: e.message, kind: 'internal' };
  return { name: 'Error', message: String(e), kind: 'internal' };
}

let errorTransferInstalled = false;

/**
 * Makes comlink carry thrown errors as `{name, message, kind}`
 * (architecture.md, "Errors cross as {name, message, kind}"). The renderer's
 * stock comlink rebuilds them as `Error`s with those fields.
 */
function installErrorTransfer(): void {
  if (errorTransferInstalled) return;
  errorTransferInstalled = true;
  const stock = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<unknown, unknown>;
  Comlink.transferHandlers.set('throw', {
    canHandle: stock.canHandle,
    serialize: ({ value }: { value: unknown }) => [{ isError: true, value: toErrorDTO(value) }, []],
    deserialize: stock.deserialize,
  } as Comlink.TransferHandler<unknown, unknown>);
}

/**
 * Queues events and posts them in batches, at most one per BATCH_MS of wall
 * time. The first event after a quiet BATCH_MS goes out at the end of the
 * current turn (a microtask: the events the same turn publishes join it, and
 * a live trade reaches the window without the 1 ms floor of a timer); a burst
 * after it waits for the rest of its BATCH_MS, coalesced.
 *
 * With a `flow`, the window acknowledges each batch it has applied (`ack`):
 * while MAX_UNACKED batches are unanswered the next one waits, coalescing.
 * The window counts as behind in the flow while a batch is unanswered or
 * events wait to be sent, so a max-speed replay (which waits for it) hands
 * the window about one slice a batch, and the transport never holds more
 * than a couple of batches in front of an RPC reply or a heartbeat.
 */
export class EventBatcher {
  private pending: EngineEvent[] = [];
  private timer: TimerHandle | null = null;
  private seq = 0;
  /** The last batch the window acknowledged. */
  private acked = 0;
  private lastPostMs = Number.NEGATIVE_INFINITY;
  /** A flush is queued at the end of this turn. */
  private endOfTurn = false;

  /**
   * @param wall the wall clock (the BATCH_MS spacing and its timer).
   * @param post receives each batch.
   * @param atEndOfTurn runs a callback once the current turn's synchronous work is done (default: a microtask).
   * @param flow where this window says it is behind; without it batches are never held for acknowledgements.
   */
  constructor(
    private readonly wall: Clock,
    private readonly post: (batch: EngineEventBatch) => void,
    private readonly atEndOfTurn: (cb: () => void) => void = LIVE_SCHEDULER.endOfTurn,
    private readonly flow: EventFlow | null = null,
  ) {}

  /** The window applied every batch up to `seq`: a batch held for it goes out. */
  ack(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq <= this.acked || seq > this.seq) return;
    this.acked = seq;
    if (this.pending.length > 0 && this.timer === null && !this.endOfTurn) {
      const due = this.lastPostMs + BATCH_MS;
      if (this.wall.now() < due) this.timer = this.wall.setTimer(due, () => this.flush());
      else this.flush();
    }
    this.tellFlow();
  }

  /** Says in the flow whether this window is behind: a batch unanswered, or events waiting. */
  private tellFlow(): void {
    if (this.flow === null) return;
    const behind = this.seq > this.acked || this.pending.length > 0;
    if (behind === this.behind) return;
    this.behind = behind;
    this.flow.set(this, behind);
  }

  private behind = false;

  /** Whether the next batch waits for an acknowledgement. */
  private held(): boolean {
    return this.flow !== null && this.seq - this.acked >= MAX_UNACKED;
  }

  /**
   * Queues `e`. A newer `bar.forming` or `replay.status` replaces a queued one
   * (only the latest matters), and a newer `bar.closed` takes the analysis
   * off the queued one; every other event is kept, in order.
   */
  push(e: EngineEvent): void {
    if (e.type === 'bar.forming' || e.type === 'replay.status') {
      const i = this.pending.findLastIndex((p) => p.type === e.type);
      if (i >= 0) this.pending.splice(i, 1);
    } else if (e.type === 'bar.closed') {
      // Only the batch's last analysis is shown: the bars before it travel without theirs (a copy: the bus shares events).
      const i = this.pending.findLastIndex((p) => p.type === 'bar.closed');
      const prev = this.pending[i];
      if (prev?.type === 'bar.closed' && prev.analysis !== null) this.pending[i] = { ...prev, analysis: null };
    }
    this.pending.push(e);
    this.tellFlow();
    if (this.timer !== null || this.endOfTurn) return;
    const due = this.lastPostMs + BATCH_MS;
    if (this.wall.now() < due) {
      this.timer = this.wall.setTimer(due, () => this.flush());
      return;
    }
    this.endOfTurn = true;
    this.atEndOfTurn(() => this.flush());
  }

  /** Posts what is queued now (unless the window has too many batches unanswered: then `ack` posts it). */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    this.endOfTurn = false;
    if (this.pending.length === 0 || this.held()) return;
    const events = this.pending;
    this.pending = [];
    this.lastPostMs = this.wall.now();
    this.post({ seq: ++this.seq, events });
    this.tellFlow();
  }

  dispose(): void {
    this.timer?.cancel();
    this.timer = null;
    this.pending = [];
    this.behind = false;
    this.flow?.set(this, false);
  }
}

/** A served window: its acknowledgements in, and the end of it. */
export interface ServedConnection {
  /** The window applied event batch `seq` (an EngineEventAck). */
  ack(seq: number): void;
  end(): void;
}

/**
 * Exposes the kernel's API on `conn.rpc` and streams its events to
 * `conn.postEvents`, flow-controlled by the window's acknowledgements.
 */
export function serveConnection(kernel: Kernel, conn: Connection, wall: Clock): ServedConnection {
  installErrorTransfer();
  // Only calls of the API's methods with valid arguments reach comlink (rpc/guard.ts).
  Comlink.expose(kernel.api, guard(conn.rpc as unknown as GuardedEndpoint) as unknown as Comlink.Endpoint);
  const batcher = new EventBatcher(wall, (b) => conn.postEvents(b), LIVE_SCHEDULER.endOfTurn, kernel.flow);
  const unsubscribe = kernel.bus.subscribe((e) => batcher.push(e));
  return {
    ack: (seq) => batcher.ack(seq),
    end: () => {
      unsubscribe();
      batcher.dispose();
    },
  };
}

/**
 * A MessageEndpoint over a function that sends and a registration that
 * receives: the adapter for Electron's MessagePortMain and for the headless
 * shell's framed IPC.
 */
export function endpointOf(send: (msg: unknown) => void): { endpoint: MessageEndpoint; deliver: (msg: unknown) => void } {
  const listeners = new Set<(ev: { data: unknown }) => void>();
  return {
    endpoint: {
      postMessage: send,
      addEventListener: (_t, l) => listeners.add(l),
      removeEventListener: (_t, l) => listeners.delete(l),
    },
    deliver: (msg) => {
      for (const l of listeners) l({ data: msg });
    },
  };
}
