/**
 * Bar files: CSV (`timestamp,open,high,low,close,volume`, also Sierra Chart's
 * text export `Date, Time, Open, High, Low, Last, Volume, NumberOfTrades,
 * BidVolume, AskVolume`) and Sierra bar exports in JSONL
 * (`{"t","o","h","l","c","v","n","b","a"}`). Both stream line blocks; each bad
 * line is rejected with its line number and field, and reading goes on.
 */
import { z } from 'zod';
import { TIMEFRAME_MS, type Bar, type Instrument, type Timeframe } from '../domain.js';
import { Zone } from '../time/zone.js';
import { LineFields, type WallFields } from './fields.js';
import { MAX_LINE_CHARS, OVERLONG_LINE, readLineBlocks } from './lines.js';
import { FeedError, RecordError, type RejectionLog } from './rejections.js';
import { RecordValidator, TimeOrder, errorAt, parseDecimal, type RecordCursor } from './validate.js';

/** What a bar file reader needs. */
export interface BarFileOptions {
  readonly instrument: Instrument;
  /** Timeframe of the file's bars. */
  readonly timeframe: Timeframe;
  /** IANA zone of zone-less CSV timestamps (default America/New_York). */
  readonly timeZone: string;
  readonly rejections: RejectionLog;
}

/** Builds a bar from file fields; order flow known when both sides are given. */
function makeBar(
  tf: Timeframe,
  ts: number,
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
  trades: number,
  bid: number | undefined,
  ask: number | undefined,
): Bar {
  const hasOrderFlow = bid !== undefined && ask !== undefined;
  const bidVolume = hasOrderFlow ? bid : 0;
  const askVolume = hasOrderFlow ? ask : 0;
  return {
    kind: 'bar',
    tf,
    ts,
    open: o,
    high: h,
    low: l,
    close: c,
    volume: v,
    bidVolume,
    askVolume,
    delta: askVolume - bidVolume,
    trades,
    hasOrderFlow,
  };
}

// ---------------------------------------------------------------- CSV

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const SIERRA_DATE_RE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;

/**
 * Parses a CSV timestamp: `YYYY-MM-DD HH:MM[:SS[.fff]]` read in `zone` unless
 * it carries `Z` or an offset; or a Unix time in seconds or ms. A wall time
 * of the hour a fall-back repeats reads as its first (daylight) instant,
 * unless `previousTs` (the file's previous record, Unix ms) is already at or
 * after it: then as its second (standard) one, so the repeated hour is read
 * in file order.
 * @returns Unix ms, or NaN when the text is not a timestamp.
 */
export function parseCsvTimestamp(text: string, zone: Zone, previousTs = Number.NEGATIVE_INFINITY): number {
  const t = text.trim();
  const m = TS_RE.exec(t);
  if (m === null) {
    if (/^\d{9,13}$/.test(t)) return t.length > 11 ? Number(t) : Number(t) * 1000;
    return Number.NaN;
  }
  const wall = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
    ms: m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000),
  };
  const zoneText = m[8];
  if (zoneText === undefined) return instantOfWall(wall, zone, previousTs);
  if (!validWall(wall)) return Number.NaN;
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.ms);
  if (zoneText === 'Z') return asUtc;
  const sign = zoneText[0] === '-' ? -1 : 1;
  const digits = zoneText.slice(1).replace(':', '');
  return asUtc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** Whether `w` is a real date and time of day (a day the month does not have, Feb 29 of 2023 or Feb 31, is not: Date.UTC would roll it into March). */
function validWall(w: WallFields): boolean {
  const leap = (w.year % 4 === 0 && w.year % 100 !== 0) || w.year % 400 === 0;
  const daysInMonth = w.month === 2 ? (leap ? 29 : 28) : w.month === 4 || w.month === 6 || w.month === 9 || w.month === 11 ? 30 : 31;
  return !(w.month < 1 || w.month > 12 || w.day < 1 || w.day > daysInMonth || w.hour > 23 || w.minute > 59 || w.second > 59);
}

