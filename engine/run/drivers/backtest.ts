/**
 * Backtest: a data file through the kernel's whole path (market pipeline,
 * Battle Navale method, risk, simulated venue, portfolio, journal) as fast as
 * possible, on a clock set from the data (architecture.md, "The kernel":
 * backtest). AUTO execution: risk-approved signals go straight out.
 * The CLI, the tests and the benchmark run files this way. The trading path
 * is engine/run/node.ts's, as in every other run; this driver only sets the
 * clock from the data and feeds the node. A backtest has a kill switch of
 * its own, re-armed each session ([Note: backtest kill switch]).
 */
import { createHash } from 'node:crypto';
import { BacktestClock, type Clock } from '../../clock.js';
import type { TradeDTO } from '../../contract.js';
import { ES, TIMEFRAME_MS, type Instrument, type Timeframe } from '../../domain.js';
import { toTradeDTO } from '../../dto.js';
import type { Trader } from '../../execution/trader.js';
import { openDataset } from '../../feeds/dataset.js';
import type { FeedFormat } from '../../feeds/index.js';
import { RejectionLog, type Rejection } from '../../feeds/rejections.js';
import type { SessionSummary } from '../../indicators/session-levels.js';
import { methodConfig, type MethodConfig } from '../../method/config.js';
import type { SignalCounts } from '../../method/counts.js';
import type { Decision } from '../../method/decision.js';
import type { PerformanceMetrics } from '../../perf/metrics.js';
import { annualMetrics, metricsBy, monthlyTable, type AnnualMetrics, type MonthlyRow } from '../../perf/annual.js';
import { tradeSetup } from '../../execution/records.js';
import { sessionPhase } from '../../method/features.js';
import { Zone } from '../../time/zone.js';
import type { ClosedBar } from '../../pipeline.js';
import { nqClosesOfFile } from '../../feeds/nq.js';
import { KillSwitch, MemoryKillSwitchStore, type KillSwitchEvent } from '../../risk/kill-switch.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from '../../risk/sizing.js';
import type { Db } from '../../store/db.js';
import type { SessionKind } from '../../time/sessions.js';
import type { PositionManagement } from '../../execution/management.js';
import type { Order } from '../../venue/orders.js';
import { SimulatedVenue } from '../../venue/sim.js';
import { TradingNode, type GammaInForce } from '../node.js';
import { playTape, type MarketTape } from '../tape.js';

/** What to backtest and how. */
export interface BacktestOptions {
  /**
   * A data file; or a folder, a glob, or several files of one contract each,
   * run as one front-month series (issue 19, engine/feeds/series.ts: in time
   * order, the method restarted and any position closed at each change of
   * contract, the change journaled).
   */
  readonly file?: string | readonly string[];
  /**
   * The data as a market tape (engine/run/tape.ts: the pipeline's output
   * computed once, for a sweep) instead of `file`: the range, adjustment,
   * instrument, timeframe, time zone and session kind are then the tape's.
   */
  readonly tape?: MarketTape;
  /** Records from this time on (Unix ms, inclusive) and before this one (exclusive); the whole data when absent. */
  readonly fromTs?: number;
  readonly toTs?: number;
  /**
   * A series as one difference-adjusted continuous series (back-adjusted,
   * engine/feeds/series.ts backAdjustments), for studies: no gap at a change
   * of contract, so the method does not restart and positions carry over;
   * the changes are still journaled, with their adjustment. Default false.
   */
  readonly adjusted?: boolean;
  readonly instrument?: Instrument;
  /** Timeframe bars are built at from ticks, and the timeframe of bar files. Default 1m. */
  readonly timeframe?: Timeframe;
  /** Zone of zone-less CSV timestamps. Default America/New_York. */
  readonly timeZone?: string;
  readonly sessionKind?: SessionKind;
  /** Journal to record the run in; none when omitted. */
  readonly db?: Db | null;
  /** Wall clock, for the journal's run times. */
  readonly wall?: Clock;
  /** Called with each completed bar. */
  readonly onBar?: (closed: ClosedBar) => void;
  /** The method's configuration; the spec's defaults when omitted. */
  readonly method?: MethodConfig;
  /** SPX gamma levels and the basis (ES - SPX, points) that maps them onto ES. */
  readonly gamma?: GammaInForce | null;
  /**
   * Gamma levels over time (issue 17): each applies from its snapshot time
   * (`levels.ts`) on, replacing the one before; in snapshot order.
   */
  readonly gammaSchedule?: readonly GammaInForce[];
  /** A bar file of NQ over the same times, for es_nq_correlation (section 7); neutral without one. */
  readonly nqFile?: string;
  /** Called with the method's decision at each completed bar. */
  readonly onDecision?: (decision: Decision) => void;
  /** Section 12's numbers; the spec's defaults when omitted. */
  readonly risk?: RiskConfig;
  /** The simulated venue's costs; 2.25 USD a side and 1 tick of slippage when omitted. */
  readonly simulated?: { readonly commissionPerSideUsd: number; readonly slippageTicks: number };
  /** Position management of the trades (a settings file's, issue 18); every rule off when omitted. */
  readonly management?: PositionManagement;
  /** Reset a tripped kill switch at the next session (default true; module header). */
  readonly resetKillSwitchDaily?: boolean;
}

