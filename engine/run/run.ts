/**
 * An open run as the windows see it: the trading node (engine/run/node.ts)
 * on a market clock, what has been shown so far (for windows that connect
 * late), its status, and its events on the bus. One of the drivers moves it:
 * engine/run/drivers/paced.ts (a file or a recorded session, paced by a
 * speed factor) or engine/run/drivers/live.ts (records pushed by a live
 * feed). The kernel holds at most one open run.
 */
import { ReplayClock, type Clock } from '../clock.js';
import type {
  AnalysisDTO,
  BarDTO,
  BaseDTO,
  BaseViolationDTO,
  EngineEvent,
  GammaDTO,
  LevelsDTO,
  RejectionDTO,
  ReplayStateDTO,
  ReplayStatusDTO,
  SessionDTO,
  SignalDTO,
} from '../contract.js';
import type { EventBus } from '../bus.js';
import { DepthBook } from '../book/depth-book.js';
import { TIMEFRAME_MS, type DepthUpdate, type Instrument, type MarketRecord, type Timeframe } from '../domain.js';
import { toAnalysisDTO, toBarDTO, toBaseDTO, toGammaDTO, toLevelsDTO, toRejectionDTO, toSessionDTO, toSignalDTO } from '../dto.js';
import type { DayCarry, ExecutionMode } from '../execution/records.js';
import type { PositionManagement } from '../execution/management.js';
import type { Trader, TraderDeps } from '../execution/trader.js';
import { FeedError, type RejectionLog } from '../feeds/rejections.js';
import type { FeedFormat } from '../feeds/index.js';
import { GAMMA_MAX_AGE_TRADING_DAYS, chainAge } from '../gamma/age.js';
import type { GammaLevels } from '../gamma/gex.js';
import type { MethodConfig, Mode } from '../method/config.js';
import type { NqCloses } from '../method/context.js';
import type { Decision } from '../method/decision.js';
import type { ClosedBar } from '../pipeline.js';
import { KillSwitch, MemoryKillSwitchStore } from '../risk/kill-switch.js';
import type { RiskConfig } from '../risk/sizing.js';
import type { Db } from '../store/db.js';
import type { SessionKind } from '../time/sessions.js';
import { Zone } from '../time/zone.js';
import type { ExecutionVenue } from '../venue/orders.js';
import { SimulatedVenue } from '../venue/sim.js';
import { TradingNode, type GammaInForce } from './node.js';
import { RecordedCheck, type RecordedReplay } from './recorded.js';

const NEW_YORK = new Zone('America/New_York');

/** Rejections kept for windows that connect late, and sent one by one at most (the count goes on). */
const HISTORY_REJECTIONS = 100;
const EVENT_REJECTIONS = 20;

/** How a run trades. */
export interface RunOptions {
  /** The data file, or what a live run shows as its source (e.g. "Sierra Chart DTC · ESZ25-CME"). */
  readonly file: string;
  readonly instrument: Instrument;
  readonly timeframe: Timeframe;
  readonly timeZone: string;
  readonly sessionKind: SessionKind;
  readonly method: MethodConfig;
  /** Gamma levels in force when the run opens. */
  readonly gamma: GammaInForce | null;
  /** Gamma levels over time: each chain from its snapshot time on (NodeOptions.gammaSchedule). */
  readonly gammaSchedule?: readonly GammaInForce[];
  /** NQ's closes for es_nq_correlation (NodeOptions.nq), and the file they came from (a replay's). */
  readonly nq?: NqCloses | null;
  readonly nqPath?: string | null;
  /** When a MANUAL approval expires (the trader's settings, issue 18); section 11's 30 s and 4 ticks when omitted. */
  readonly approval?: { readonly timeoutMs: number; readonly expiryTicks: number };
  /** Position management of the run's trades (the trader's settings, issue 18); every rule off when omitted. */
  readonly management?: PositionManagement;
  /** The simulated venue's costs (the trader's settings, issue 18); its defaults (2.25 USD a side, 1 tick) when omitted. */
  readonly simulated?: { readonly commissionPerSideUsd: number; readonly slippageTicks: number };
  /** A chain in force older than this many trading days at a bar is said (default GAMMA_MAX_AGE_TRADING_DAYS). */
  readonly gammaMaxAgeTradingDays?: number;
  /** MANUAL or AUTO when the run opens. */
  readonly execution: ExecutionMode;
  readonly risk: RiskConfig;
  /** Whether the trader set `risk.accountEquityUsd` (issue 16), or it is the config's default; shown beside the equity. */
  readonly startingEquitySource?: 'trader' | 'default';
}

