/**
 * The renderer's copy of the replay: bars with their levels, the forming bar,
 * the status, sessions, rejections, and the Battle Navale method's output
 * (the latest analysis, signals, bases, violations, gamma levels). Event
 * batches are applied once the task they arrived in is done (those of one
 * task together); listeners then hear one `FrameUpdate` saying what changed.
 * The chart draws it at once; the chrome re-renders once per animation frame
 * (`oncePerFrame`).
 */
import type {
  AnalysisDTO,
  BarDTO,
  BaseDTO,
  BaseViolationDTO,
  EngineEvent,
  EngineEventBatch,
  GammaDTO,
  LevelsDTO,
  RejectionDTO,
  ResearchJobDTO,
  ReplaySnapshotDTO,
  ReplayStatusDTO,
  RestoreResultDTO,
  ExecutionDeltaDTO,
  ExecutionStateDTO,
  ConnectionsDTO,
  FillDTO,
  TradeDTO,
  SessionDTO,
  SignalDTO,
} from '../../../engine/contract';

/** What changed in one frame. */
export interface FrameUpdate {
  /** Everything was replaced (a new file, a reconnect): redraw from scratch. */
  readonly reset: boolean;
  /** Index of the first bar added this frame (=== bars.length when none). */
  readonly firstNew: number;
  readonly formingChanged: boolean;
  /** Signals, bases or violations changed: markers and boxes need redrawing. */
  readonly annotationsChanged: boolean;
  readonly gammaChanged: boolean;
  /** Working orders or fills changed: order lines and fill markers need redrawing. */
  readonly executionChanged?: boolean;
  /** A signal was picked (list or chart): the chart should show it. */
  readonly focus: SignalDTO | null;
}

/** An alert from the engine. */
export interface AlertItem {
  level: 'info' | 'warning' | 'critical';
  message: string;
  ts: number;
}

/** Runs a callback later, once (the model's frame). */
export type Schedule = (cb: () => void) => void;

/**
 * Coalesces calls of `cb` to one per animation frame: the first call asks for
 * a frame, later ones before it runs are dropped. Returns the trigger and its
 * canceller. The window's chrome (React) re-renders this way, at most once a
 * displayed frame and not at all while the window is hidden, while the chart
 * is updated as each batch arrives.
 */
export function oncePerFrame(
  cb: () => void,
  frame: (run: () => void) => number = (run) => requestAnimationFrame(run),
  cancel: (id: number) => void = (id) => cancelAnimationFrame(id),
): { trigger: () => void; cancel: () => void } {
  let pending: number | null = null;
  return {
    trigger: () => {
      pending ??= frame(() => {
        pending = null;
        cb();
      });
    },
    cancel: () => {
      if (pending !== null) cancel(pending);
      pending = null;
    },
  };
}

/**
 * Accumulates engine events; notifies once per scheduled update (the batches
 * that arrived in one task together). The engine sends at most one batch a
 * frame (engine/rpc/serve.ts), so this is at most one update a frame too.
 */
export class ChartModel {
  bars: BarDTO[] = [];
  levels: (LevelsDTO | null)[] = [];
  forming: { bar: BarDTO; levels: LevelsDTO | null } | null = null;
  status: ReplayStatusDTO | null = null;
  sessions: SessionDTO[] = [];
  rejections: RejectionDTO[] = [];
  alerts: AlertItem[] = [];
  analysis: AnalysisDTO | null = null;
  signals: SignalDTO[] = [];
  bases: BaseDTO[] = [];
  violations: BaseViolationDTO[] = [];
  /** Gamma levels stay across replays (the engine applies them to every replay). */
  gamma: GammaDTO | null = null;
  /** The signal whose detail is open. */
  selected: SignalDTO | null = null;
  /** Approvals, orders, fills, position, kill switch (the execution panels). */
  execution: ExecutionStateDTO | null = null;
  /** The Connections panel's state (issue 6). */
  connections: ConnectionsDTO | null = null;
  /** The running or last research job, from `research` events (issue 19). */
  research: ResearchJobDTO | null = null;
  /** The running or last backup, from `backup` events. */
  backup: Extract<EngineEvent, { type: 'backup' }> | null = null;
  /** The last restore, from the `restored` event. */
  restored: RestoreResultDTO | null = null;
  private executionChanged = false;
  private queue: EngineEventBatch[] = [];
  private scheduled = false;
  private reset = false;
  private firstNew = 0;
  private formingChanged = false;
  private annotationsChanged = false;
  private gammaChanged = false;
  private focus: SignalDTO | null = null;
  private readonly listeners = new Set<(u: FrameUpdate) => void>();

