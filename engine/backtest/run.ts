/**
 * Backtest: a data file through the kernel's market path and the Battle Navale
 * method as fast as possible, on a clock set from the data (architecture.md,
 * "The kernel": backtest).
 * The CLI, the tests and the benchmark run files this way.
 */
import { BacktestClock, type Clock } from '../clock.js';
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
        })
      : null;
  if (journal !== null) rejections.onReject((r) => journal.rejection(r));
  const sessions: SessionSummary[] = [];
  const clock = new BacktestClock();
  const onBar = opts.onBar;
  const onDecision = opts.onDecision;
  const analyzer = new MethodAnalyzer({ instrument, config: opts.method ?? methodConfig() });
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
        const d = analyzer.onBar(c);
        if (d.tradingSignal !== null) {
          countSignal(signals, d.tradingSignal);
          journal?.signal(analyzer.snapshot({ ...d, tradingSignal: d.tradingSignal }));
        }
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
  };
}