/** What a run needs from the kernel. */
export interface RunDeps {
  readonly wall: Clock;
  readonly bus: EventBus<EngineEvent>;
  readonly db: Db | null;
  /** The workstation's kill switch: one for every run, latched across them. */
  readonly killSwitch: KillSwitch;
  /** Called when the execution state changed (the kernel publishes it). */
  readonly executionChanged: () => void;
  /** The next number of the engine's statuses (ReplayStatusDTO.seq); a count of the run's own when omitted. */
  readonly nextStatusSeq?: () => number;
  /**
   * The trading day before this run for the session holding market time
   * `ts`, excluding run `runId` (this one): live runs carry the day's
   * results across restarts and reconnects (issue 16).
   */
  readonly earlierToday?: (ts: number, runId: number | null) => DayCarry | null;
  /** Live runs: the broker's net liquidation value and its high-water mark while the orders go there (TraderDeps.brokerEquity). */
  readonly brokerEquity?: TraderDeps['brokerEquity'];
}

/** What kind of run, and what it reads. */
export type RunKind =
  /** A data file; its feed reports bad records to `rejections`. */
  | { readonly kind: 'replay'; readonly format: FeedFormat; readonly rejections: RejectionLog }
  | { readonly kind: 'recorded'; readonly format: FeedFormat; readonly recorded: RecordedReplay }
  /** Records pushed by a live feed, on `venue` (simulated fills on live data in PAPER, the broker in LIVE). */
  | { readonly kind: 'live'; readonly venue: ExecutionVenue };

/** What a driver adds to the run's status. */
export interface DriverStatus {
  readonly barsPerSecond: number;
  /** A recorded session's checkpoints held (engine/run/checkpoint.ts). */
  readonly checkpoints: number;
}

/** One open run. */
export class OpenRun {
  readonly opts: RunOptions;
  readonly kind: RunKind;
  readonly node: TradingNode;
  /** Market time: paced against the wall by a speed factor, or set by the data. */
  readonly clock: ReplayClock;
  /** A recorded session's cursor and check; null otherwise. */
  readonly recorded: RecordedCheck | null;
  /** Everything shown so far, for windows that connect mid-run. */
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
  state: ReplayStateDTO = 'paused';
  private error: string | null = null;
  /** Nothing is published while a seek fast-forwards or a recorded session warms up. */
  muted = false;
  private readonly deps: RunDeps;
  private readonly killSwitch: KillSwitch;
  private gammaDto: GammaDTO | null = null;
  private publishedVersion = -1;
  private lastStatusWall = Number.NEGATIVE_INFINITY;
  private ownStatusSeq = 0;
  /** End of the last completed bar, market time (Unix ms): a live trade stamped before it counts at it. */
  lastBarEndTs = Number.NEGATIVE_INFINITY;
  /** Set by the driver: what it adds to the status. */
  driverStatus: () => DriverStatus = () => ({ barsPerSecond: 0, checkpoints: 0 });
  /** Set by the driver: a MANUAL approval was queued (a paced replay pauses for the trader). */
  onQueued: () => void = () => {};