/** A trade as the backtest summary lists it: the contract's trade (prices points, P&L USD net of commissions). */
export type TradeSummary = TradeDTO;

/** The execution side of a backtest. */
export interface BacktestExecution {
  readonly trades: TradeSummary[];
  /** Closed-trade metrics over the run, and per trading day (session id). */
  readonly metrics: PerformanceMetrics;
  readonly byDay: Record<string, PerformanceMetrics>;
  /** Mark-to-market: starting and final equity, largest fall from a peak (USD). */
  readonly startingEquityUsd: number;
  readonly finalEquityUsd: number;
  readonly maxDrawdownUsd: number;
  readonly commissionsUsd: number;
  /** Signals refused by the risk check, by reason. */
  readonly refused: Record<string, number>;
  readonly orders: number;
  /** sha256 of the order list (id, role, side, type, qty, price, status, fill): golden replays pin it. */
  readonly ordersHash: string;
  readonly killSwitchEvents: readonly KillSwitchEvent[];
  /** Position still open at the end of the data (contracts, signed). */
  readonly openPosition: number;
  /** [exit time, equity USD] after each closed paper trade. */
  readonly equityCurve: readonly (readonly [number, number])[];
}

/** A backtest's results by the calendar and by setup (issue 19, engine/perf/annual.ts): of its paper trades, or its would-be ones when it had none. */
export interface BacktestResearch {
  readonly annual: AnnualMetrics;
  readonly bySetup: Record<string, PerformanceMetrics>;
  readonly byYear: Record<string, PerformanceMetrics>;
  /** By the session phase (battle-navale.md section 7) of the entry, New York time. */
  readonly byPhase: Record<string, PerformanceMetrics>;
  readonly monthly: MonthlyRow[];
  /** Net P&L of each session of `sessions`, in their order (a session without a closed trade 0), USD. */
  readonly dailyPnlUsd: number[];
}

/** What a backtest saw. */
export interface BacktestResult {
  /** The file, or the series' inputs joined by " + ". */
  readonly file: string;
  /** The contracts of a series in the order they ran, with the times they took over (Unix ms, their first record's); one entry for a single file. */
  readonly contracts: readonly { readonly contract: string; readonly file: string; readonly fromTs: number }[];
  /** Records of a contract left out because the one before already covered their time. */
  readonly overlapDropped: number;
  readonly format: FeedFormat;
  readonly sessions: SessionSummary[];
  readonly bars: number;
  /** Records accepted from the file (trades or bars). */
  readonly records: number;
  readonly rejected: number;
  readonly rejectedByReason: Partial<Record<Rejection['reason'], number>>;
  /** The first rejected records, in full. */
  readonly rejections: readonly Rejection[];
  /** Journal run id, null without a journal. */
  readonly runId: number | null;
  /** Signals emitted, by setup, side and grade. */
  readonly signals: SignalCounts;
  readonly execution: BacktestExecution;
  readonly research: BacktestResearch;
}

