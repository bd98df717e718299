/**
 * The market tape (issue 19, sweeps): what the market pipeline makes of a
 * dataset (its records, the bars they complete with their levels: session
 * VWAP and sigma, POC/VAH/VAL, the previous session's value area, the
 * session's range; the sessions closed; the changes of contract), computed
 * ONCE and then played into any number of trading nodes, each with its own
 * settings. No setting of the trader's (engine/settings.ts: method, risk,
 * costs, position management) changes the pipeline: only the instrument,
 * timeframe, session kind, time zone and range do, and they are the tape's.
 * So a sweep builds the tape of its dataset once and every configuration
 * re-runs only the method, the risk engine, the venue and the portfolio.
 *
 * The rows live in SharedArrayBuffers: handed to worker threads (piscina,
 * engine/research/sweep.ts) they are shared, not copied. Played, a tape
 * gives the node the same records and bars in the same order, at the same
 * market times, as reading the data: a backtest of a tape and of its data
 * are identical (tests/unit/tape.test.ts). A trade's market-depth changes
 * are left out: nothing that trades reads them (they feed the DOM's book).
 *
 * Memory: 8 bytes per field, 12 fields per bar record plus 12 per completed
 * bar (the 34 five-minute files: 592,582 bars, 114 MB); 7 per trade record.
 */
import { BacktestClock } from '../clock.js';
import { TIMEFRAME_MS, type AggressorSide, type Bar, type Instrument, type MarketRecord, type Timeframe, type TradeTick } from '../domain.js';
import { openDataset, type DatasetOptions, type DatasetRoll } from '../feeds/dataset.js';
import type { FeedFormat } from '../feeds/index.js';
import { RejectionLog, type Rejection } from '../feeds/rejections.js';
import type { LevelsSnapshot, SessionSummary } from '../indicators/session-levels.js';
import { MarketPipeline, type ClosedBar } from '../pipeline.js';
import { SessionCalendar, type SessionKind } from '../time/sessions.js';

/** A change of contract on the tape, before record `atRecord`. */
export interface TapeRoll extends DatasetRoll {
  readonly atRecord: number;
}

/** A session the pipeline closed while it took record `atRecord` (the record count: at the end), after `closedBefore` completed bars. */
export interface TapeSession {
  readonly atRecord: number;
  readonly closedBefore: number;
  readonly summary: SessionSummary;
}

/** A dataset as the market pipeline saw it (module header). */
export interface MarketTape {
  readonly source: string;
  readonly format: FeedFormat;
  readonly instrument: Instrument;
  readonly timeframe: Timeframe;
  readonly timeZone: string;
  readonly sessionKind: SessionKind;
  /** Trades (true) or bars (false). */
  readonly ticks: boolean;
  readonly records: number;
  /** A row per record: BAR_FIELDS or TICK_FIELDS. */
  readonly recordRows: Float64Array;
  readonly closedBars: number;
  /** Trades only: a row (BAR_FIELDS) per completed bar. Bars: null, completed bar k is record k. */
  readonly barRows: Float64Array | null;
  /** A row (LEVEL_FIELDS) per completed bar: its levels and the market time it completed. */
  readonly levelRows: Float64Array;
  /** The record whose taking completed bar k (`records` for the end of data). */
  readonly closedAt: Int32Array;
  readonly sessionIds: readonly string[];
  readonly sessions: readonly TapeSession[];
  readonly rolls: readonly TapeRoll[];
  readonly contracts: readonly { readonly contract: string; readonly file: string; readonly fromTs: number }[];
  readonly overlapDropped: number;
  /** Every record the data's reading rejected, in order. */
  readonly rejections: readonly Rejection[];
}

/** Fields of a bar row, in order. */
const BAR_FIELDS = 12;
/** Fields of a trade row: tsEvent, price, size, side, bid, ask, subTrade. */
const TICK_FIELDS = 7;
/** Fields of a level row: session (index into sessionIds, -1 outside a session), vwap, vwapSigma, poc, vah, val, pPoc, pVah, pVal, sessionHigh, sessionLow, tsInit. */
const LEVEL_FIELDS = 12;

const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h'];
const SIDES: readonly AggressorSide[] = ['buy', 'sell', 'unknown'];