/**
 * The instant wall time `w` reads as in `zone` (parseCsvTimestamp's rule
 * for the hour a fall-back repeats, with `previousTs`); NaN when `w` is not
 * a real date and time.
 */
function instantOfWall(w: WallFields, zone: Zone, previousTs: number): number {
  if (!validWall(w)) return Number.NaN;
  // The hour a fall-back repeats, read in file order: its first pass is daylight time, and once the file
  // has been there (the previous record at or after it) the same wall times are standard time (issue 16).
  const [first, second] = zone.instantsOf(w) as [number, number | undefined];
  return second !== undefined && first <= previousTs ? second : first;
}

interface CsvColumns {
  ts?: number;
  date?: number;
  time?: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades?: number;
  bid?: number;
  ask?: number;
  /** NinjaTrader's `period` column (e.g. Volumetric_1): with `endLabelled`, how far back a bar opens. */
  period?: number;
  /** The timestamps label the bar's end, not its open (NinjaTrader's exports). */
  endLabelled: boolean;
}

/**
 * How an error names a CSV's first line: quoted when it looks like a header
 * (short, printable, comma-separated names), otherwise not shown: a file that
 * is not a data file (say /proc/self/environ) must not have its content
 * echoed to the window (issue 16).
 */
export function describeHeader(line: string): string {
  const t = line.trim();
  return t.length <= 300 && t.includes(',') && /^[A-Za-z0-9 _#./()%-]+(,[A-Za-z0-9 _#./()%-]*)+$/.test(t) ? `header is "${t}"` : 'the first line is not a CSV header; it is not shown';
}

/**
 * The columns of a CSV header. `schema` is the `#schema:` comment above it,
 * if any: NinjaTrader's exports (`#schema: NinjaDataExport/...`) label each
 * bar by its end, and name its period in a `period` column.
 * @throws FeedError naming the missing column.
 */
function csvColumns(file: string, headerLine: string, schema: string | null = null): CsvColumns {
  const names = headerLine.split(',').map((s) => s.trim().toLowerCase());
  const find = (...aliases: string[]): number | undefined => {
    const i = names.findIndex((n) => aliases.includes(n));
    return i < 0 ? undefined : i;
  };
  const need = (label: string, ...aliases: string[]): number => {
    const i = find(...aliases);
    if (i === undefined) throw new FeedError(`${file} line 1: missing column "${label}" (${describeHeader(headerLine)})`);
    return i;
  };
  const ts = find('timestamp', 'datetime');
  const date = find('date');
  const time = find('time');
  if (ts === undefined && (date === undefined || time === undefined)) {
    throw new FeedError(`${file} line 1: missing column "timestamp" (or "Date" and "Time") (${describeHeader(headerLine)})`);
  }
  return {
    ts,
    date,
    time,
    open: need('open', 'open'),
    high: need('high', 'high'),
    low: need('low', 'low'),
    close: need('close', 'close', 'last'),
    volume: need('volume', 'volume', 'vol'),
    trades: find('numberoftrades', 'trades', '# of trades'),
    bid: find('bidvolume', 'bid volume', 'vol_bid'),
    ask: find('askvolume', 'ask volume', 'vol_ask'),
    period: find('period'),
    endLabelled: schema !== null && /NinjaDataExport/i.test(schema),
  };
}

/**
 * How long a NinjaTrader period is, ms: the minutes its name ends with
 * (`Volumetric_1`, `Minute_5`).
 * @throws RecordError when the period names no minutes.
 */
function periodMs(at: RecordCursor, text: string): number {
  const m = /_(\d+)$/.exec(text.trim());
  if (m === null || Number(m[1]) <= 0) throw errorAt(at, 'period', 'malformed', `"${text.trim()}" names no minutes (e.g. Volumetric_1): the bar's open cannot be told from its end`);
  return Number(m[1]) * 60_000;
}

/**
 * Bars of a CSV file, validated, in blocks.
 * @throws FeedError when the file cannot be opened or its header lacks a column.
 */
export async function* csvBars(file: string, opts: BarFileOptions): AsyncGenerator<Bar[]> {
  const zone = new Zone(opts.timeZone);
  const validator = new RecordValidator(opts.instrument.tickSize, false); // barLines orders them in time
  let cols: CsvColumns | null = null;
  let schema: string | null = null;
  let previousTs = Number.NEGATIVE_INFINITY;
  const fields = new LineFields();
  const wall: WallFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0 };
  yield* barLines(file, opts.rejections, (at, line) => {
    if (cols === null) {
      // Comment lines above the header (NinjaTrader's "#schema: ..."): read for what they say of the format.
      if (line.startsWith('#')) {
        schema ??= line;
        return null;
      }
      cols = csvColumns(file, line, schema);
      return null;
    }
    const bar = fastCsvBar(fields, wall, line, cols, zone, opts.timeframe, previousTs) ?? csvBar(at, line, cols, zone, opts.timeframe, previousTs);
    validator.bar(at, bar);
    previousTs = Math.max(previousTs, bar.ts);
    return bar;
  });
}

