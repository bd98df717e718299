/**
 * Replay of a recorded file through the kernel's market path, paced by a
 * speed factor (architecture.md, "The kernel": replay). Play, pause, step one
 * bar, 1x / 5x / 25x / 100x / max.
 *
 * [Note: recorded sessions] A replay opened on a journaled session (issue 5)
 * is a read-only view of history: it re-runs the run's own records (its file,
 * or its journaled bars when the file is gone) from the run's first record
 * through the same pipeline, method and trader, with the run's configuration,
 * a kill switch of its own and the run's scripted actions (the trader's
 * decisions, manual trips and resets, mode changes, gamma chains) applied at
 * their market times. Records before the session warm the state up unseen.
 * It writes no journal, and it checks what it produces against what was
 * journaled: every difference is listed in its status and alerted once.
 * Stepping back rebuilds a fresh replay to the earlier bar (the kernel's
 * `seek`), which is deterministic, so forward-then-back returns the same state.
 *
 * [Note: replay pacing] A record is due when market time reaches it: a trade
 * at its timestamp, a bar from a bar file at its end (a bar is only known
 * once it has closed, so it never shows before its time). Dead time longer
 * than `GAP_SKIP_MS` (the 17:00 ET halt, weekends, the file's start) is
 * skipped. At 'max' records are processed in slices of `SLICE_MS` of wall
 * time, then the loop yields so RPCs (pause) are served between slices.
 */
import { ReplayClock, type Clock, type ReplaySpeed, type TimerHandle } from '../clock.js';
import type {
  AnalysisDTO,
  BarDTO,
  BaseDTO,
  BaseViolationDTO,
  EngineEvent,
  GammaDTO,
  LevelsDTO,
  RecordedStatusDTO,
  RejectionDTO,
  ReplayStatusDTO,
  SessionDTO,
  ReplayStateDTO,
  SignalDTO,
} from '../contract.js';
import { TIMEFRAME_MS, type Instrument, type MarketRecord, type Timeframe } from '../domain.js';
import { toAnalysisDTO, toBarDTO, toBaseDTO, toGammaDTO, toLevelsDTO, toRejectionDTO, toSessionDTO, toSignalDTO } from '../dto.js';
import type { EventBus } from '../bus.js';
import { openFeed, type Feed } from '../feeds/index.js';
import { RejectionLog } from '../feeds/rejections.js';
import type { GammaLevels } from '../gamma/gex.js';
import { Trader } from '../execution/trader.js';
import { type ExecutionMode } from '../execution/records.js';
import { FeedError } from '../feeds/rejections.js';
import { MethodAnalyzer } from '../method/analyzer.js';
import type { MethodConfig, Mode } from '../method/config.js';
import { KillSwitch, KillSwitchError, MemoryKillSwitchStore } from '../risk/kill-switch.js';
import type { RiskConfig } from '../risk/sizing.js';
import { SimulatedVenue } from '../venue/sim.js';
import { OrderError, type ExecutionVenue } from '../venue/orders.js';
import type { JournaledSignal, JournaledTrade, RecordedRun, RecordedSession, ScriptedAction } from '../store/history.js';
import { MarketPipeline } from '../pipeline.js';
import type { Db } from '../store/db.js';
import { RunJournal } from '../store/journal.js';
import { SessionCalendar, type SessionKind } from '../time/sessions.js';

/** Market-time gap beyond which a replay jumps instead of waiting. */
export const GAP_SKIP_MS = 5 * 60_000;
/** Wall time a 'max' slice runs before yielding. */
const SLICE_MS = 12;
/** Longest wall wait before the loop wakes to publish the market clock. */
const STATUS_EVERY_MS = 250;
/** Forming-bar events at most this often (wall ms). */
const FORMING_EVERY_MS = 50;

/** How to open a replay. */
export interface ReplayOptions {
  readonly file: string;
  readonly instrument: Instrument;
  readonly timeframe: Timeframe;
  readonly timeZone: string;
  readonly sessionKind: SessionKind;
  /** The Battle Navale method's configuration. */
  readonly method: MethodConfig;
  /** Gamma levels in force when the replay opens, and their basis (ES - SPX, points). */
  readonly gamma: { readonly levels: GammaLevels; readonly basisPoints: number } | null;
  /** MANUAL or AUTO when the replay opens. */
  readonly execution: ExecutionMode;
  readonly risk: RiskConfig;
}