  constructor(opts: RunOptions, kind: RunKind, deps: RunDeps) {
    this.opts = opts;
    this.kind = kind;
    this.deps = deps;
    this.depth = new DepthBook(opts.instrument.tickSize);
    // A live run's market time follows the data and runs at wall speed between records (a peer replaying old data stays consistent).
    this.clock = new ReplayClock(deps.wall, kind.kind === 'live' ? deps.wall.now() : Number.NaN);
    const recorded = kind.kind === 'recorded' ? kind.recorded : null;
    this.killSwitch = recorded === null ? deps.killSwitch : new KillSwitch(new MemoryKillSwitchStore(), this.clock);
    this.node = new TradingNode(
      { ...opts, resetKillSwitchDaily: recorded?.run.config.resetKillSwitchDaily === true },
      {
        clock: this.clock,
        venue: kind.kind === 'live' ? kind.venue : new SimulatedVenue({ tickSize: opts.instrument.tickSize, ...opts.simulated }),
        killSwitch: this.killSwitch,
        rejections: kind.kind === 'replay' ? kind.rejections : undefined,
        // A recorded session writes no journal.
        journal: deps.db === null || recorded !== null ? null : { db: deps.db, kind: kind.kind === 'live' ? 'live' : 'replay', source: opts.file, format: kind.kind === 'live' ? 'scid' : kind.format, startedAt: deps.wall.now() },
        listener: {
          barClosed: (c, d) => this.barClosed(c, d),
          sessionClosed: (s) => this.sessionClosed(s),
          gammaApplied: (g) => {
            this.gammaDto = toGammaDTO(g.levels, g.basisPoints);
            this.emit({ type: 'gamma', gamma: this.gammaDto });
          },
        },
        alert: (level, message) => this.emit({ type: 'alert', level, message, ts: this.clock.now() }),
        // A recorded session replays the trader's recorded decisions instead of waiting for new ones.
        onQueued: () => {
          if (recorded === null) this.onQueued();
        },
        earlierToday: kind.kind === 'live' && deps.earlierToday !== undefined ? (ts) => deps.earlierToday?.(ts, this.node.journal?.runId ?? null) ?? null : undefined,
        brokerEquity: kind.kind === 'live' ? deps.brokerEquity : undefined,
      },
    );
    this.recorded =
      recorded === null
        ? null
        : new RecordedCheck(recorded, {
            trader: this.node.trader,
            killSwitch: this.killSwitch,
            setMode: (m) => this.node.setMode(m),
            rollContract: (from, to, lastPrice, ts) => this.node.rollContract(from, to, lastPrice, ts),
            setGamma: (levels, basisPoints) => {
              this.node.setGamma(levels, basisPoints, this.clock.now()); // no journal: a recorded session writes none
              this.gammaDto = levels === null ? null : toGammaDTO(levels, basisPoints);
              this.emit({ type: 'gamma', gamma: this.gammaDto });
            },
            alert: (message) => this.emit({ type: 'alert', level: 'warning', message, ts: this.clock.now() }),
          });
    if (opts.gamma !== null) this.gammaDto = toGammaDTO(opts.gamma.levels, opts.gamma.basisPoints);
    this.node.rejections.onReject((r) => {
      const dto = toRejectionDTO(r);
      if (this.history.rejections.length < HISTORY_REJECTIONS) this.history.rejections.push(dto);
      if (this.node.rejections.count <= EVENT_REJECTIONS) this.emit({ type: 'feed.rejected', rejection: dto, total: this.node.rejections.count });
    });
  }

  /** The execution path of the run. */
  get trader(): Trader {
    return this.node.trader;
  }

  /** The order book as the data gives it (a file's depth, a broker's market depth): the ladder's bid and ask sizes. */
  readonly depth: DepthBook;

  /** Market depth from a live feed, between its trades (market time `ts`, Unix ms). */
  onDepth(updates: readonly DepthUpdate[], ts: number): void {
    this.depth.apply(updates, ts);
  }

  /** Contracts traded at `price` (points) in the session so far: the ladder's volume column. */
  volumeAt(price: number): number {
    return this.node.pipeline.volumeAt(price);
  }

  get live(): boolean {
    return this.kind.kind === 'live';
  }

  /**
   * One record through the node at its due time (the market clock follows
   * the data when stepping or at max; when paced it is already there), then
   * a recorded session's actions that were due by then.
   */
  process(r: MarketRecord): void {
    const due = dueOf(r);
    if (this.clock.now() < due) this.clock.jumpTo(due);
    if (r.kind === 'tick' && r.depth !== undefined) this.depth.apply(r.depth, r.tsEvent);
    this.node.onRecord(r);
    this.recorded?.afterRecord(this.clock.now());
  }

  /** End of data: the last bar and session close, the run is journaled completed. */
  finish(): void {
    this.node.end();
    this.recorded?.finish();
    this.clock.pause();
    if (Number.isFinite(this.node.pipeline.marketTs)) this.clock.jumpTo(this.node.pipeline.marketTs);
    this.state = 'ended';
    this.node.journal?.finish('completed', this.deps.wall.now(), this.counts());
    this.publishExecution(true); // the market clock moved to the data's end: the head's "now" too
    this.publishStatus();
  }

