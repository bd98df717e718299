/**
 * Replay of a recorded file through the kernel's market path, paced by a
 * speed factor (architecture.md, "The kernel": replay). Play, pause, step one
 * bar, 1x / 10x / 60x / 600x / max.
 *
 * [Note: replay pacing] A record is due when market time reaches it: a trade
 * at its timestamp, a bar from a bar file at its end (a bar is only known
 * once it has closed, so it never shows before its time). Dead time longer
 * than `GAP_SKIP_MS` (the 17:00 ET halt, weekends, the file's start) is
 * skipped. At 'max' records are processed in slices of `SLICE_MS` of wall
 * time, then the loop yields so RPCs (pause) are served between slices.
 */
import { ReplayClock, type Clock, type ReplaySpeed, type TimerHandle } from '../clock.js';
import type { AnalysisDTO, BarDTO, BaseDTO, BaseViolationDTO, EngineEvent, LevelsDTO, RejectionDTO, ReplayStatusDTO, SessionDTO, ReplayStateDTO, SignalDTO } from '../contract.js';
import { TIMEFRAME_MS, type Instrument, type MarketRecord, type Timeframe } from '../domain.js';
import { toAnalysisDTO, toBarDTO, toBaseDTO, toLevelsDTO, toRejectionDTO, toSessionDTO, toSignalDTO } from '../dto.js';
import type { EventBus } from '../bus.js';
import { openFeed, type Feed } from '../feeds/index.js';
import { RejectionLog } from '../feeds/rejections.js';
import type { GammaLevels } from '../gamma/gex.js';
import { Trader, type ExecutionMode } from '../execution/trader.js';
import { FeedError } from '../feeds/rejections.js';
import { MethodAnalyzer } from '../method/analyzer.js';
import type { MethodConfig, Mode } from '../method/config.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import type { RiskConfig } from '../risk/sizing.js';
import { SimulatedVenue } from '../venue/sim.js';
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
  private readonly rejections: RejectionLog;
  private readonly pipeline: MarketPipeline;
  private readonly analyzer: MethodAnalyzer;
  /** The execution path on the simulated venue (paper trading on replayed data). */
  readonly trader: Trader;
  private readonly journal: RunJournal | null;
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

  private constructor(opts: ReplayOptions, deps: ReplayDeps, feed: Feed, rejections: RejectionLog) {
    this.opts = opts;
    this.deps = deps;
    this.feed = feed;
    this.rejections = rejections;
    this.clock = new ReplayClock(deps.wall, Number.NaN);
    this.journal =
      deps.db === null
        ? null
        : new RunJournal(deps.db, {
            kind: 'replay',
            source: opts.file,
            format: feed.format,
            symbol: opts.instrument.symbol,
            timeframe: opts.timeframe,
            sessionKind: opts.sessionKind,
            timeZone: opts.timeZone,
            startedAt: deps.wall.now(),
          });
    this.rejections.onReject((r) => {
      this.journal?.rejection(r);
      const dto = toRejectionDTO(r);
      if (this.history.rejections.length < 100) this.history.rejections.push(dto);
      if (this.rejections.count <= 20) deps.bus.publish({ type: 'feed.rejected', rejection: dto, total: this.rejections.count });
    });
    this.analyzer = new MethodAnalyzer({ instrument: opts.instrument, config: opts.method });
    if (opts.gamma !== null) this.setGamma(opts.gamma.levels, opts.gamma.basisPoints);
    this.trader = new Trader(
      { instrument: opts.instrument, mode: opts.method.mode, execution: opts.execution, risk: opts.risk },
      {
        clock: this.clock,
        venue: new SimulatedVenue({ tickSize: opts.instrument.tickSize }),
        killSwitch: deps.killSwitch,
        journal: this.journal,
        alert: (level, message) => deps.bus.publish({ type: 'alert', level, message, ts: this.clock.now() }),
        snapshot: (d) => this.analyzer.snapshot(d),
        onQueued: () => {
          this.approvalWaiting = true;
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
          const d = this.analyzer.onBar(closed);
          const b = toBarDTO(bar);
          const l = toLevelsDTO(levels);
          const analysis = toAnalysisDTO(d);
          this.history.bars.push(b);
          this.history.levels.push(l);
          this.history.analysis = analysis;
          deps.bus.publish({ type: 'bar.closed', bar: b, levels: l, analysis, tsInit });
          if (d.bases.confirmed !== null) {
            const base = toBaseDTO(d.bases.confirmed);
            this.history.bases.push(base);
            deps.bus.publish({ type: 'base.confirmed', base });
          }
          if (d.bases.violatedNow && d.bases.governing !== null) {
            const violation = { baseId: d.bases.governing.id, ts: bar.ts, price: bar.close };
            this.history.violations.push(violation);
            deps.bus.publish({ type: 'base.violated', violation });
          }
          const sig = d.tradingSignal;
          if (sig !== null) {
            this.journal?.signal(this.analyzer.snapshot({ ...d, tradingSignal: sig }));
            const dto = toSignalDTO(sig);
            this.history.signals.push(dto);
            deps.bus.publish({ type: 'signal', signal: dto });
          }
          this.trader.onBar(d);
        },
        sessionClosed: (s) => {
          this.journal?.session(s);
          const dto = toSessionDTO(s);
          this.history.sessions.push(dto);
          deps.bus.publish({ type: 'session.closed', session: dto });
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
    const replay = new Replay(opts, deps, feed, rejections);
    await replay.prime();
    return replay;
  }

  /** The replay's status DTO. */
  status(): ReplayStatusDTO {
    const t = this.clock.now();
    return {
      state: this.state,
      speed: this.clock.speed,
      file: this.feed.file,
      format: this.feed.format,
      timeframe: this.opts.timeframe,
      marketTs: Number.isFinite(t) ? t : null,
      timeZone: this.opts.instrument.timeZone,
      barsProcessed: this.pipeline.bars,
      barsPerSecond: this.barsPerSecond,
      rejected: this.rejections.count,
      rejectedByReason: this.rejections.byReason(),
      error: this.error,
      runId: this.journal?.runId ?? null,
      signals: this.history.signals.length,
    };
  }

  /**
   * Sets (null: clears) the gamma levels from the next bar on and journals the
   * chain. The kernel owns the levels and tells the windows.
   */
  setGamma(levels: GammaLevels | null, basisPoints = 0): void {
    this.analyzer.setGamma(levels, basisPoints);
    if (levels !== null) {
      const t = this.clock.now();
      this.journal?.chain(Number.isFinite(t) ? t : 0, levels, basisPoints);
    }
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
    if (this.state !== 'playing') return;
    this.clock.pause();
    this.cancelTimer();
    this.state = 'paused';
    this.barsPerSecond = 0;
    this.journal?.flush();
    this.publishForming();
    this.publishStatus();
  }

  setSpeed(speed: ReplaySpeed): void {
    this.clock.setSpeed(speed);
    if (this.state === 'playing') {
      this.cancelTimer();
      void this.pump();
    }
    this.publishStatus();
  }

  /** Processes records until one more bar completes (or the data ends). Paused only. */
  async step(): Promise<void> {
    if (this.state !== 'paused' || this.pumping) return;
    this.pumping = true;
    try {
      const target = this.pipeline.bars + 1;
      while (this.pipeline.bars < target) {
        const r = await this.next();
        if (r === null) {
          this.finish();
          return;
        }
        this.clock.jumpTo(dueOf(r));
        this.trader.onRecord(r);
        this.pipeline.onRecord(r);
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

  /** Stops the replay and journals how far it got. */
  async close(): Promise<void> {
    this.cancelTimer();
    this.trader.dispose();
    if (this.state === 'playing' || this.state === 'paused') {
      this.state = 'ended';
      this.journal?.finish('stopped', this.deps.wall.now(), { bars: this.pipeline.bars, rejected: this.rejections.count });
    }
    await this.iter.return(undefined);
  }

  // ---------------------------------------------------------------- loop

  /** Reads the first block so the market clock starts at the first record. */
  private async prime(): Promise<void> {
    const first = await this.peek();
    if (first !== null) this.clock.jumpTo(startOf(first));
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
        // At max the market clock follows the data: the trader acts at the record's time.
        if (this.clock.speed === 'max') this.clock.jumpTo(dueOf(r));
        this.trader.onRecord(r);
        this.pipeline.onRecord(r);
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
    this.deps.bus.publish({ type: 'alert', level: 'critical', message: `Replay stopped: ${this.error}`, ts: this.deps.wall.now() });
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
    if (f !== null) this.deps.bus.publish({ type: 'bar.forming', bar: f.bar, levels: f.levels });
  }

  private publishStatus(): void {
    this.lastStatusWall = this.deps.wall.now();
    this.deps.bus.publish({ type: 'replay.status', status: this.status() });
  }
}

/** Market time a record starts: a trade's time, a bar's open. */
function startOf(r: MarketRecord): number {
  return r.kind === 'tick' ? r.tsEvent : r.ts;
}

/** Market time a record becomes known: a trade's time, a bar's end. */
function dueOf(r: MarketRecord): number {
  return r.kind === 'tick' ? r.tsEvent : r.ts + TIMEFRAME_MS[r.tf];
}