/** A journaled session to replay read-only (see [Note: recorded sessions]). */
export interface RecordedReplay {
  readonly run: RecordedRun;
  readonly session: RecordedSession;
  /** The run's records from its first to the session's end, in time order. */
  readonly records: readonly MarketRecord[];
  /** Where the records came from: the run's own data file, or its journaled bars (the file is gone or changed). */
  readonly source: 'file' | 'journal';
  readonly script: readonly ScriptedAction[];
  /** What the journal holds for the session, to check the replay against. */
  readonly signals: readonly JournaledSignal[];
  readonly trades: readonly JournaledTrade[];
}

/**
 * A live run (issue 6): records pushed as a live feed delivers them, market
 * time set by the data and running at wall speed between records, on the
 * venue given (simulated fills on live data in PAPER, the broker in LIVE).
 */
export interface LiveRunOptions {
  /** What the status shows as the run's source (e.g. "Sierra Chart DTC · ESZ25-CME"). */
  readonly source: string;
  readonly venue: ExecutionVenue;
}

/** Grace after a bar's end before a live run closes it without a later trade (ms): late trades of the minute still count. */
const LIVE_CLOSE_GRACE_MS = 250;

/** Differences listed in a status at most (the count goes on). */
const MAX_DIFFERENCES = 20;

/** What a replay needs from the kernel. */
export interface ReplayDeps {
  readonly wall: Clock;
  readonly bus: EventBus<EngineEvent>;
  readonly db: Db | null;
  /** The workstation's kill switch: one for every run, latched across them. */
  readonly killSwitch: KillSwitch;
  /** Called when the execution state changed (the kernel publishes it). */
  readonly executionChanged: () => void;
}

/** One open replay. The kernel holds at most one. */
export class Replay {
  private readonly opts: ReplayOptions;
  private readonly deps: ReplayDeps;
  private readonly feed: Feed;
  private readonly clock: ReplayClock;
  /** The live run's options, null for a replay. */
  readonly live: LiveRunOptions | null;
  /** Backfilled history is being pushed: the method sees it, the trader does not trade it. */
  private backfilling = false;
  /** Market time below which a live trade is clamped (a bar already closed). */
  private liveFloor = Number.NEGATIVE_INFINITY;
  private closeTimer: TimerHandle | null = null;
  /** A live run's market clock is set by its first record. */
  private anchored = false;
  private readonly rejections: RejectionLog;
  private readonly pipeline: MarketPipeline;
  private readonly analyzer: MethodAnalyzer;
  /** The execution path on the simulated venue (paper trading on replayed data). */
  readonly trader: Trader;
  private readonly journal: RunJournal | null;
  /** The session replayed, null for a file replay. */
  readonly recorded: RecordedReplay | null;
  /** The kill switch the trader answers to: the workstation's, or a recorded session's own. */
  private readonly killSwitch: KillSwitch;
  /** Nothing is published while a seek fast-forwards. */
  private muted = false;
  /** Bars of the recorded session shown so far: the replay cursor. */
  private sessionBars = 0;
  private scriptIdx = 0;
  private lastSessionId: string | null = null;
  private gammaDto: GammaDTO | null = null;
  private readonly check = { signalsChecked: 0, signalsMatched: 0, differences: [] as string[], total: 0 };
  private readonly produced = new Set<string>();
  private expectedIdx = 0;
  private readonly tradeChecks = new Map<string, 'entered' | 'closed' | 'differs'>();
  private readonly extraTrades = new Set<string>();
  private tradesSeenAt = -1;
  /** A MANUAL approval was queued: the replay pauses for the trader. */
  private approvalWaiting = false;
  private publishedVersion = -1;
  private readonly iter: AsyncGenerator<MarketRecord[]>;
  private block: MarketRecord[] = [];
  private idx = 0;
  private exhausted = false;
  private state: ReplayStateDTO = 'paused';
  private error: string | null = null;
  private pumping = false;
  private timer: TimerHandle | null = null;
  private lastStatusWall = 0;
  private lastFormingWall = 0;
  private rateSample = { wall: 0, bars: 0 };
  private barsPerSecond = 0;
  /** Everything shown so far, for windows that connect mid-replay. */
  readonly history = {
    bars: [] as BarDTO[],
    levels: [] as (LevelsDTO | null)[],
    sessions: [] as SessionDTO[],
    rejections: [] as RejectionDTO[],
    analysis: null as AnalysisDTO | null,
    signals: [] as SignalDTO[],
    bases: [] as BaseDTO[],
    violations: [] as BaseViolationDTO[],
  };