  /** The run stopped on an error: a bad file is the data's fault; anything else trips the kill switch (section 12: critical system error). */
  fail(e: unknown): void {
    this.state = 'error';
    this.error = e instanceof Error ? e.message : String(e);
    // A replay trades on the simulated venue: its failure is no reason to halt the account (issue 16); a live run's is.
    if (!(e instanceof FeedError) && this.kind.kind === 'live') this.trader.trip('critical-error', `engine error during the live run: ${this.error}`, 'engine');
    this.node.journal?.finish('failed', this.deps.wall.now(), this.counts(), this.error);
    this.emit({ type: 'alert', level: 'critical', message: `Replay stopped: ${this.error}`, ts: this.deps.wall.now() });
    this.publishStatus();
  }

  /** Ends the run and journals how far it got. */
  close(): void {
    this.trader.dispose();
    if (this.state === 'playing' || this.state === 'paused') {
      this.state = 'ended';
      this.node.journal?.finish('stopped', this.deps.wall.now(), this.counts());
    }
  }

  /** Writes what the run's journal holds in memory (before a backup, or to read a signal's story). */
  flushJournal(): void {
    this.node.flush();
  }

  /** Tells the kernel when the execution state changed since it last heard (`always`: whether or not). */
  publishExecution(always = false): void {
    if (!always && this.trader.version === this.publishedVersion) return;
    this.publishedVersion = this.trader.version;
    this.deps.executionChanged();
  }

  /** Publishes the execution state if it changed and, at most every `everyMs` of wall time (0: now), the status; flushes the journal with the status. */
  publishProgress(everyMs: number): void {
    this.publishExecution();
    if (this.deps.wall.now() - this.lastStatusWall >= everyMs) {
      this.node.flush();
      this.publishStatus();
    }
  }

  publishForming(): void {
    const f = this.forming();
    if (f !== null) this.emit({ type: 'bar.forming', bar: f.bar, levels: f.levels });
  }

  publishStatus(): void {
    this.lastStatusWall = this.deps.wall.now();
    this.emit({ type: 'replay.status', status: this.status() });
  }

  /** Switches the mode for the next bars. A recorded session keeps its recorded modes. */
  setMode(mode: Mode): void {
    if (this.recorded === null) this.node.setMode(mode);
  }

  /**
   * Sets (null: clears) the gamma levels from the next bar on and journals the
   * chain. The kernel owns the levels and tells the windows. A recorded
   * session keeps the chains it had.
   */
  setGamma(levels: GammaLevels | null, basisPoints = 0): void {
    if (this.recorded !== null) return;
    const t = this.clock.now();
    this.node.setGammaSchedule([], Number.NaN); // a chain loaded by hand replaces a folder's
    this.node.setGamma(levels, basisPoints, Number.isFinite(t) ? t : 0);
    this.gammaDto = levels === null ? null : toGammaDTO(levels, basisPoints);
  }

  /**
   * Replaces the gamma levels with a folder's chains, each from its snapshot
   * time on (those taken by now apply at once). A recorded session keeps the
   * chains it had. Returns the levels in force now.
   */
  setGammaSchedule(schedule: readonly GammaInForce[]): GammaDTO | null {
    if (this.recorded !== null) return this.gammaDto;
    this.gammaDto = null;
    this.node.setGamma(null, 0, Number.isFinite(this.clock.now()) ? this.clock.now() : 0);
    this.node.setGammaSchedule(schedule, this.clock.now());
    return this.gammaDto;
  }

  /** The gamma levels in force at the run's market time (a recorded session's at the cursor), null without. */
  get gamma(): GammaDTO | null {
    return this.gammaDto;
  }

  /** Market time now (Unix ms), null before the first record. */
  marketTs(): number | null {
    const t = this.clock.now();
    return Number.isFinite(t) ? t : null;
  }

  /** The bar being built from ticks, for a window that connects. */
  forming(): { bar: BarDTO; levels: LevelsDTO | null } | null {
    const f = this.node.pipeline.forming();
    return f === null ? null : { bar: toBarDTO(f.bar), levels: toLevelsDTO(f.levels) };
  }