/**
 * A line's bar read from its character codes (engine/feeds/fields.ts), or
 * null when the line is not in the shapes that path reads: csvBar then
 * reads it, with the same values and the errors that name its bad field.
 */
function fastCsvBar(f: LineFields, wall: WallFields, line: string, cols: CsvColumns, zone: Zone, tf: Timeframe, previousTs: number): Bar | null {
  if (cols.endLabelled || !f.read(line)) return null;
  const dated = cols.ts !== undefined ? !f.blank(cols.ts) && f.isoDateTime(cols.ts, wall) : !f.blank(cols.date!) && !f.blank(cols.time!) && f.sierraDateTime(cols.date!, cols.time!, wall);
  if (!dated) return null;
  const ts = instantOfWall(wall, zone, previousTs);
  if (Number.isNaN(ts)) return null;
  const num = (i: number | undefined): number => (i === undefined ? Number.NaN : f.blank(i) ? Number.NaN : f.decimal(i));
  const open = num(cols.open);
  const high = num(cols.high);
  const low = num(cols.low);
  const close = num(cols.close);
  const volume = num(cols.volume);
  const trades = cols.trades === undefined ? 0 : num(cols.trades);
  const bid = cols.bid === undefined ? undefined : num(cols.bid);
  const ask = cols.ask === undefined ? undefined : num(cols.ask);
  if (Number.isNaN(open + high + low + close + volume + trades + (bid ?? 0) + (ask ?? 0))) return null;
  return makeBar(tf, ts, open, high, low, close, volume, trades, bid, ask);
}

function csvBar(at: RecordCursor, line: string, cols: CsvColumns, zone: Zone, tf: Timeframe, previousTs: number): Bar {
  const f = line.split(',');
  const num = (idx: number | undefined, field: string): number => {
    if (idx === undefined) return Number.NaN;
    const s = f[idx];
    if (s === undefined || s.trim() === '') throw errorAt(at, field, 'malformed', 'is missing');
    const v = parseDecimal(s);
    if (Number.isNaN(v)) throw errorAt(at, field, 'not-finite', `"${s.trim()}" is not a number`);
    return v;
  };
  let ts: number;
  let tsText: string;
  if (cols.ts !== undefined) {
    tsText = f[cols.ts] ?? '';
    ts = parseCsvTimestamp(tsText, zone, previousTs);
  } else {
    const d = (f[cols.date as number] ?? '').trim().replace(SIERRA_DATE_RE, (_m, y: string, mo: string, da: string) => `${y}-${mo.padStart(2, '0')}-${da.padStart(2, '0')}`);
    tsText = `${d} ${(f[cols.time as number] ?? '').trim()}`;
    ts = parseCsvTimestamp(tsText, zone, previousTs);
  }
  if (Number.isNaN(ts)) throw errorAt(at, 'timestamp', 'malformed', `"${tsText.trim()}" is not a timestamp`);
  // A bar labelled by its end opens one period earlier (NinjaTrader: 18:01 is the 18:00 minute).
  if (cols.endLabelled) ts -= cols.period === undefined ? TIMEFRAME_MS[tf] : periodMs(at, f[cols.period] ?? '');
  const bar = makeBar(
    tf,
    ts,
    num(cols.open, 'open'),
    num(cols.high, 'high'),
    num(cols.low, 'low'),
    num(cols.close, 'close'),
    num(cols.volume, 'volume'),
    cols.trades === undefined ? 0 : num(cols.trades, 'trades'),
    cols.bid === undefined ? undefined : num(cols.bid, 'bidVolume'),
    cols.ask === undefined ? undefined : num(cols.ask, 'askVolume'),
  );
  return bar;
}