  private constructor(opts: ReplayOptions, deps: ReplayDeps, feed: Feed, rejections: RejectionLog, recorded: RecordedReplay | null, live: LiveRunOptions | null = null) {
    this.opts = opts;
    this.deps = deps;
    this.feed = feed;
    this.rejections = rejections;
    this.recorded = recorded;
    this.live = live;
    // A live run's market time follows the data and runs at wall speed between records (a peer replaying old data stays consistent).
    this.clock = new ReplayClock(deps.wall, live === null ? Number.NaN : deps.wall.now());
    this.killSwitch = recorded === null ? deps.killSwitch : new KillSwitch(new MemoryKillSwitchStore(), this.clock);
    this.journal =
      deps.db === null || recorded !== null
        ? null
        : new RunJournal(deps.db, {
            kind: live === null ? 'replay' : 'live',
            source: opts.file,
            format: feed.format,
            symbol: opts.instrument.symbol,
            timeframe: opts.timeframe,
            sessionKind: opts.sessionKind,
            timeZone: opts.timeZone,
            startedAt: deps.wall.now(),
            config: { method: opts.method, risk: opts.risk, execution: opts.execution, resetKillSwitchDaily: false },
          });
    this.rejections.onReject((r) => {
      this.journal?.rejection(r);
      const dto = toRejectionDTO(r);
      if (this.history.rejections.length < 100) this.history.rejections.push(dto);
      if (this.rejections.count <= 20) this.emit({ type: 'feed.rejected', rejection: dto, total: this.rejections.count });
    });
    this.analyzer = new MethodAnalyzer({ instrument: opts.instrument, config: opts.method });
    if (opts.gamma !== null) this.setGamma(opts.gamma.levels, opts.gamma.basisPoints);
    this.trader = new Trader(
      { instrument: opts.instrument, mode: opts.method.mode, execution: opts.execution, risk: opts.risk },
      {
        clock: this.clock,
        venue: live?.venue ?? new SimulatedVenue({ tickSize: opts.instrument.tickSize }),
        killSwitch: this.killSwitch,
        journal: this.journal,
        alert: (level, message) => this.emit({ type: 'alert', level, message, ts: this.clock.now() }),
        snapshot: (d) => this.analyzer.snapshot(d),
        onQueued: () => {
          // A recorded session replays the trader's recorded decisions instead of waiting for new ones.
          if (recorded === null) this.approvalWaiting = true;
        },
      },
    );
    this.pipeline = new MarketPipeline({
      instrument: opts.instrument,
      calendar: new SessionCalendar(opts.sessionKind, opts.instrument.timeZone),
      timeframe: opts.timeframe,
      clock: this.clock,
      sink: {
        barClosed: (closed) => {
          const { bar, levels, tsInit } = closed;
          this.journal?.bar(bar, levels);
          // A backtest re-arms its own kill switch at each new session (engine/backtest/run.ts); its recorded sessions do too.
          const sessionId = levels?.sessionId ?? this.lastSessionId;
          if (recorded?.run.config.resetKillSwitchDaily === true && sessionId !== this.lastSessionId && this.killSwitch.state === 'HALTED') {
            this.killSwitch.reset(`new session ${sessionId}`, 'backtest');
          }
          this.lastSessionId = sessionId;
          const d = this.analyzer.onBar(closed);
          const sig = d.tradingSignal;
          if (sig !== null) this.journal?.signal(this.analyzer.snapshot({ ...d, tradingSignal: sig }));
          if (this.shows(bar.ts)) {
            if (recorded !== null) this.sessionBars += 1;
            const b = toBarDTO(bar);
            const l = toLevelsDTO(levels);
            const analysis = toAnalysisDTO(d);
            this.history.bars.push(b);
            this.history.levels.push(l);
            this.history.analysis = analysis;
            this.emit({ type: 'bar.closed', bar: b, levels: l, analysis, tsInit });
            if (d.bases.confirmed !== null) {
              const base = toBaseDTO(d.bases.confirmed);
              this.history.bases.push(base);
              this.emit({ type: 'base.confirmed', base });
            }
            if (d.bases.violatedNow && d.bases.governing !== null) {
              const violation = { baseId: d.bases.governing.id, ts: bar.ts, price: bar.close };
              this.history.violations.push(violation);
              this.emit({ type: 'base.violated', violation });
            }
            if (sig !== null) {
              const dto = toSignalDTO(sig);
              this.history.signals.push(dto);
              this.emit({ type: 'signal', signal: dto });
              this.checkSignal(dto);
            }
            if (recorded !== null) this.checkMissing(bar.ts);
          }
          this.liveFloor = Math.max(this.liveFloor, bar.ts + TIMEFRAME_MS[bar.tf]);
          // Backfilled history warms the method up; a signal in it is history, not a trade.
          this.trader.onBar(this.backfilling ? { ...d, tradingSignal: null } : d);
        },
        sessionClosed: (s) => {
          this.journal?.session(s);
          if (!this.shows(s.startTs)) return;
          const dto = toSessionDTO(s);
          this.history.sessions.push(dto);
          this.emit({ type: 'session.closed', session: dto });
        },
      },
    });
    this.iter = feed.blocks();
  }