  /** @param schedule runs a callback once the current task is done (in the window: a microtask). */
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
    this.analysis = s.analysis;
    this.signals = s.signals;
    this.bases = s.bases;
    this.violations = s.violations;
    this.gamma = s.gamma;
    this.selected = null;
    this.reset = true;
    this.firstNew = 0;
    this.formingChanged = true;
    this.annotationsChanged = true;
    this.gammaChanged = true;
    this.request();
  }

  /** Opens a signal's detail; with `focus`, the chart scrolls to it. Null closes the detail. */
  select(signal: SignalDTO | null, focus = false): void {
    this.selected = signal;
    if (focus && signal !== null) this.focus = signal;
    this.request();
  }

  /** The signal with this id, if any. */
  signalById(id: string): SignalDTO | null {
    return this.signals.find((s) => s.id === id) ?? null;
  }

  /** Queues a batch for the next update. */
  push(batch: EngineEventBatch): void {
    this.queue.push(batch);
    this.request();
  }

  /** The levels to draw now: the forming bar's, else the last bar's (null outside a session). */
  currentLevels(): LevelsDTO | null {
    return this.forming?.levels ?? this.levels[this.levels.length - 1] ?? null;
  }

  /** The bar under the chart's cursor (its open time, Unix ms), or null: the Levels panel follows it (issue 17). */
  hoverTs: number | null = null;

  /** The cursor moved over the bar opening at `ts`, or off the chart (null). */
  hover(ts: number | null): void {
    if (ts === this.hoverTs) return;
    this.hoverTs = ts;
    this.request();
  }

  /** The levels of the bar under the cursor, with its time, or the current ones when the cursor is not over a bar. */
  levelsAtCursor(): { levels: LevelsDTO | null; ts: number | null } {
    const ts = this.hoverTs;
    if (ts === null) return { levels: this.currentLevels(), ts: null };
    // Bars are in time order: the one opening at ts, by binary search.
    let lo = 0;
    let hi = this.bars.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = this.bars[mid]!.ts;
      if (t === ts) return { levels: this.levels[mid] ?? null, ts };
      if (t < ts) lo = mid + 1;
      else hi = mid - 1;
    }
    return { levels: this.currentLevels(), ts: null };
  }

  /** Asks for an update (listeners hear it once, however many requests came before it). */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.frame());
  }

  private frame(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const batch of queue) for (const e of batch.events) this.apply(e);
    const update: FrameUpdate = {
      reset: this.reset,
      firstNew: this.reset ? 0 : this.firstNew,
      formingChanged: this.formingChanged,
      annotationsChanged: this.annotationsChanged || this.reset,
      gammaChanged: this.gammaChanged || this.reset,
      executionChanged: this.executionChanged || this.reset,
      focus: this.focus,
    };
    this.executionChanged = false;
    this.reset = false;
    this.formingChanged = false;
    this.annotationsChanged = false;
    this.gammaChanged = false;
    this.focus = null;
    this.firstNew = this.bars.length;
    for (const l of this.listeners) l(update);
  }

  private apply(e: EngineEvent): void {
    switch (e.type) {
      case 'replay.seeked': {
        // A recorded session's cursor moved back or forth: the snapshot is everything up to it, nothing after.
        const alerts = this.alerts;
        this.load(e.snapshot);
        this.alerts = alerts;
        break;
      }
      case 'backup':
        this.backup = e;
        break;
      case 'research':
        this.research = e.job;
        break;
      case 'restored':
        this.restored = e.result;
        this.alerts = [];
        break;
      case 'replay.opened':
        this.bars = [];
        this.levels = [];
        this.forming = null;
        this.sessions = [];
        this.rejections = [];
        this.alerts = [];
        this.clearMethod();
        this.newerStatus(e.status);
        this.reset = true;
        this.formingChanged = true;
        break;
      case 'replay.status':
        if (!this.newerStatus(e.status)) break;
        if (e.status.state === 'idle') {
          this.bars = [];
          this.levels = [];
          this.forming = null;
          this.clearMethod();
          this.reset = true;
        }
        break;
      case 'bar.closed':
        this.bars.push(e.bar);
        this.levels.push(e.levels);
        if (e.analysis !== null) this.analysis = e.analysis;
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
      case 'signal':
        this.signals.push(e.signal);
        this.annotationsChanged = true;
        break;
      case 'base.confirmed':
        this.bases.push(e.base);
        this.annotationsChanged = true;
        break;
      case 'base.violated':
        this.violations.push(e.violation);
        this.annotationsChanged = true;
        break;
      case 'gamma':
        this.gamma = e.gamma;
        this.gammaChanged = true;
        break;
      case 'execution':
        this.mergeExecution(e.delta);
        break;
      case 'connections':
        this.connections = e.connections;
        this.request();
        break;
    }
  }

  /** Takes `s` if it is newer than the status shown (ReplayStatusDTO.seq); says whether it did. */
  private newerStatus(s: ReplayStatusDTO): boolean {
    if (this.status !== null && s.seq <= this.status.seq) return false;
    this.status = s;
    return true;
  }

  /**
   * An RPC's answer (play, pause, step, speed): shown at once when it is
   * newer than what the events said, without waiting for the event behind it.
   */
  setStatus(s: ReplayStatusDTO): void {
    if (this.newerStatus(s)) this.request();
  }

  /** Replaces the execution state (the answer to getExecution); later events merge into it. */
  setExecution(x: ExecutionStateDTO): void {
    // An answer older than the events already merged is dropped.
    if (this.execution !== null && x.run === this.execution.run && x.seq < this.execution.seq) return;
    this.execution = x;
    this.closedEquity = x.equityCurve.slice(0, x.marketTs !== null ? -1 : undefined);
    this.executionChanged = true;
    this.request();
  }

  /** The closed-trade equity points merged so far (the curve without "now"). */
  private closedEquity: [number, number][] = [];

  /**
   * Called when an execution change cannot be merged (the window missed the
   * start of a run): the window reads the whole state again (getExecution).
   */
  onExecutionGap: () => void = () => {};

  /** Merges one `execution` event (engine/run/execution-feed.ts): the head whole, trades by id, fills and equity points by index. */
  private mergeExecution(d: ExecutionDeltaDTO): void {
    const x = this.execution;
    if (x !== null && x.run === d.run && d.seq <= x.seq) return; // already in the state read
    if (!d.reset && (x === null || x.run !== d.run)) {
      this.onExecutionGap();
      return;
    }
    const base = d.reset || x === null ? { trades: [] as TradeDTO[], fills: [] as FillDTO[] } : x;
    if (d.reset || x === null) this.closedEquity = [];
    const trades = base.trades.slice();
    for (const t of d.trades) {
      const i = trades.findIndex((o) => o.id === t.id);
      if (i >= 0) trades[i] = t;
      else trades.push(t);
    }
    const fills = base.fills.slice(0, d.fillsFrom).concat(d.fills);
    this.closedEquity = this.closedEquity.slice(0, d.equityFrom).concat(d.equity);
    const h = d.head;
    const equityCurve = h.marketTs !== null ? [...this.closedEquity, [h.marketTs, h.position.runEquityUsd] as [number, number]] : this.closedEquity.slice();
    this.execution = { ...h, trades, fills, equityCurve, seq: d.seq, run: d.run };
    this.executionChanged = true;
  }

  private clearMethod(): void {
    this.analysis = null;
    this.signals = [];
    this.bases = [];
    this.violations = [];
    this.selected = null;
    this.annotationsChanged = true;
  }
}