  /** The run's status DTO. */
  status(): ReplayStatusDTO {
    const t = this.clock.now();
    const rejections = this.node.rejections;
    return {
      seq: this.deps.nextStatusSeq?.() ?? ++this.ownStatusSeq,
      state: this.state,
      speed: this.clock.speed,
      file: this.live ? this.opts.file : (this.opts.file.split(/[\\/]/).pop() ?? this.opts.file),
      path: this.kind.kind === 'replay' ? this.opts.file : null,
      nqPath: this.opts.nqPath ?? null,
      format: this.kind.kind === 'live' ? null : this.kind.format,
      timeframe: this.opts.timeframe,
      marketTs: Number.isFinite(t) ? t : null,
      timeZone: this.opts.instrument.timeZone,
      barsProcessed: this.node.bars,
      barsPerSecond: this.driverStatus().barsPerSecond,
      rejected: rejections.count,
      rejectedByReason: rejections.byReason(),
      error: this.error,
      runId: this.node.journal?.runId ?? (this.kind.kind === 'recorded' ? this.kind.recorded.run.id : null),
      signals: this.history.signals.length,
      recorded: this.recorded === null ? null : { ...this.recorded.status(), checkpoints: this.driverStatus().checkpoints },
      live: this.live,
    };
  }

  emit(e: EngineEvent): void {
    if (!this.muted) this.deps.bus.publish(e);
  }

  /**
   * The windows were told the run is open ('replay.opened', which clears
   * their lists): the records rejected while it opened (a file's first block
   * is read then, unpublished) are told now, as they would have been (issue 17).
   */
  opened(): void {
    const early = this.history.rejections.slice(0, EVENT_REJECTIONS);
    early.forEach((rejection, i) => this.emit({ type: 'feed.rejected', rejection, total: i + 1 }));
  }

  private counts(): { bars: number; rejected: number } {
    return { bars: this.node.bars, rejected: this.node.rejections.count };
  }

  /** Whether a bar or session starting at market time `ts` is shown: always, but from the session's start for a recorded one. */
  private shows(ts: number): boolean {
    return this.recorded?.shows(ts) ?? true;
  }

  /** The last chain age said, `<chainTs>:<age>` (said once per chain and age). */
  private gammaAgeSaid: string | null = null;

  /**
   * Says when the chain in force at a bar is stale (older than the limit in
   * trading days) or ahead of the bar (taken after it: its levels are
   * look-ahead), once per chain and age (issue 17, item 9).
   */
  private checkGammaAge(d: Decision): void {
    const g = d.gamma;
    if (g === null) return;
    const max = this.opts.gammaMaxAgeTradingDays ?? GAMMA_MAX_AGE_TRADING_DAYS;
    const age = chainAge(g.chainTs, d.bar.ts, max);
    const key = `${g.chainTs}:${age}`;
    if (age === 'fresh' || key === this.gammaAgeSaid) return;
    this.gammaAgeSaid = key;
    const when = (ts: number): string => NEW_YORK.formatIso(ts).slice(0, 16).replace('T', ' ');
    const message =
      age === 'ahead'
        ? `Gamma levels: the SPX chain in force was taken ${when(g.chainTs)} New York time, after this bar (${when(d.bar.ts)}): its walls and zero gamma are look-ahead. Load that day's chain, or a folder of dated chains.`
        : `Gamma levels: the SPX chain in force (${when(g.chainTs)} New York time) is more than ${max} trading days older than this bar (${when(d.bar.ts)}): its walls and zero gamma may have moved. Load a newer chain, or a folder of dated chains.`;
    this.emit({ type: 'alert', level: 'warning', message, ts: this.clock.now() });
  }

  private barClosed(closed: ClosedBar, d: Decision): void {
    const { bar, levels, tsInit } = closed;
    this.lastBarEndTs = Math.max(this.lastBarEndTs, bar.ts + TIMEFRAME_MS[bar.tf]);
    if (!this.muted) this.checkGammaAge(d);
    if (!this.shows(bar.ts)) return;
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
    const signal = d.tradingSignal === null ? null : toSignalDTO(d.tradingSignal);
    if (signal !== null) {
      this.history.signals.push(signal);
      this.emit({ type: 'signal', signal });
    }
    this.recorded?.barShown(bar.ts, signal);
  }

  private sessionClosed(s: Parameters<typeof toSessionDTO>[0]): void {
    if (!this.shows(s.startTs)) return;
    const dto = toSessionDTO(s);
    this.history.sessions.push(dto);
    this.emit({ type: 'session.closed', session: dto });
  }
}

/** Market time a record starts: a trade's time, a bar's open. */
export function startOf(r: MarketRecord): number {
  return r.kind === 'tick' ? r.tsEvent : r.ts;
}

/** Market time a record becomes known: a trade's time, a bar's end. */
export function dueOf(r: MarketRecord): number {
  return r.kind === 'tick' ? r.tsEvent : r.ts + TIMEFRAME_MS[r.tf];
}
