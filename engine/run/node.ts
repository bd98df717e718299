/**
 * The trading node (architecture.md, "The kernel": one kernel, three
 * environments that only swap adapters): the market pipeline, the Battle
 * Navale analyzer, the trader and the run's journal composed ONCE, fed one
 * record at a time. Backtests, paced replays, recorded sessions and live runs
 * all drive this node (engine/run/drivers/*); none of them repeats what it
 * does at a bar close.
 *
 * Per record: the trader first (the venue matches working orders against the
 * record, then marks, expiries and risk triggers), then the pipeline, whose
 * completed bars come back here.
 *
 * Per completed bar (the bar-close fan-out), in this order:
 * 1. the bar and its levels to the journal;
 * 2. at a new session, a HALTED kill switch is re-armed when the run says so
 *    (see [Note: backtest kill switch]);
 * 3. the analyzer's decision, and a signal's DECISION snapshot journaled;
 * 4. the listener (an open run's window view) hears the bar and the decision;
 * 5. the trader takes the decision (a signal inside backfilled history is
 *    history, not a trade).
 *
 * [Note: backtest kill switch] A backtest has its own kill switch in memory,
 * never the workstation's latched one. When it trips, the halt sequence runs
 * as live; at the next session the backtest stands in for the trader and
 * resets it (journaled, who = 'backtest'), so one bad day does not end the
 * test. `resetKillSwitchDaily: false` keeps it latched to the end; a recorded
 * session of a backtest re-arms as its run did.
 */
import type { Clock } from '../clock.js';
import type { Instrument, MarketRecord, Timeframe } from '../domain.js';
import type { ExecutionMode } from '../execution/records.js';
import type { PositionManagement } from '../execution/management.js';
import { Trader, type TraderDeps } from '../execution/trader.js';
import type { DatasetRoll } from '../feeds/dataset.js';
import { RejectionLog } from '../feeds/rejections.js';
import type { GammaLevels } from '../gamma/gex.js';
import type { SessionSummary } from '../indicators/session-levels.js';
import { MethodAnalyzer } from '../method/analyzer.js';
import type { MethodConfig, Mode } from '../method/config.js';
import { countSignal, emptySignalCounts, type SignalCounts } from '../method/counts.js';
import type { Decision } from '../method/decision.js';
import type { NqCloses } from '../method/context.js';
import { MarketPipeline, type ClosedBar } from '../pipeline.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import type { RiskConfig } from '../risk/sizing.js';
import type { Db } from '../store/db.js';
import { RunJournal, type RunInfo } from '../store/journal.js';
import { SessionCalendar, type SessionKind } from '../time/sessions.js';
import type { TapeSink } from './tape.js';
import type { ExecutionVenue } from '../venue/orders.js';

/** Gamma levels and the basis (ES - SPX, points) that maps them onto the instrument. */
export interface GammaInForce {
  readonly levels: GammaLevels;
  readonly basisPoints: number;
}

/** What a node trades and how. */
export interface NodeOptions {
  readonly instrument: Instrument;
  /** Timeframe bars are built at from ticks, and the timeframe of bar files. */
  readonly timeframe: Timeframe;
  readonly sessionKind: SessionKind;
  /** Zone of zone-less CSV timestamps (journaled with the run). */
  readonly timeZone: string;
  readonly method: MethodConfig;
  readonly risk: RiskConfig;
  readonly execution: ExecutionMode;
  readonly gamma: GammaInForce | null;
  /**
   * Gamma levels over time (issue 17, item 9): each applies from its snapshot
   * time (`levels.ts`) on, before the first record starting at or after it,
   * replacing the one before; in snapshot order.
   */
  readonly gammaSchedule?: readonly GammaInForce[];
  /** NQ's closes for es_nq_correlation (section 7): a bar file's, or live NQ's; neutral without. */
  readonly nq?: NqCloses | null;
  /** When a MANUAL approval expires unanswered: market ms, and ticks past the entry (section 11's 30 s and 4 when omitted). */
  readonly approval?: { readonly timeoutMs: number; readonly expiryTicks: number };
  /** Position management of the trades (issue 18, item 3); every rule off when omitted. */
  readonly management?: PositionManagement;
  /** Re-arm a HALTED kill switch at each new session ([Note: backtest kill switch]). */
  readonly resetKillSwitchDaily: boolean;
}

/** The journal a node writes: none, or a new run of `kind` in `db`. */
export interface NodeJournal {
  readonly db: Db;
  readonly kind: RunInfo['kind'];
  readonly source: string;
  readonly format: string | null;
  /** Wall time the run started, Unix ms. */
  readonly startedAt: number;
}

/** Who hears the node's bar closes (an open run's window view). */
export interface NodeListener {
  /** A completed bar with the method's decision at its close; called before the trader takes it. */
  barClosed?(closed: ClosedBar, decision: Decision): void;
  sessionClosed?(summary: SessionSummary): void;
  /** A chain of the gamma schedule came into force (its levels are the analyzer's from this record on). */
  gammaApplied?(g: GammaInForce): void;
}