/** Rows of doubles that grow as they are filled, then move into a SharedArrayBuffer. */
class Rows {
  private data: Float64Array;
  n = 0;
  constructor(private readonly stride: number) {
    this.data = new Float64Array(stride * 4096);
  }
  /** The next row to fill (its offset into `at`). */
  next(): number {
    if ((this.n + 1) * this.stride > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    return this.n++ * this.stride;
  }
  get at(): Float64Array {
    return this.data;
  }
  shared(): Float64Array {
    const out = new Float64Array(new SharedArrayBuffer(this.n * this.stride * 8));
    out.set(this.data.subarray(0, this.n * this.stride));
    return out;
  }
}

function writeBar(rows: Rows, b: Bar): void {
  const o = rows.next();
  const a = rows.at;
  a[o] = b.ts;
  a[o + 1] = b.open;
  a[o + 2] = b.high;
  a[o + 3] = b.low;
  a[o + 4] = b.close;
  a[o + 5] = b.volume;
  a[o + 6] = b.bidVolume;
  a[o + 7] = b.askVolume;
  a[o + 8] = b.delta;
  a[o + 9] = b.trades;
  a[o + 10] = b.hasOrderFlow ? 1 : 0;
  a[o + 11] = TIMEFRAMES.indexOf(b.tf);
}

function readBar(a: Float64Array, i: number): Bar {
  const o = i * BAR_FIELDS;
  return {
    kind: 'bar',
    tf: TIMEFRAMES[a[o + 11]!]!,
    ts: a[o]!,
    open: a[o + 1]!,
    high: a[o + 2]!,
    low: a[o + 3]!,
    close: a[o + 4]!,
    volume: a[o + 5]!,
    bidVolume: a[o + 6]!,
    askVolume: a[o + 7]!,
    delta: a[o + 8]!,
    trades: a[o + 9]!,
    hasOrderFlow: a[o + 10] === 1,
  };
}

function writeTick(rows: Rows, t: TradeTick): void {
  const o = rows.next();
  const a = rows.at;
  a[o] = t.tsEvent;
  a[o + 1] = t.price;
  a[o + 2] = t.size;
  a[o + 3] = SIDES.indexOf(t.side);
  a[o + 4] = t.bid;
  a[o + 5] = t.ask;
  a[o + 6] = t.subTrade === undefined ? 0 : t.subTrade === 'first' ? 1 : 2;
}

function readTick(a: Float64Array, i: number): TradeTick {
  const o = i * TICK_FIELDS;
  const sub = a[o + 6];
  return {
    kind: 'tick',
    tsEvent: a[o]!,
    price: a[o + 1]!,
    size: a[o + 2]!,
    side: SIDES[a[o + 3]!]!,
    bid: a[o + 4]!,
    ask: a[o + 5]!,
    ...(sub === 0 ? {} : { subTrade: sub === 1 ? ('first' as const) : ('last' as const) }),
  };
}

/** What a tape is built from: the data (engine/feeds/dataset.ts) and the pipeline's settings. */
export interface TapeOptions extends Omit<DatasetOptions, 'rejections'> {
  readonly sessionKind: SessionKind;
}

/**
 * Reads the data through the market pipeline alone and records what it made.
 * @throws FeedError as openDataset; RangeError for data that mixes trades and bars.
 */
export async function buildTape(opts: TapeOptions): Promise<MarketTape> {
  const rejections = new RejectionLog();
  const rejected: Rejection[] = [];
  rejections.onReject((r) => rejected.push(r));
  const data = await openDataset({ ...opts, rejections });
  const clock = new BacktestClock();
  const sessionIds: string[] = [];
  const sessionIndex = new Map<string, number>();
  const sessions: TapeSession[] = [];
  const rolls: TapeRoll[] = [];
  const levels = new Rows(LEVEL_FIELDS);
  const closedAt: number[] = [];
  let ticks: boolean | null = null;
  let records: Rows | null = null;
  const built = new Rows(BAR_FIELDS);
  let lastRecord: MarketRecord | null = null;
  /** The record the pipeline is taking (the record count at the end). */
  let current = 0;
  const writeLevels = (l: LevelsSnapshot | null, tsInit: number): void => {
    const o = levels.next();
    const a = levels.at;
    a.fill(Number.NaN, o, o + LEVEL_FIELDS);
    a[o + 11] = tsInit;
    if (l === null) {
      a[o] = -1;
      return;
    }
    let s = sessionIndex.get(l.sessionId);
    if (s === undefined) {
      s = sessionIds.push(l.sessionId) - 1;
      sessionIndex.set(l.sessionId, s);
    }
    a[o] = s;
    a[o + 1] = l.vwap;
    a[o + 2] = l.vwapSigma;
    a[o + 3] = l.poc;
    a[o + 4] = l.vah;
    a[o + 5] = l.val;
    a[o + 6] = l.pPoc;
    a[o + 7] = l.pVah;
    a[o + 8] = l.pVal;
    a[o + 9] = l.sessionHigh;
    a[o + 10] = l.sessionLow;
  };
  const pipeline = new MarketPipeline({
    instrument: opts.instrument,
    calendar: new SessionCalendar(opts.sessionKind, opts.instrument.timeZone),
    timeframe: opts.timeframe,
    clock,
    sink: {
      barClosed: (c: ClosedBar) => {
        // A bar record completes itself (the pipeline passes it on): its row is the record's.
        if (ticks === true) writeBar(built, c.bar);
        else if (c.bar !== lastRecord) throw new RangeError(`tape: ${data.source}: a bar record completed a bar other than itself`);
        writeLevels(c.levels, c.tsInit);
        closedAt.push(current);
      },
      sessionClosed: (summary) => sessions.push({ atRecord: current, closedBefore: closedAt.length, summary }),
    },
  });
  let n = 0;
  for await (const block of data.blocks((roll) => rolls.push({ ...roll, atRecord: n }))) {
    for (const r of block) {
      const isTick = r.kind === 'tick';
      if (ticks === null) {
        ticks = isTick;
        records = new Rows(isTick ? TICK_FIELDS : BAR_FIELDS);
      } else if (ticks !== isTick) throw new RangeError(`tape: ${data.source}: trades and bars in one dataset`);
      clock.advanceTo(r.kind === 'tick' ? r.tsEvent : r.ts + TIMEFRAME_MS[r.tf]);
      if (r.kind === 'tick') writeTick(records!, r);
      else writeBar(records!, r);
      lastRecord = r;
      current = n;
      pipeline.onRecord(r);
      n += 1;
    }
  }
  current = n;
  pipeline.end();
  const isTicks = ticks === true;
  return {
    source: data.source,
    format: data.format,
    instrument: { ...opts.instrument },
    timeframe: opts.timeframe,
    timeZone: opts.timeZone,
    sessionKind: opts.sessionKind,
    ticks: isTicks,
    records: n,
    recordRows: records?.shared() ?? new Float64Array(new SharedArrayBuffer(0)),
    closedBars: closedAt.length,
    barRows: isTicks ? built.shared() : null,
    levelRows: levels.shared(),
    closedAt: Int32Array.from(closedAt),
    sessionIds,
    sessions,
    rolls,
    contracts: data.contracts,
    overlapDropped: data.overlapDropped(),
    rejections: rejected,
  };
}

/** Record `i` of the tape. */
export function tapeRecord(tape: MarketTape, i: number): MarketRecord {
  return tape.ticks ? readTick(tape.recordRows, i) : readBar(tape.recordRows, i);
}

/** Completed bar `k` of the tape, as the pipeline emitted it (`record`: record k of bar data, read once by the caller). */
export function tapeClosedBar(tape: MarketTape, k: number, record?: Bar): ClosedBar {
  const bar = tape.barRows === null ? (record ?? readBar(tape.recordRows, k)) : readBar(tape.barRows, k);
  const a = tape.levelRows;
  const o = k * LEVEL_FIELDS;
  const s = a[o]!;
  const levels: LevelsSnapshot | null =
    s < 0
      ? null
      : {
          sessionId: tape.sessionIds[s]!,
          vwap: a[o + 1]!,
          vwapSigma: a[o + 2]!,
          poc: a[o + 3]!,
          vah: a[o + 4]!,
          val: a[o + 5]!,
          pPoc: a[o + 6]!,
          pVah: a[o + 7]!,
          pVal: a[o + 8]!,
          sessionHigh: a[o + 9]!,
          sessionLow: a[o + 10]!,
        };
  return { bar, levels, tsInit: a[o + 11]! };
}

/** Where a played tape goes: a trading node's taped entry points (engine/run/node.ts). */
export interface TapeSink {
  contractChanged(roll: DatasetRoll): void;
  record(r: MarketRecord): void;
  barClosed(c: ClosedBar): void;
  sessionClosed(s: SessionSummary): void;
}

/**
 * Plays the tape into `sink` in the order reading the data would have: at
 * each record the changes of contract due before it, the clock moved to the
 * record's end (`advance`), the record, then the sessions and bars its
 * taking closed; at the end what the end of data closed.
 */
export function playTape(tape: MarketTape, advance: (ts: number) => void, sink: TapeSink): void {
  let k = 0;
  let s = 0;
  let roll = 0;
  const { sessions, rolls, closedAt } = tape;
  for (let i = 0; i <= tape.records; i++) {
    while (roll < rolls.length && rolls[roll]!.atRecord === i) sink.contractChanged(rolls[roll++]!);
    let record: MarketRecord | undefined;
    if (i < tape.records) {
      record = tapeRecord(tape, i);
      advance(record.kind === 'tick' ? record.tsEvent : record.ts + TIMEFRAME_MS[record.tf]);
      sink.record(record);
    }
    for (;;) {
      if (s < sessions.length && sessions[s]!.atRecord === i && sessions[s]!.closedBefore === k) sink.sessionClosed(sessions[s++]!.summary);
      else if (k < tape.closedBars && closedAt[k] === i) {
        sink.barClosed(tapeClosedBar(tape, k, tape.ticks ? undefined : (record as Bar)));
        k += 1;
      } else break;
    }
  }
}
