/**
 * The renderer's copy of the replay: bars with their levels, the forming bar,
 * the status, sessions and rejections. Event batches are queued as they
 * arrive and applied together once per animation frame; listeners then hear
 * one `FrameUpdate` saying what changed.
 */
import type { BarDTO, EngineEvent, EngineEventBatch, LevelsDTO, RejectionDTO, ReplaySnapshotDTO, ReplayStatusDTO, SessionDTO } from '../../../engine/contract';

/** What changed in one frame. */
export interface FrameUpdate {
  /** Everything was replaced (a new file, a reconnect): redraw from scratch. */
  readonly reset: boolean;
  /** Index of the first bar added this frame (=== bars.length when none). */
  readonly firstNew: number;
  readonly formingChanged: boolean;
}

/** An alert from the engine. */
export interface AlertItem {
  level: 'info' | 'warning' | 'critical';
  message: string;
  ts: number;
}

type Schedule = (cb: () => void) => void;

/** Accumulates engine events; notifies at most once per frame. */
export class ChartModel {
  bars: BarDTO[] = [];
  levels: (LevelsDTO | null)[] = [];
  forming: { bar: BarDTO; levels: LevelsDTO | null } | null = null;
  status: ReplayStatusDTO | null = null;
  sessions: SessionDTO[] = [];
  rejections: RejectionDTO[] = [];
  alerts: AlertItem[] = [];
  private queue: EngineEventBatch[] = [];
  private scheduled = false;
  private reset = false;
  private firstNew = 0;
  private formingChanged = false;
  private readonly listeners = new Set<(u: FrameUpdate) => void>();

  /** @param schedule runs a callback on the next frame (requestAnimationFrame). */
  constructor(private readonly schedule: Schedule) {}

  /** Adds a listener of frame updates; returns its remover. */
  subscribe(l: (u: FrameUpdate) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Replaces everything with a snapshot (on connect or reconnect). */
  load(s: ReplaySnapshotDTO): void {
    this.queue = [];
    this.bars = s.bars;
    this.levels = s.levels;
    this.forming = s.forming;
    this.status = s.status;
    this.sessions = s.sessions;
    this.rejections = s.rejections;
    this.reset = true;
    this.firstNew = 0;
    this.formingChanged = true;
    this.request();
  }

  /** Queues a batch for the next frame. */
  push(batch: EngineEventBatch): void {
    this.queue.push(batch);
    this.request();
  }

  /** The levels to draw now: the forming bar's, else the last bar's (null outside a session). */
  currentLevels(): LevelsDTO | null {
    return this.forming?.levels ?? this.levels[this.levels.length - 1] ?? null;
  }

  private request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.frame());
  }

  private frame(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const batch of queue) for (const e of batch.events) this.apply(e);
    const update: FrameUpdate = { reset: this.reset, firstNew: this.reset ? 0 : this.firstNew, formingChanged: this.formingChanged };
    this.reset = false;
    this.formingChanged = false;
    this.firstNew = this.bars.length;
    for (const l of this.listeners) l(update);
  }

  private apply(e: EngineEvent): void {
    switch (e.type) {
      case 'replay.opened':
        this.bars = [];
        this.levels = [];
        this.forming = null;
        this.sessions = [];
        this.rejections = [];
        this.alerts = [];
        this.status = e.status;
        this.reset = true;
        this.formingChanged = true;
        break;
      case 'replay.status':
        this.status = e.status;
        if (e.status.state === 'idle') {
          this.bars = [];
          this.levels = [];
          this.forming = null;
          this.reset = true;
        }
        break;
      case 'bar.closed':
        this.bars.push(e.bar);
        this.levels.push(e.levels);
        if (this.forming !== null && this.forming.bar.ts <= e.bar.ts) {
          this.forming = null;
          this.formingChanged = true;
        }
        break;
      case 'bar.forming':
        this.forming = { bar: e.bar, levels: e.levels };
        this.formingChanged = true;
        break;
      case 'session.closed':
        this.sessions.push(e.session);
        break;
      case 'feed.rejected':
        this.rejections.push(e.rejection);
        break;
      case 'alert':
        this.alerts = [...this.alerts.slice(-19), { level: e.level, message: e.message, ts: e.ts }];
        break;
    }
  }
}