/** What a node is built from. */
export interface NodeDeps {
  /** Market time: the backtest clock, or a replay clock paced against the wall. */
  readonly clock: Clock;
  readonly venue: ExecutionVenue;
  /** The kill switch the trader answers to: the workstation's latched one, or a backtest's or recorded session's own. */
  readonly killSwitch: KillSwitch;
  readonly journal: NodeJournal | null;
  /** The log the run's feed reports bad records to (a new one when omitted); the journal keeps each. */
  readonly rejections?: RejectionLog;
  readonly listener?: NodeListener;
  readonly alert?: TraderDeps['alert'];
  readonly onQueued?: TraderDeps['onQueued'];
  readonly earlierToday?: TraderDeps['earlierToday'];
  readonly brokerEquity?: TraderDeps['brokerEquity'];
}

/** One run's trading path, fed record by record. */
export class TradingNode {
  readonly pipeline: MarketPipeline;
  readonly analyzer: MethodAnalyzer;
  readonly trader: Trader;
  /** Null without a journal. */
  readonly journal: RunJournal | null;
  /** The run's rejected records; feeds and live drivers add to it, the journal keeps each. */
  readonly rejections: RejectionLog;
  /** Signals emitted so far, by setup, side and grade. */
  readonly signals: SignalCounts = emptySignalCounts();
  /** Sessions closed so far, in order. */
  readonly sessions: SessionSummary[] = [];
  private readonly opts: NodeOptions;
  private readonly deps: NodeDeps;
  private lastSessionId: string | null = null;
  /** Backfilled history is being fed: the method sees it, the trader does not trade it. */
  private history = false;
  private schedule: readonly GammaInForce[];
  /** The next chain of the schedule to apply. */
  private nextChain = 0;

  constructor(opts: NodeOptions, deps: NodeDeps) {
    this.opts = opts;
    this.deps = deps;
    this.rejections = deps.rejections ?? new RejectionLog();
    const j = deps.journal;
    this.journal =
      j === null
        ? null
        : new RunJournal(j.db, {
            kind: j.kind,
            source: j.source,
            format: j.format,
            symbol: opts.instrument.symbol,
            timeframe: opts.timeframe,
            sessionKind: opts.sessionKind,
            timeZone: opts.timeZone,
            startedAt: j.startedAt,
            config: { method: opts.method, risk: opts.risk, execution: opts.execution, resetKillSwitchDaily: opts.resetKillSwitchDaily },
          });
    if (this.journal !== null) {
      const journal = this.journal;
      this.rejections.onReject((r) => journal.rejection(r));
    }
    this.analyzer = new MethodAnalyzer({ instrument: opts.instrument, config: opts.method });
    this.trader = new Trader(
      {
        instrument: opts.instrument,
        mode: opts.method.mode,
        execution: opts.execution,
        risk: opts.risk,
        ...(opts.approval === undefined ? {} : { approvalTimeoutMs: opts.approval.timeoutMs, approvalExpiryTicks: opts.approval.expiryTicks }),
        ...(opts.management === undefined ? {} : { management: opts.management }),
      },
      {
        clock: deps.clock,
        venue: deps.venue,
        killSwitch: deps.killSwitch,
        journal: this.journal,
        alert: deps.alert,
        onQueued: deps.onQueued,
        snapshot: (d) => this.analyzer.snapshot(d),
        earlierToday: deps.earlierToday,
        brokerEquity: deps.brokerEquity,
      },
    );
    if (opts.gamma !== null) this.setGamma(opts.gamma.levels, opts.gamma.basisPoints, 0);
    this.schedule = opts.gammaSchedule ?? [];
    if (opts.nq != null) this.analyzer.setNq(opts.nq);
    this.pipeline = new MarketPipeline({
      instrument: opts.instrument,
      calendar: new SessionCalendar(opts.sessionKind, opts.instrument.timeZone),
      timeframe: opts.timeframe,
      clock: deps.clock,
      sink: {
        barClosed: (c) => this.barClosed(c),
        sessionClosed: (s) => this.sessionClosed(s),
      },
    });
  }

  /**
   * The node's entry points for a market tape (engine/run/tape.ts: the
   * pipeline's output computed once for a sweep's many configurations): a
   * record for the gamma schedule and the trader only, then the bars and
   * sessions the tape says its taking completed. Never mixed with onRecord
   * in one run.
   */
  readonly taped: TapeSink = {
    contractChanged: (r) => this.contractChanged(r),
    record: (r) => {
      if (this.nextChain < this.schedule.length) this.applyDueChains(r.kind === 'tick' ? r.tsEvent : r.ts);
      this.trader.onRecord(r);
    },
    barClosed: (c) => {
      this.tapedBars += 1;
      this.barClosed(c);
    },
    sessionClosed: (s) => this.sessionClosed(s),
  };