/**
 * Runs `opts.file` to its end.
 * @throws FeedError when the file cannot be read at all; rejected records do not throw.
 */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const tape = opts.tape ?? null;
  if ((tape === null) === (opts.file === undefined)) throw new RangeError('backtest: a data file or a market tape, one of the two');
  const instrument = tape?.instrument ?? opts.instrument ?? ES;
  const timeframe = tape?.timeframe ?? opts.timeframe ?? '1m';
  const timeZone = tape?.timeZone ?? opts.timeZone ?? instrument.timeZone;
  const wall = opts.wall;
  const clock = new BacktestClock();
  const risk = opts.risk ?? DEFAULT_RISK_CONFIG;
  const killStore = new MemoryKillSwitchStore();
  const venue = new SimulatedVenue({ tickSize: instrument.tickSize, ...opts.simulated });
  // The feed reports to the node's rejection log, so the file's bad records are journaled with the run.
  const rejections = new RejectionLog();
  const data = tape === null ? await openDataset({ file: opts.file!, ...range(opts), adjusted: opts.adjusted === true, instrument, timeframe, timeZone, rejections }) : null;
  const format = tape?.format ?? data!.format;
  const source = tape?.source ?? data!.source;
  const onBar = opts.onBar;
  const onDecision = opts.onDecision;
  const node = new TradingNode(
    {
      instrument,
      timeframe,
      sessionKind: tape?.sessionKind ?? opts.sessionKind ?? 'globex',
      timeZone,
      method: opts.method ?? methodConfig(),
      risk,
      execution: 'AUTO',
      gamma: opts.gamma ?? null,
      gammaSchedule: opts.gammaSchedule ?? [],
      nq: opts.nqFile === undefined ? null : await nqClosesOfFile(opts.nqFile, instrument, timeframe, timeZone),
      resetKillSwitchDaily: opts.resetKillSwitchDaily ?? true,
      ...(opts.management === undefined ? {} : { management: opts.management }),
    },
    {
      clock,
      venue,
      killSwitch: new KillSwitch(killStore, clock),
      rejections,
      journal: opts.db != null ? { db: opts.db, kind: 'backtest', source, format, startedAt: wall?.now() ?? 0 } : null,
      listener:
        onBar === undefined && onDecision === undefined
          ? undefined
          : {
              barClosed: (c, d) => {
                onBar?.(c);
                onDecision?.(d);
              },
            },
    },
  );
  const journal = node.journal;
  let records = 0;
  try {
    if (tape !== null) {
      // The pipeline's output was computed once (engine/run/tape.ts); the data's rejections go to the run's log as the file's would.
      for (const r of tape.rejections) rejections.add(r);
      playTape(tape, (ts) => clock.advanceTo(ts), node.taped);
      records = tape.records;
    } else {
      for await (const block of data!.blocks((roll) => node.contractChanged(roll))) {
        for (const r of block) {
          clock.advanceTo(r.kind === 'tick' ? r.tsEvent : r.ts + TIMEFRAME_MS[r.tf]);
          node.onRecord(r);
          records += 1;
        }
      }
      node.end();
    }
  } catch (e) {
    journal?.finish('failed', wall?.now() ?? 0, { bars: node.bars, rejected: rejections.count }, String(e));
    throw e;
  }
  journal?.finish('completed', wall?.now() ?? 0, { bars: node.bars, rejected: rejections.count });
  return {
    file: source,
    contracts: tape?.contracts ?? data!.contracts,
    overlapDropped: tape?.overlapDropped ?? data!.overlapDropped(),
    format,
    sessions: node.sessions,
    bars: node.bars,
    records,
    rejected: rejections.count,
    rejectedByReason: rejections.byReason(),
    rejections: rejections.samples(),
    runId: journal?.runId ?? null,
    signals: node.signals,
    execution: executionOf(node.trader, venue, killStore.events, risk.accountEquityUsd),
    research: researchOf(node.trader, node.sessions, risk.accountEquityUsd, node.analyzer.config, instrument.timeZone),
  };
}

const range = (o: { readonly fromTs?: number; readonly toTs?: number }) => ({ ...(o.fromTs === undefined ? {} : { fromTs: o.fromTs }), ...(o.toTs === undefined ? {} : { toTs: o.toTs }) });

const dayOfMs = (ts: number, zone: Zone): number => {
  const w = zone.wallTime(ts);
  return w.hour * 60 + w.minute;
};

function researchOf(trader: Trader, sessions: readonly SessionSummary[], startingEquityUsd: number, method: MethodConfig, timeZone: string): BacktestResearch {
  const closed = trader.closedTrades();
  const paper = closed.filter((t) => t.kind === 'paper');
  const trades = (paper.length > 0 ? paper : closed).map((t) => ({ pnlUsd: t.pnlUsd!, exitTs: t.exitTs!, day: t.sessionId ?? new Date(t.exitTs!).toISOString().slice(0, 10), setup: tradeSetup(t), entryTs: t.entryTs! }));
  const zone = new Zone(timeZone);
  return {
    annual: annualMetrics(trades, sessions.map((s) => s.id), startingEquityUsd),
    bySetup: metricsBy(trades, (t) => t.setup),
    byYear: metricsBy(trades, (t) => t.day.slice(0, 4)),
    byPhase: metricsBy(trades, (t) => sessionPhase(dayOfMs(t.entryTs, zone), method.sessionPhaseStart)),
    monthly: monthlyTable(trades),
    dailyPnlUsd: ((byDay: Map<string, number>) => {
      for (const t of trades) if (byDay.has(t.day)) byDay.set(t.day, byDay.get(t.day)! + t.pnlUsd);
      return [...byDay.values()];
    })(new Map(sessions.map((x) => [x.id, 0]))),
  };
}

function executionOf(trader: Trader, venue: SimulatedVenue, killSwitchEvents: readonly KillSwitchEvent[], startingEquityUsd: number): BacktestExecution {
  const perf = trader.performance();
  const trades = trader.trades.filter((t) => !t.cancelled).map(toTradeDTO);
  const orders = venue.all();
  const p = trader.portfolio;
  return {
    trades,
    metrics: perf.run,
    byDay: perf.byDay,
    startingEquityUsd,
    finalEquityUsd: p.equityUsd(),
    maxDrawdownUsd: p.maxDrawdownUsd,
    commissionsUsd: p.commissionsUsd,
    refused: { ...trader.refused },
    orders: orders.length,
    ordersHash: ordersHash(orders),
    killSwitchEvents,
    openPosition: venue.position(),
    equityCurve: trader.equityCurve,
  };
}

/** sha256 (hex) of the orders' identity, prices and outcomes, in submission order. */
export function ordersHash(orders: readonly Order[]): string {
  const h = createHash('sha256');
  for (const o of orders) h.update(JSON.stringify([o.id, o.role, o.side, o.type, o.qty, o.price ?? null, o.status, o.submittedTs, o.filledTs, o.fillPrice]) + '\n');
  return h.digest('hex');
}