  /**
   * Opens `opts.file`, paused before its first record.
   * @throws FeedError when the file cannot be opened or its header is bad.
   */
  static async open(opts: ReplayOptions, deps: ReplayDeps): Promise<Replay> {
    const rejections = new RejectionLog();
    const feed = await openFeed(opts.file, { instrument: opts.instrument, barTimeframe: opts.timeframe, timeZone: opts.timeZone, rejections });
    const replay = new Replay(opts, deps, feed, rejections, null);
    await replay.prime();
    return replay;
  }

  /**
   * Opens a recorded session paused with `bar` of its bars shown (0: at its
   * first record), the run's earlier records processed unseen. Publishes
   * nothing while it gets there.
   */
  static async openRecorded(recorded: RecordedReplay, instrument: Instrument, deps: ReplayDeps, bar = 0): Promise<Replay> {
    const { run } = recorded;
    const records = recorded.records as MarketRecord[];
    const feed: Feed = {
      file: run.source.split(/[\\/]/).pop() ?? run.source,
      format: run.format === 'scid' || run.format === 'jsonl' ? run.format : 'csv',
      ticks: records[0]?.kind === 'tick',
      blocks: async function* () {
        yield records;
      },
    };
    const opts: ReplayOptions = {
      file: run.source,
      instrument,
      timeframe: run.timeframe,
      timeZone: run.timeZone,
      sessionKind: run.sessionKind,
      method: run.config.method,
      gamma: null,
      execution: run.config.execution,
      risk: run.config.risk,
    };
    const replay = new Replay(opts, deps, feed, new RejectionLog(), recorded);
    await replay.prime();
    await replay.fastForward(bar);
    return replay;
  }

  /**
   * Opens a live run on `live.venue`: nothing is processed until the live
   * feed pushes records (`pushHistory` for the backfill, then `push`). Bars
   * close on time even without a later trade, and stale data in a session
   * trips the kill switch (section 12).
   */
  static openLive(opts: ReplayOptions, deps: ReplayDeps, live: LiveRunOptions, calendar: SessionCalendar): Replay {
    const feed: Feed = { file: live.source, format: 'scid', ticks: true, blocks: async function* () {} };
    const r = new Replay(opts, deps, feed, new RejectionLog(), null, live);
    r.state = 'playing';
    r.clock.play();
    r.trader.watchStaleData((ts) => calendar.sessionAt(ts) !== null);
    r.armClose();
    return r;
  }

  /** Backfilled history (trades, or closed bars, of the session so far): processed in order, published, never traded. */
  pushHistory(records: readonly MarketRecord[]): void {
    this.backfilling = true;
    try {
      this.push(records);
    } finally {
      this.backfilling = false;
    }
  }

