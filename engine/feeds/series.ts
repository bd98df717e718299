/**
 * Contract files as one front-month series (issue 19): a folder, several
 * files or a glob of one contract per file (Sierra Chart's per-contract
 * exports, ESH15 to ESM23 in shared/data/es/sierra-5m), ordered by their
 * first record's time and read one after the other. Where a file starts
 * before the one before it ended, its records up to that end are left out
 * (the series has one price per moment); `from`/`to` cut it to a range.
 * The caller hears each change of contract before the new contract's first
 * record, with the old one's last price, so the run can restart what two
 * contracts' prices must not share.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TIMEFRAME_MS, type MarketRecord } from '../domain.js';
import { openFeed, type FeedFormat, type FeedOptions } from './index.js';
import { FeedError, RejectionLog } from './rejections.js';

/** One contract of a series: its file, its name, and its records' first and last times (Unix ms; NaN when it has none). */
export interface SeriesFile {
  readonly file: string;
  readonly contract: string;
  readonly format: FeedFormat;
  readonly firstTs: number;
}

/** The contract a file holds, from its name: a CME code such as ESH15 (root, month letter, year), else the file name without its extension. */
export function contractOf(file: string): string {
  const name = basename(file);
  const m = /(?:^|[^A-Z])([A-Z]{1,3}[FGHJKMNQUVXZ]\d{1,2})(?=[^0-9]|$)/.exec(name);
  return m?.[1] ?? name.replace(/\.[^.]*$/, '');
}

const DATA_FILE = /\.(scid|csv|jsonl|ndjson|txt)$/i;

/**
 * The files `inputs` name: each a file, a folder (its data files), or a
 * glob whose last part has `*` or `?` (`dir/ES*-CME*.txt`).
 * @throws FeedError naming an input that matches nothing.
 */
export async function expandSeriesInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const base = basename(input);
    if (/[*?]/.test(base)) {
      const dir = dirname(input);
      const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => re.test(n)).sort();
      if (names.length === 0) throw new FeedError(`${input}: no file matches`);
      out.push(...names.map((n) => join(dir, n)));
      continue;
    }
    const st = await stat(input).catch(() => null);
    if (st === null) throw new FeedError(`${input}: not found`);
    if (st.isDirectory()) {
      const names = (await readdir(input)).filter((n) => DATA_FILE.test(n)).sort();
      if (names.length === 0) throw new FeedError(`${input}: a folder with no data file (.scid, .csv, .jsonl, .txt)`);
      out.push(...names.map((n) => join(input, n)));
    } else out.push(input);
  }
  return [...new Set(out)];
}

/** Whether `input` names a folder or a glob (a series) rather than one file. */
export async function isFolderOrGlob(input: string): Promise<boolean> {
  if (/[*?]/.test(basename(input))) return true;
  return (await stat(input).catch(() => null))?.isDirectory() === true;
}

/** Unix ms of a record: a trade's time, a bar's open. */
const tsOf = (r: MarketRecord): number => (r.kind === 'tick' ? r.tsEvent : r.ts);

/**
 * The contracts of `files` in time order (by their first record).
 * @throws FeedError when a file cannot be opened.
 */
export async function seriesFiles(files: readonly string[], opts: FeedOptions): Promise<SeriesFile[]> {
  const out: SeriesFile[] = [];
  for (const file of files) {
    // The first record only: its block is read and the reader closed.
    // Its own rejection log: the run's counts the records it reads later, once.
    const feed = await openFeed(file, { ...opts, rejections: new RejectionLog() });
    const it = feed.blocks();
    const first = await it.next();
    await it.return(undefined);
    const r = first.done === true ? undefined : first.value[0];
    out.push({ file, contract: contractOf(file), format: feed.format, firstTs: r === undefined ? Number.NaN : tsOf(r) });
  }
  return out.filter((f) => !Number.isNaN(f.firstTs)).sort((a, b) => a.firstTs - b.firstTs);
}

/**
 * The offsets (points) that make `files` one difference-adjusted
 * continuous series, back-adjusted (the last contract's prices as they
 * are): at each change, every earlier contract moves by the new contract's
 * first price minus the old one's last price, so the series has no gap
 * there. Reads each file whole once.
 * @throws FeedError when a file cannot be read.
 */
