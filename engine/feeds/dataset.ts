/**
 * A backtest's data (issue 19): one file, or a front-month series of
 * contract files (a folder, a glob, several files; engine/feeds/series.ts),
 * cut to a date range and, for studies, back-adjusted. The backtest driver
 * and the market tape (engine/run/tape.ts) read data through this one door,
 * so a tape holds exactly the records a backtest of the same data reads.
 */
import type { Instrument, MarketRecord, Timeframe } from '../domain.js';
import { openFeed, type FeedFormat } from './index.js';
import { FeedError, type RejectionLog } from './rejections.js';
import { backAdjustments, contractOf, expandSeriesInputs, isFolderOrGlob, seriesBlocks, seriesFiles, type SeriesFile } from './series.js';

/** What data to read. */
export interface DatasetOptions {
  /** A data file; or a folder, a glob, or several files of one contract each (a series). */
  readonly file: string | readonly string[];
  /** Records from this time on (Unix ms, inclusive) and before this one (exclusive); all when absent. */
  readonly fromTs?: number;
  readonly toTs?: number;
  /** A series as one difference-adjusted continuous series (series.ts backAdjustments). Default false. */
  readonly adjusted?: boolean;
  readonly instrument: Instrument;
  /** Timeframe of bar files. */
  readonly timeframe: Timeframe;
  /** Zone of zone-less CSV timestamps. */
  readonly timeZone: string;
  /** Where the files' bad records are reported. */
  readonly rejections: RejectionLog;
}

/**
 * A change of contract in a series, before the new contract's first record:
 * the old contract's last price (points) and the end of its last record
 * (Unix ms); `gapPoints` (the new contract's first price less the old one's
 * last, points) when the series is back-adjusted, else null.
 */
export interface DatasetRoll {
  readonly from: string;
  readonly to: string;
  readonly lastPrice: number;
  readonly lastTs: number;
  readonly gapPoints: number | null;
}

/** An opened dataset. */
export interface Dataset {
  /** The file, or the series' inputs joined by " + ". */
  readonly source: string;
  readonly format: FeedFormat;
  /** The contracts of a series in the order they ran, with the times they took over (Unix ms, their first record's; filled as the records are read); one entry, at NaN, for a single file. */
  readonly contracts: { readonly contract: string; readonly file: string; readonly fromTs: number }[];
  /** Records of a contract left out because the one before already covered their time (final once the records are read). */
  overlapDropped(): number;
  /** The records in time order, in blocks, inside the range; `onRoll` hears each change of contract between them. Read once. */
  blocks(onRoll: (roll: DatasetRoll) => void): AsyncGenerator<MarketRecord[]>;
}

const tsOf = (r: MarketRecord): number => (r.kind === 'tick' ? r.tsEvent : r.ts);

/**
 * Opens `opts.file` (module header).
 * @throws FeedError when a file cannot be opened, an input matches nothing, or a series has no record in any file.
 */
export async function openDataset(opts: DatasetOptions): Promise<Dataset> {
  const feedOpts = { instrument: opts.instrument, barTimeframe: opts.timeframe, timeZone: opts.timeZone, rejections: opts.rejections };
  const inputs = typeof opts.file === 'string' ? [opts.file] : [...opts.file];
  const source = inputs.join(' + ');
  const from = opts.fromTs ?? Number.NEGATIVE_INFINITY;
  const to = opts.toTs ?? Number.POSITIVE_INFINITY;
  if (inputs.length === 1 && !(await isFolderOrGlob(inputs[0]!))) {
    const feed = await openFeed(inputs[0]!, feedOpts);
    return {
      source,
      format: feed.format,
      contracts: [{ contract: contractOf(inputs[0]!), file: inputs[0]!, fromTs: Number.NaN }],
      overlapDropped: () => 0,
      async *blocks() {
        for await (const block of feed.blocks()) {
          const inRange = from === Number.NEGATIVE_INFINITY && to === Number.POSITIVE_INFINITY ? block : block.filter((r) => tsOf(r) >= from && tsOf(r) < to);
          if (inRange.length > 0) yield inRange;
        }
      },
    };
  }
  const series = await seriesFiles(await expandSeriesInputs(inputs), feedOpts);
  if (series.length === 0) throw new FeedError(`${source}: no records in any file`);
  const offsets = opts.adjusted === true ? await backAdjustments(series, feedOpts) : null;
  const contracts: { contract: string; file: string; fromTs: number }[] = [];
  let overlap = 0;
  const gap = (prev: SeriesFile, next: SeriesFile): number => offsets![series.indexOf(prev)]! - offsets![series.indexOf(next)]!;
  return {
    source,
    format: series[0]!.format,
    contracts,
    overlapDropped: () => overlap,
    blocks: (onRoll) =>
      seriesBlocks(series, feedOpts, {
        fromTs: from,
        toTs: to,
        ...(offsets === null ? {} : { offsets }),
        onContract: (prev, next, firstTs, lastPrice, lastTs) => {
          contracts.push({ contract: next.contract, file: next.file, fromTs: firstTs });
          if (prev !== null) onRoll({ from: prev.contract, to: next.contract, lastPrice, lastTs, gapPoints: offsets === null ? null : gap(prev, next) });
        },
        onOverlap: (_f, n) => (overlap += n),
      }),
  };
}