  /**
   * Live records as they arrive, in time order. A trade stamped before a bar
   * already closed (a late print) is counted at the floor instead of
   * breaking the time order.
   */
  push(records: readonly MarketRecord[]): void {
    if (this.live === null || this.state !== 'playing') return;
    try {
      for (const r of records) {
        if (!this.anchored) {
          this.anchored = true;
          this.clock.jumpTo(startOf(r));
        }
        if (r.kind === 'tick' && r.tsEvent < this.liveFloor) this.process({ ...r, tsEvent: this.liveFloor });
        else this.process(r);
        if (r.kind === 'tick') this.liveFloor = Math.max(this.liveFloor, r.tsEvent);
      }
      this.publishForming();
      this.publishExecution();
      if (this.deps.wall.now() - this.lastStatusWall >= STATUS_EVERY_MS) {
        this.journal?.flush();
        this.publishStatus();
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** The broker reported fills or order states between records. */
  venueUpdated(): void {
    this.trader.venueUpdated();
    this.publishExecution();
  }

  /** Closes live bars whose minute has passed, every second. */
  private armClose(): void {
    this.closeTimer = this.clock.setTimer(Math.floor(this.clock.now() / 1000) * 1000 + 1000 + LIVE_CLOSE_GRACE_MS, () => {
      if (this.state !== 'playing') return;
      const before = this.pipeline.bars;
      this.pipeline.closeDue(this.clock.now() - LIVE_CLOSE_GRACE_MS);
      if (this.pipeline.bars !== before) {
        this.journal?.flush();
        this.publishExecution();
        this.publishStatus();
      }
      this.armClose();
    });
  }

  /** The replay's status DTO. */
  status(): ReplayStatusDTO {
    const t = this.clock.now();
    return {
      state: this.state,
      speed: this.clock.speed,
      file: this.feed.file,
      format: this.live === null ? this.feed.format : null,
      timeframe: this.opts.timeframe,
      marketTs: Number.isFinite(t) ? t : null,
      timeZone: this.opts.instrument.timeZone,
      barsProcessed: this.pipeline.bars,
      barsPerSecond: this.barsPerSecond,
      rejected: this.rejections.count,
      rejectedByReason: this.rejections.byReason(),
      error: this.error,
      runId: this.journal?.runId ?? this.recorded?.run.id ?? null,
      signals: this.history.signals.length,
      recorded: this.recordedStatus(),
      live: this.live !== null,
    };
  }

  /** The cursor and the check against the journal, for a recorded session. */
  private recordedStatus(): RecordedStatusDTO | null {
    const r = this.recorded;
    if (r === null) return null;
    const c = this.check;
    return {
      runId: r.run.id,
      sessionId: r.session.sessionId,
      source: r.source,
      startTs: r.session.startTs,
      endTs: r.session.endTs,
      bar: this.sessionBars,
      bars: r.session.bars,
      signalsChecked: c.signalsChecked,
      signalsMatched: c.signalsMatched,
      tradesChecked: this.tradeChecks.size,
      tradesMatched: [...this.tradeChecks.values()].filter((v) => v !== 'differs').length,
      differences: c.differences.slice(),
      differenceCount: c.total,
    };
  }

  /** The recorded session's gamma levels at the cursor (null for a file replay or none). */
  get gamma(): GammaDTO | null {
    return this.gammaDto;
  }

  /**
   * Sets (null: clears) the gamma levels from the next bar on and journals the
   * chain. The kernel owns the levels and tells the windows.
   */
  setGamma(levels: GammaLevels | null, basisPoints = 0): void {
    if (this.recorded !== null) return; // a recorded session keeps the chains it had
    this.analyzer.setGamma(levels, basisPoints);
    const t = this.clock.now();
    if (levels !== null) this.journal?.chain(Number.isFinite(t) ? t : 0, levels, basisPoints);
    else this.journal?.event('gamma.cleared', Number.isFinite(t) ? t : 0, {});
  }

  /** The bar being built from ticks, for a window that connects. */
  forming(): { bar: BarDTO; levels: LevelsDTO | null } | null {
    const f = this.pipeline.forming();
    return f === null ? null : { bar: toBarDTO(f.bar), levels: toLevelsDTO(f.levels) };
  }

  play(): void {
    if (this.state !== 'paused') return;
    this.state = 'playing';
    this.clock.play();
    this.rateSample = { wall: this.deps.wall.now(), bars: this.pipeline.bars };
    this.publishStatus();
    void this.pump();
  }

  pause(): void {
    if (this.state !== 'playing' || this.live !== null) return;
    this.clock.pause();
    this.cancelTimer();
    this.state = 'paused';
    this.barsPerSecond = 0;
    this.journal?.flush();
    this.publishForming();
    this.publishStatus();
  }

  setSpeed(speed: ReplaySpeed): void {
    if (this.live !== null) return;
    this.clock.setSpeed(speed);
    if (this.state === 'playing') {
      this.cancelTimer();
      void this.pump();
    }
    this.publishStatus();
  }

  /** Processes records until one more bar completes (or the data ends). Paused only. */
  async step(): Promise<void> {
    if (this.state !== 'paused' || this.pumping || this.live !== null) return;
    this.pumping = true;
    try {
      const target = this.pipeline.bars + 1;
      while (this.pipeline.bars < target) {
        const r = await this.next();
        if (r === null) {
          this.finish();
          return;
        }
        this.process(r);
      }
      this.approvalWaiting = false;
      this.journal?.flush();
      this.publishForming();
      this.publishExecution();
      this.publishStatus();
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  /** Writes what the run's journal holds in memory (before a backup, or to read a signal's story). */
  flushJournal(): void {
    this.journal?.flush();
  }

  /** Stops the replay and journals how far it got. */
  async close(): Promise<void> {
    this.cancelTimer();
    this.closeTimer?.cancel();
    this.closeTimer = null;
    this.trader.dispose();
    if (this.state === 'playing' || this.state === 'paused') {
      this.state = 'ended';
      this.journal?.finish('stopped', this.deps.wall.now(), { bars: this.pipeline.bars, rejected: this.rejections.count });
    }
    await this.iter.return(undefined);
  }

  // ---------------------------------------------------------------- loop

  /** Reads the first block so the market clock starts at the first record; a recorded session warms up to its start. */
  private async prime(): Promise<void> {
    const first = await this.peek();
    if (first !== null) this.clock.jumpTo(startOf(first));
    const rec = this.recorded;
    if (rec === null) return;
    this.muted = true;
    try {
      this.applyScript();
      for (let r = await this.peek(); r !== null && startOf(r) < rec.session.startTs; r = await this.peek()) {
        this.idx += 1;
        this.process(r);
      }
    } finally {
      this.muted = false;
    }
    const next = await this.peek();
    if (next !== null) this.clock.jumpTo(startOf(next));
  }

  /** Processes records unseen until `bar` bars of the recorded session are shown (or the data ends). */
  private async fastForward(bar: number): Promise<void> {
    this.muted = true;
    try {
      while (this.sessionBars < bar) {
        const r = await this.next();
        if (r === null) {
          this.finish();
          break;
        }
        this.process(r);
      }
    } finally {
      this.muted = false;
    }
  }

  /**
   * One record through the trader and the pipeline at its due time (the
   * market clock follows the data when stepping or at max; when paced it is
   * already there), then the recorded actions that were due by then.
   */
  private process(r: MarketRecord): void {
    const due = dueOf(r);
    if (this.clock.now() < due) this.clock.jumpTo(due);
    this.trader.onRecord(r);
    this.pipeline.onRecord(r);
    if (this.recorded !== null) {
      this.applyScript();
      this.checkTrades(this.clock.now());
    }
  }

  /** Applies the recorded actions due by now (market time). */
  private applyScript(): void {
    const script = this.recorded?.script ?? [];
    const now = this.clock.now();
    while (this.scriptIdx < script.length && (script[this.scriptIdx] as ScriptedAction).ts <= now) {
      const a = script[this.scriptIdx++] as ScriptedAction;
      try {
        switch (a.kind) {
          case 'approve':
            this.trader.approve(a.signalId);
            break;
          case 'reject':
            this.trader.reject(a.signalId, a.why);
            break;
          case 'kill-switch':
            this.trader.trip('manual', a.reason, 'trader');
            break;
          case 'reset':
            this.killSwitch.reset(a.reason, a.who);
            break;
          case 'mode':
            this.analyzer.setMode(a.mode as Mode);
            this.trader.setMode(a.mode as Mode);
            break;
          case 'execution':
            this.trader.setExecution(a.execution);
            break;
          case 'gamma':
            this.analyzer.setGamma(a.levels, a.basisPoints);
            this.gammaDto = a.levels === null ? null : toGammaDTO(a.levels, a.basisPoints);
            this.emit({ type: 'gamma', gamma: this.gammaDto });
            break;
        }
      } catch (e) {
        if (!(e instanceof OrderError) && !(e instanceof KillSwitchError)) throw e;
        this.differ(`the recorded ${a.kind} at ${new Date(a.ts).toISOString()} could not be repeated: ${e.message}`);
      }
    }
  }

  /** Checks a signal the replay produced against the journal's. */
  private checkSignal(s: SignalDTO): void {
    this.produced.add(s.id);
    const j = this.recorded?.signals.find((x) => x.id === s.id);
    if (j === undefined) {
      this.check.signalsChecked += 1;
      this.differ(`signal ${s.id} was not journaled`);
    } else if (j.side !== s.side || j.setup !== s.setup || j.grade !== s.grade || j.entry !== s.entry || j.stop !== s.stop || j.target !== s.target) {
      this.differ(`signal ${s.id}: journaled ${j.grade} ${j.entry}/${j.stop}/${j.target}, replayed ${s.grade} ${s.entry}/${s.stop}/${s.target}`);
    } else this.check.signalsMatched += 1;
  }

  /** Counts the journaled signals of bars up to `barTs` (open, Unix ms), reporting those the replay did not produce. */
  private checkMissing(barTs: number): void {
    const expected = this.recorded?.signals ?? [];
    for (; this.expectedIdx < expected.length && (expected[this.expectedIdx] as JournaledSignal).ts <= barTs; this.expectedIdx++) {
      const x = expected[this.expectedIdx] as JournaledSignal;
      this.check.signalsChecked += 1;
      if (!this.produced.has(x.id)) this.differ(`journaled signal ${x.id} was not reproduced`);
    }
  }

  /**
   * Checks the session's journaled trades whose entry (and then exit) the
   * cursor has passed against the replay's trades, and reports replayed
   * trades the journal does not have. A fill from a bar is stamped at the
   * bar's open but known only when the bar's record is processed, so a time
   * is passed when it is strictly before `now` (market time, Unix ms).
   */
  private checkTrades(now: number): void {
    const rec = this.recorded;
    if (rec === null) return;
    for (const j of rec.trades) {
      const state = this.tradeChecks.get(j.id);
      if (state === 'closed' || state === 'differs' || j.entryTs === null || j.entryTs >= now) continue;
      const t = this.trader.trades.find((x) => x.kind === 'paper' && x.signal.id === j.signalId);
      if (state === undefined) {
        if (t === undefined || t.entryTs !== j.entryTs || t.entryPrice !== j.entryPrice) {
          this.tradeChecks.set(j.id, 'differs');
          this.differ(`trade ${j.id}: journaled entry ${j.entryPrice} at ${iso(j.entryTs)}, replayed ${t?.entryPrice ?? 'none'} at ${iso(t?.entryTs ?? null)}`);
          continue;
        }
        this.tradeChecks.set(j.id, 'entered');
      }
      if (t !== undefined && j.exitTs !== null && j.exitTs < now) {
        const same = t.exitTs === j.exitTs && t.exitPrice === j.exitPrice && t.pnlUsd === j.pnlUsd;
        this.tradeChecks.set(j.id, same ? 'closed' : 'differs');
        if (!same) this.differ(`trade ${j.id}: journaled exit ${j.exitPrice} (${j.pnlUsd} USD), replayed ${t.exitPrice ?? 'still open'} (${t.pnlUsd ?? '-'} USD)`);
      }
    }
    // Replayed trades the journal lacks can only appear when the trader changed.
    if (this.trader.version === this.tradesSeenAt) return;
    this.tradesSeenAt = this.trader.version;
    for (const t of this.trader.trades) {
      if (t.kind !== 'paper' || t.entryTs === null || t.entryTs < rec.session.startTs || this.extraTrades.has(t.id)) continue;
      if (rec.trades.some((j) => j.signalId === t.signal.id)) continue;
      this.extraTrades.add(t.id);
      this.differ(`trade on signal ${t.signal.id} (entry ${t.entryPrice} at ${iso(t.entryTs)}) was not journaled`);
    }
  }

  private differ(message: string): void {
    this.check.total += 1;
    if (this.check.differences.length < MAX_DIFFERENCES) this.check.differences.push(message);
    if (this.check.total === 1) this.emit({ type: 'alert', level: 'warning', message: `This replay differs from the journal: ${message}`, ts: this.clock.now() });
  }

  /** Whether a bar or session starting at market time `ts` belongs to what is shown: always for a file, from the session's start for a recorded one. */
  private shows(ts: number): boolean {
    return this.recorded === null || ts >= this.recorded.session.startTs;
  }

  private emit(e: EngineEvent): void {
    if (!this.muted) this.deps.bus.publish(e);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    this.timer = null;
    const wall = this.deps.wall;
    try {
      const sliceEnd = wall.now() + SLICE_MS;
      let n = 0;
      while (this.state === 'playing') {
        const r = await this.peek();
        if (r === null) {
          this.finish();
          return;
        }
        if (this.clock.speed !== 'max') {
          const now = this.clock.now();
          if (startOf(r) - now > GAP_SKIP_MS) this.clock.jumpTo(startOf(r));
          const due = dueOf(r);
          if (due > this.clock.now()) {
            const wakeAt = Math.min(this.clock.wallTimeOf(due), wall.now() + STATUS_EVERY_MS);
            this.timer = wall.setTimer(wakeAt, () => void this.pump());
            break;
          }
        }
        this.idx += 1;
        this.process(r);
        if (this.approvalWaiting) {
          this.approvalWaiting = false;
          this.pause();
          break;
        }
        if ((++n & 255) === 0 && wall.now() >= sliceEnd) {
          this.timer = wall.setTimer(wall.now(), () => void this.pump());
          break;
        }
      }
      this.afterSlice();
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  private afterSlice(): void {
    this.publishExecution();
    const now = this.deps.wall.now();
    if (now - this.lastFormingWall >= FORMING_EVERY_MS) {
      this.lastFormingWall = now;
      this.publishForming();
    }
    if (now - this.lastStatusWall >= STATUS_EVERY_MS) {
      const dt = now - this.rateSample.wall;
      if (dt >= 1000) {
        this.barsPerSecond = Math.round(((this.pipeline.bars - this.rateSample.bars) * 1000) / dt);
        this.rateSample = { wall: now, bars: this.pipeline.bars };
      }
      this.journal?.flush();
      this.publishStatus();
    }
  }

  /** The next record without consuming it; null at the end of data. */
  private async peek(): Promise<MarketRecord | null> {
    while (this.idx >= this.block.length) {
      if (this.exhausted) return null;
      const res = await this.iter.next();
      if (res.done === true) {
        this.exhausted = true;
        return null;
      }
      this.block = res.value;
      this.idx = 0;
    }
    return this.block[this.idx] as MarketRecord;
  }

  /** The next record, consumed. */
  private async next(): Promise<MarketRecord | null> {
    const r = await this.peek();
    if (r !== null) this.idx += 1;
    return r;
  }

  private finish(): void {
    this.pipeline.end();
    if (this.recorded !== null) {
      this.checkMissing(Number.POSITIVE_INFINITY);
      this.checkTrades(Number.POSITIVE_INFINITY);
    }
    this.clock.pause();
    if (Number.isFinite(this.pipeline.marketTs)) this.clock.jumpTo(this.pipeline.marketTs);
    this.state = 'ended';
    this.barsPerSecond = 0;
    this.journal?.finish('completed', this.deps.wall.now(), { bars: this.pipeline.bars, rejected: this.rejections.count });
    this.publishExecution();
    this.publishStatus();
  }

  private fail(e: unknown): void {
    this.cancelTimer();
    this.state = 'error';
    this.error = e instanceof Error ? e.message : String(e);
    // A bad file is the data's fault; anything else is a fault of the engine (section 12: critical system error).
    if (!(e instanceof FeedError)) this.trader.trip('critical-error', `engine error during the replay: ${this.error}`, 'engine');
    this.journal?.finish('failed', this.deps.wall.now(), { bars: this.pipeline.bars, rejected: this.rejections.count }, this.error);
    this.emit({ type: 'alert', level: 'critical', message: `Replay stopped: ${this.error}`, ts: this.deps.wall.now() });
    this.publishStatus();
  }

  /** Tells the kernel when the execution state changed since it last heard. */
  publishExecution(): void {
    if (this.trader.version === this.publishedVersion) return;
    this.publishedVersion = this.trader.version;
    this.deps.executionChanged();
  }

  /** Switches the mode for the next bars (the analyzer's thresholds and the trader's routing). */
  setMode(mode: Mode): void {
    if (this.recorded !== null) return; // a recorded session keeps its recorded modes
    this.analyzer.setMode(mode);
    this.trader.setMode(mode);
  }

  /** Market time now (Unix ms), null before the first record. */
  marketTs(): number | null {
    const t = this.clock.now();
    return Number.isFinite(t) ? t : null;
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private publishForming(): void {
    const f = this.forming();
    if (f !== null) this.emit({ type: 'bar.forming', bar: f.bar, levels: f.levels });
  }

  private publishStatus(): void {
    this.lastStatusWall = this.deps.wall.now();
    this.emit({ type: 'replay.status', status: this.status() });
  }
}

function iso(ts: number | null): string {
  return ts === null ? 'never' : new Date(ts).toISOString();
}

/** Market time a record starts: a trade's time, a bar's open. */
function startOf(r: MarketRecord): number {
  return r.kind === 'tick' ? r.tsEvent : r.ts;
}

/** Market time a record becomes known: a trade's time, a bar's end. */
function dueOf(r: MarketRecord): number {
  return r.kind === 'tick' ? r.tsEvent : r.ts + TIMEFRAME_MS[r.tf];
}