export async function backAdjustments(files: readonly SeriesFile[], opts: FeedOptions): Promise<number[]> {
  const ends: { first: number; last: number }[] = [];
  for (const f of files) {
    const feed = await openFeed(f.file, { ...opts, rejections: new RejectionLog() });
    let first = Number.NaN;
    let last = Number.NaN;
    for await (const block of feed.blocks()) {
      for (const r of block) {
        const p = r.kind === 'tick' ? r.price : r.close;
        if (Number.isNaN(first)) first = r.kind === 'tick' ? r.price : r.open;
        last = p;
      }
    }
    ends.push({ first, last });
  }
  const offsets = files.map(() => 0);
  for (let i = files.length - 2; i >= 0; i--) offsets[i] = offsets[i + 1]! + (ends[i + 1]!.first - ends[i]!.last);
  return offsets.map((x) => (Number.isFinite(x) ? x : 0));
}

/** `r` with every price moved by `d` points (a bar's OHLC; a trade's price, bid, ask and book). */
export function shiftRecord(r: MarketRecord, d: number): MarketRecord {
  if (d === 0) return r;
  if (r.kind === 'bar') return { ...r, open: r.open + d, high: r.high + d, low: r.low + d, close: r.close + d };
  return { ...r, price: r.price + d, bid: r.bid + d, ask: r.ask + d, ...(r.depth === undefined ? {} : { depth: r.depth.map((u) => (u.side === 'clear' ? u : { ...u, price: u.price + d })) }) };
}

/** What reading a series needs beyond a file's options. */
export interface SeriesReading {
  /** Records from this time on (Unix ms, inclusive); all when absent. */
  readonly fromTs?: number;
  /** Records before this time (Unix ms, exclusive); all when absent. */
  readonly toTs?: number;
  /**
   * A contract's first record is next (Unix ms `firstTs`): for a change of
   * contract, `from` is the one before, with its last price (points) and the
   * end of its last record (Unix ms); for the series' first, `from` is null.
   */
  readonly onContract?: (from: SeriesFile | null, to: SeriesFile, firstTs: number, lastPrice: number, lastTs: number) => void;
  /** Records of a contract left out because an earlier contract already covered their time. */
  readonly onOverlap?: (file: SeriesFile, records: number) => void;
  /** Points each file's prices move by (backAdjustments: a difference-adjusted continuous series); none when absent. */
  readonly offsets?: readonly number[];
}

/** The series' records in blocks, contract after contract (module header). */
export async function* seriesBlocks(files: readonly SeriesFile[], opts: FeedOptions, reading: SeriesReading = {}): AsyncGenerator<MarketRecord[]> {
  const from = reading.fromTs ?? Number.NEGATIVE_INFINITY;
  const to = reading.toTs ?? Number.POSITIVE_INFINITY;
  let prev: SeriesFile | null = null;
  let lastTs = Number.NEGATIVE_INFINITY;
  let lastEnd = Number.NaN;
  let lastPrice = Number.NaN;
  for (const [fi, f] of files.entries()) {
    const feed = await openFeed(f.file, opts);
    const shift = reading.offsets?.[fi] ?? 0;
    let started = false;
    let overlap = 0;
    for await (const block of feed.blocks()) {
      const out: MarketRecord[] = [];
      for (const r of block) {
        const ts = tsOf(r);
        if (ts < from || ts >= to) continue;
        if (ts <= lastTs && prev !== null && !started) {
          overlap += 1;
          continue;
        }
        if (!started) {
          started = true;
          reading.onContract?.(prev, f, ts, lastPrice, lastEnd);
        }
        out.push(shiftRecord(r, shift));
        lastTs = ts;
        lastEnd = r.kind === 'tick' ? ts : ts + TIMEFRAME_MS[r.tf];
        lastPrice = (r.kind === 'tick' ? r.price : r.close) + shift;
      }
      if (out.length > 0) yield out;
    }
    if (overlap > 0) reading.onOverlap?.(f, overlap);
    if (started) prev = f;
  }
}
