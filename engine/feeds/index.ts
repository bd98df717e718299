/**
 * Opens a market-data file as a feed of record blocks, choosing the reader
 * from the extension (or, failing that, the first bytes).
 */
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Instrument, MarketRecord, Timeframe } from '../domain.js';
import { csvBars, describeHeader, jsonlBars } from './bar-files.js';
import { resampleBars } from './resample.js';
import { dataFileProblem } from './data-file.js';
import { FeedError, type RejectionLog } from './rejections.js';
import { depthFilesOf, withDepth } from './depth-file.js';
import { depthTextTicks, isDepthTextHeader } from './depth-text.js';
import { scidTicks } from './scid.js';

/** File formats the engine replays ('depth': Sierra Chart's trades with market depth as text, feeds/depth-text.ts). */
export type FeedFormat = 'scid' | 'csv' | 'jsonl' | 'depth';

/** What opening a feed needs. */
export interface FeedOptions {
  readonly instrument: Instrument;
  /** Timeframe of bars in bar files (ticks ignore it). */
  readonly barTimeframe: Timeframe;
  /** Zone of zone-less CSV timestamps. */
  readonly timeZone: string;
  readonly rejections: RejectionLog;
}

/** A file feed: its format and a stream of validated record blocks in time order. */
export interface Feed {
  readonly file: string;
  readonly format: FeedFormat;
  /** Whether the records are trades (true) or bars (false). */
  readonly ticks: boolean;
  blocks(): AsyncGenerator<MarketRecord[]>;
}

/**
 * The format of `file`, by extension or by its first bytes.
 * @throws FeedError when the file cannot be opened.
 */
export async function detectFormat(file: string): Promise<FeedFormat> {
  const ext = extname(file).toLowerCase();
  if (ext === '.scid') return 'scid';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new FeedError(`${file}: cannot open (${e.code ?? e.message})`);
  });
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    const head = buf.toString('latin1', 0, bytesRead);
    if (head.startsWith('SCID')) return 'scid';
    if (head.trimStart().startsWith('{')) return 'jsonl';
    if (isDepthTextHeader(head.split(/\r?\n/)[0] ?? '')) return 'depth';
    // Without a known extension, a CSV only if its first line is a header; nothing of the file is echoed otherwise.
    if (!describeHeader(head.split(/\r?\n/)[0] ?? '').startsWith('header is')) {
      throw new FeedError(`${file}: not a Sierra Chart .scid, bar CSV, JSONL or trades-with-depth file (neither its name nor its first bytes are of a supported format)`);
    }
    return 'csv';
  } finally {
    await fh.close();
  }
}

/**
 * Opens `file` as a feed. Reading starts when `blocks()` is iterated.
 * @throws FeedError when the file cannot be opened, or is not a regular, non-empty file.
 */
export async function openFeed(file: string, opts: FeedOptions): Promise<Feed> {
  const problem = await dataFileProblem(file);
  if (problem !== null) throw new FeedError(problem.message);
  const format = await detectFormat(file);
  const name = basename(file);
  const barOpts = { instrument: opts.instrument, timeframe: opts.barTimeframe, timeZone: opts.timeZone, rejections: opts.rejections };
  switch (format) {
    case 'scid': {
      // A live recording's book, when one was recorded beside it (engine/live/recorder.ts DepthRecorder).
      const depth = await depthFilesOf(file);
      const ticks = () => scidTicks(file, opts.instrument, opts.rejections);
      return { file: name, format, ticks: true, blocks: depth.length === 0 ? ticks : () => withDepth(ticks(), depth) };
    }
    case 'depth':
      return { file: name, format, ticks: true, blocks: () => depthTextTicks(file, opts.instrument, opts.rejections) };
    // A bar file comes at its own timeframe: built up to the one chosen, or refused when that is finer (feeds/resample.ts).
    case 'jsonl':
      return { file: name, format, ticks: false, blocks: () => resampleBars(name, jsonlBars(file, barOpts), opts.barTimeframe) };
    case 'csv':
      return { file: name, format, ticks: false, blocks: () => resampleBars(name, csvBars(file, barOpts), opts.barTimeframe) };
  }
}