// ---------------------------------------------------------------- JSONL

const finite = z.number().finite();
/** One Sierra bar export line. `b`: volume at the bid, `a`: at the ask. */
const JsonlBar = z.object({
  t: z.number().int(),
  o: finite,
  h: finite,
  l: finite,
  c: finite,
  v: finite,
  n: finite.optional(),
  b: finite.optional(),
  a: finite.optional(),
});

/**
 * Bars of a JSONL Sierra export, validated, in blocks. `t` is the bar's open
 * time in Unix ms (UTC).
 * @throws FeedError when the file cannot be opened.
 */
export async function* jsonlBars(file: string, opts: BarFileOptions): AsyncGenerator<Bar[]> {
  const validator = new RecordValidator(opts.instrument.tickSize, false); // barLines orders them in time
  yield* barLines(file, opts.rejections, (at, line) => jsonlBar(at, line, opts.timeframe, validator));
}

function jsonlBar(at: RecordCursor, line: string, tf: Timeframe, validator: RecordValidator): Bar {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw errorAt(at, '(line)', 'malformed', `not JSON (${(e as Error).message})`);
  }
  const parsed = JsonlBar.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(line)';
    throw errorAt(at, field, issue?.code === 'invalid_type' ? 'malformed' : 'not-finite', issue?.message ?? 'invalid');
  }
  const r = parsed.data;
  const bar = makeBar(tf, r.t, r.o, r.h, r.l, r.c, r.v, r.n ?? 0, r.b, r.a);
  validator.bar(at, bar);
  return bar;
}

/**
 * The non-blank lines of a text file through `parse`, in blocks of bars. A
 * line `parse` rejects (RecordError) goes to `rejections` and reading goes
 * on; `parse` returns null for a line that is not a bar (a header).
 * @throws FeedError when the file cannot be read, or what `parse` throws besides RecordError.
 */
async function* barLines(file: string, rejections: RejectionLog, parse: (at: RecordCursor, line: string) => Bar | null): AsyncGenerator<Bar[]> {
  const at: RecordCursor = { file, unit: 'line', n: 0 };
  const order = new TimeOrder<Bar>(file, 'line', true, (e) => rejections.add(e.rejection));
  try {
    for await (const block of readLineBlocks(file)) {
      const out: Bar[] = [];
      for (let i = 0; i < block.lines.length; i++) {
        const line = block.lines[i] as string;
        at.n = block.firstLine + i;
        if (line.trim() === '') continue;
        try {
          if (line === OVERLONG_LINE) throw errorAt(at, 'line', 'malformed', `is longer than ${MAX_LINE_CHARS} characters: skipped`);
          const bar = parse(at, line);
          if (bar !== null) order.offer(at, 'timestamp', bar, bar.ts, out);
        } catch (e) {
          if (!(e instanceof RecordError)) throw e;
          rejections.add(e.rejection);
        }
      }
      if (out.length > 0) yield out;
    }
    const last = order.end();
    if (last.length > 0) yield last;
  } catch (e) {
    throw asFeedError(file, e);
  }
}

function asFeedError(file: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return new FeedError(`${file}: cannot read (${code})`);
  return e;
}
