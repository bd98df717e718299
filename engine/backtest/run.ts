/**
 * Backtest: a data file through the kernel's whole path (market pipeline,
 * Battle Navale method, risk, simulated venue, portfolio, journal) as fast as
 * possible, on a clock set from the data (architecture.md, "The kernel":
 * backtest). AUTO execution: risk-approved signals go straight out.
 * The CLI, the tests and the benchmark run files this way.
 *
 * [Note: backtest kill switch] A backtest has its own kill switch in memory,
 * never the workstation's latched one. When it trips, the halt sequence runs
 * as live; at the next session the backtest stands in for the trader and
 * resets it (journaled, who = 'backtest'), so one bad day does not end the
 * test. `resetKillSwitchDaily: false` keeps it latched to the end.
 */
import { createHash } from 'node:crypto';
import { BacktestClock, type Clock } from '../clock.js';
import type { TradeDTO } from '../contract.js';
import { toTradeDTO } from '../dto.js';
import { Trader } from '../execution/trader.js';
import type { PerformanceMetrics } from '../perf/metrics.js';
import { KillSwitch, MemoryKillSwitchStore, type KillSwitchEvent } from '../risk/kill-switch.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from '../risk/sizing.js';
import { SimulatedVenue, type Order } from '../venue/sim.js';
import { ES, TIMEFRAME_MS, type Instrument, type Timeframe } from '../domain.js';
import { openFeed, type FeedFormat } from '../feeds/index.js';
import { RejectionLog, type Rejection } from '../feeds/rejections.js';
import type { GammaLevels } from '../gamma/gex.js';
import type { SessionSummary } from '../indicators/session-levels.js';
import { MethodAnalyzer, type Decision } from '../method/analyzer.js';
import { methodConfig, type MethodConfig } from '../method/config.js';
import { countSignal, emptySignalCounts, type SignalCounts } from '../method/counts.js';
import { MarketPipeline, type ClosedBar } from '../pipeline.js';
import type { Db } from '../store/db.js';
import { RunJournal } from '../store/journal.js';
import { SessionCalendar, type SessionKind } from '../time/sessions.js';

/** What to backtest and how. */
export interface BacktestOptions {
  readonly file: string;
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
  readonly gamma?: { readonly levels: GammaLevels; readonly basisPoints: number } | null;
  /** Called with the method's decision at each completed bar. */
  readonly onDecision?: (decision: Decision) => void;
  /** Section 12's numbers; the spec's defaults when omitted. */
  readonly risk?: RiskConfig;
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

/** What a backtest saw. */
export interface BacktestResult {
  readonly file: string;
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
}

/**
 * Runs `opts.file` to its end.
 * @throws FeedError when the file cannot be read at all; rejected records do not throw.
 */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const instrument = opts.instrument ?? ES;
  const timeframe = opts.timeframe ?? '1m';
  const timeZone = opts.timeZone ?? instrument.timeZone;
  const sessionKind = opts.sessionKind ?? 'globex';
  const wall = opts.wall;
  const rejections = new RejectionLog();
  const feed = await openFeed(opts.file, { instrument, barTimeframe: timeframe, timeZone, rejections });
  const journal =
    opts.db != null
      ? new RunJournal(opts.db, {
          kind: 'backtest',
          source: opts.file,
          format: feed.format,
          symbol: instrument.symbol,
          timeframe,
          sessionKind,
          timeZone,
          startedAt: wall?.now() ?? 0,
          config: { method: opts.method ?? methodConfig(), risk: opts.risk ?? DEFAULT_RISK_CONFIG, execution: 'AUTO', resetKillSwitchDaily: opts.resetKillSwitchDaily ?? true },
        })
      : null;
  if (journal !== null) rejections.onReject((r) => journal.rejection(r));
  const sessions: SessionSummary[] = [];
  const clock = new BacktestClock();
  const onBar = opts.onBar;
  const onDecision = opts.onDecision;
  const method = opts.method ?? methodConfig();
  const analyzer = new MethodAnalyzer({ instrument, config: method });
  const risk = opts.risk ?? DEFAULT_RISK_CONFIG;
  const killStore = new MemoryKillSwitchStore();
  const killSwitch = new KillSwitch(killStore, clock);
  const venue = new SimulatedVenue({ tickSize: instrument.tickSize });
  const trader = new Trader(
    { instrument, mode: method.mode, execution: 'AUTO', risk },
    { clock, venue, killSwitch, journal, snapshot: (d) => analyzer.snapshot(d) },
  );
  const resetDaily = opts.resetKillSwitchDaily ?? true;
  let lastSession: string | null = null;
  if (opts.gamma != null) {
    analyzer.setGamma(opts.gamma.levels, opts.gamma.basisPoints);
    journal?.chain(0, opts.gamma.levels, opts.gamma.basisPoints);
  }
  const signals = emptySignalCounts();
  const pipeline = new MarketPipeline({
    instrument,
    calendar: new SessionCalendar(sessionKind, instrument.timeZone),
    timeframe,
    clock,
    sink: {
      barClosed: (c) => {
        journal?.bar(c.bar, c.levels);
        onBar?.(c);
        const session = c.levels?.sessionId ?? lastSession;
        if (resetDaily && session !== lastSession && killSwitch.state === 'HALTED') killSwitch.reset(`new session ${session}`, 'backtest');
        lastSession = session;
        const d = analyzer.onBar(c);
        if (d.tradingSignal !== null) {
          countSignal(signals, d.tradingSignal);
          journal?.signal(analyzer.snapshot({ ...d, tradingSignal: d.tradingSignal }));
        }
        trader.onBar(d);
        onDecision?.(d);
      },
      sessionClosed: (s) => {
        sessions.push(s);
        journal?.session(s);
      },
    },
  });
  let records = 0;
  try {
    for await (const block of feed.blocks()) {
      for (const r of block) {
        clock.advanceTo(r.kind === 'tick' ? r.tsEvent : r.ts + TIMEFRAME_MS[r.tf]);
        trader.onRecord(r);
        pipeline.onRecord(r);
      }
      records += block.length;
    }
    pipeline.end();
  } catch (e) {
    journal?.finish('failed', wall?.now() ?? 0, { bars: pipeline.bars, rejected: rejections.count }, String(e));
    throw e;
  }
  journal?.finish('completed', wall?.now() ?? 0, { bars: pipeline.bars, rejected: rejections.count });
  return {
    file: opts.file,
    format: feed.format,
    sessions,
    bars: pipeline.bars,
    records,
    rejected: rejections.count,
    rejectedByReason: rejections.byReason(),
    rejections: rejections.samples(),
    runId: journal?.runId ?? null,
    signals,
    execution: executionOf(trader, venue, killStore.events, risk.accountEquityUsd),
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