  private tapedBars = 0;

  private sessionClosed(s: SessionSummary): void {
    this.sessions.push(s);
    this.journal?.session(s);
    this.deps.listener?.sessionClosed?.(s);
  }

  /** One record, in time order: the gamma schedule's chains due by its start, the trader (fills, marks, risk), then the market pipeline. */
  onRecord(r: MarketRecord): void {
    if (this.nextChain < this.schedule.length) this.applyDueChains(r.kind === 'tick' ? r.tsEvent : r.ts);
    this.trader.onRecord(r);
    this.pipeline.onRecord(r);
  }

  /** Runs `feed` (which feeds backfilled history) with signals shown but never traded. */
  asHistory(feed: () => void): void {
    this.history = true;
    try {
      feed();
    } finally {
      this.history = false;
    }
  }

  /**
   * The series moves from contract `from` to `to` (issue 19: contract files
   * in time order as one front-month series), before `to`'s first record:
   * the trader closes what it holds at the old contract's last price (`lastPrice`, points, at market
   * time `ts`), the method's windows, bases and golden rule start over (two
   * contracts trade at different prices), and the change is journaled.
   * Sessions, VWAP and profiles go on per session.
   */
  rollContract(from: string, to: string, lastPrice: number, ts: number): void {
    const closed = this.trader.closeForRoll(lastPrice, ts);
    this.analyzer.restart();
    this.journal?.event('contract.rolled', ts, { from, to, lastPrice, closedQty: closed });
  }

  /**
   * A change of contract of the data (engine/feeds/dataset.ts), before the
   * new contract's first record. Back-adjusted, the series is continuous:
   * the change and its gap are journaled, nothing restarts. Else the roll
   * (rollContract) happens at the old contract's end, or now when the
   * clock is past it.
   */
  contractChanged(roll: DatasetRoll): void {
    if (roll.gapPoints !== null) this.journal?.event('contract.rolled', roll.lastTs, { from: roll.from, to: roll.to, adjusted: true, gapPoints: roll.gapPoints });
    else this.rollContract(roll.from, roll.to, roll.lastPrice, Math.max(roll.lastTs, this.deps.clock.now()));
  }

  /** End of data: completes the forming bar and closes the session. */
  end(): void {
    this.pipeline.end();
  }

  /** Completed bars so far. */
  get bars(): number {
    return this.pipeline.bars + this.tapedBars;
  }

  /**
   * Replaces the gamma schedule (a folder of chains loaded mid-run): the
   * chains taken by `nowTs` (market time, Unix ms) apply at once, the last of
   * them in force, the rest as the data reaches their times.
   */
  setGammaSchedule(schedule: readonly GammaInForce[], nowTs: number): void {
    this.schedule = schedule;
    this.nextChain = 0;
    if (Number.isFinite(nowTs)) this.applyDueChains(nowTs);
  }

  /** Applies the schedule's chains taken at or before `ts` (only the last of them matters, each is journaled). */
  private applyDueChains(ts: number): void {
    let due: GammaInForce | null = null;
    for (; this.nextChain < this.schedule.length && this.schedule[this.nextChain]!.levels.ts <= ts; this.nextChain++) due = this.schedule[this.nextChain]!;
    if (due === null) return;
    this.setGamma(due.levels, due.basisPoints, due.levels.ts);
    this.deps.listener?.gammaApplied?.(due);
  }

  /**
   * Sets (null: clears) the gamma levels from the next bar on and journals
   * the chain at market time `ts` (Unix ms; 0 before the first record).
   */
  setGamma(levels: GammaLevels | null, basisPoints: number, ts: number): void {
    this.analyzer.setGamma(levels, basisPoints);
    if (levels !== null) this.journal?.chain(ts, levels, basisPoints);
    else this.journal?.event('gamma.cleared', ts, {});
  }

  /** Switches the mode for the next bars: the analyzer's thresholds and the trader's routing (journaled). */
  setMode(mode: Mode): void {
    this.analyzer.setMode(mode);
    this.trader.setMode(mode);
  }

  /** Writes what the journal holds in memory. */
  flush(): void {
    this.journal?.flush();
  }

  private barClosed(c: ClosedBar): void {
    this.journal?.bar(c.bar, c.levels);
    const session = c.levels?.sessionId ?? this.lastSessionId;
    const ks = this.deps.killSwitch;
    if (this.opts.resetKillSwitchDaily && session !== this.lastSessionId && ks.state === 'HALTED') ks.reset(`new session ${session}`, 'backtest');
    this.lastSessionId = session;
    const d = this.analyzer.onBar(c);
    const sig = d.tradingSignal;
    if (sig !== null) {
      countSignal(this.signals, sig);
      this.journal?.signal(this.analyzer.snapshot({ ...d, tradingSignal: sig }));
    }
    this.deps.listener?.barClosed?.(c, d);
    this.trader.onBar(this.history ? { ...d, tradingSignal: null } : d);
  }
}
