/**
 * A bar file at the timeframe the trader chose (issue 17): a file's bars come
 * at the file's own spacing, whatever the replay was opened at. Its
 * timeframe is the smallest gap between consecutive bars in its first
 * `DETECT_BARS` bars (sessions and halts only ever widen a gap); finer bars
 * are built into the chosen timeframe, and a timeframe finer than the file's
 * is refused, naming the file and what to choose.
 *
 * A built bar covers [ts, ts + timeframe) with ts a multiple of the
 * timeframe in UTC, as the bar builder's (engine/bars/builder.ts): open of
 * the first bar in it, high and low over them, close of the last, volume,
 * bid and ask volume, delta and trades summed; it has order flow only when
 * every bar in it had.
 */
import { TIMEFRAME_MS, type Bar, type Timeframe } from '../domain.js';
import { FeedError } from './rejections.js';

/** Bars looked at to find the file's spacing. */
const DETECT_BARS = 500;

/** The timeframe whose length is `ms`, or null. */
function timeframeOf(ms: number): Timeframe | null {
  return (Object.keys(TIMEFRAME_MS) as Timeframe[]).find((tf) => TIMEFRAME_MS[tf] === ms) ?? null;
}

/** The smallest positive gap between consecutive bar times, ms; NaN with fewer than two bars. */
function smallestGap(bars: readonly Bar[]): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < bars.length; i++) {
    const d = bars[i]!.ts - bars[i - 1]!.ts;
    if (d > 0 && d < gap) gap = d;
  }
  return Number.isFinite(gap) ? gap : Number.NaN;
}

/**
 * The bars of `blocks` (a file's, in time order) at `target`.
 * @param file the file's name, for errors.
 * @throws FeedError when the file's bars are coarser than `target`, or come at a spacing that is not a timeframe.
 */
export async function* resampleBars(file: string, blocks: AsyncIterable<Bar[]>, target: Timeframe): AsyncGenerator<Bar[]> {
  const targetMs = TIMEFRAME_MS[target];
  const held: Bar[][] = [];
  const seen: Bar[] = [];
  let nativeMs = Number.NaN;
  let bucket: Bar | null = null;
  let bucketTs = Number.NaN;

  const decide = (): void => {
    nativeMs = smallestGap(seen);
    if (Number.isNaN(nativeMs)) nativeMs = targetMs; // one bar: nothing to build
    const native = timeframeOf(nativeMs);
    if (native === null) throw new FeedError(`${file}: its bars are ${nativeMs / 1000} s apart, which is not a timeframe of ${Object.keys(TIMEFRAME_MS).join(', ')}`);
    if (nativeMs > targetMs) throw new FeedError(`${file}: its bars are ${native} bars, coarser than ${target}: open it at ${native} or a coarser timeframe`);
  };

  /** The finished bars of one block, built to `target`. */
  const build = (bars: readonly Bar[]): Bar[] => {
    if (nativeMs === targetMs) return bars.map((b) => (b.tf === target ? b : { ...b, tf: target }));
    const out: Bar[] = [];
    for (const b of bars) {
      const ts = Math.floor(b.ts / targetMs) * targetMs;
      if (bucket !== null && ts === bucketTs) {
        bucket = {
          ...bucket,
          high: Math.max(bucket.high, b.high),
          low: Math.min(bucket.low, b.low),
          close: b.close,
          volume: bucket.volume + b.volume,
          bidVolume: bucket.bidVolume + b.bidVolume,
          askVolume: bucket.askVolume + b.askVolume,
          delta: bucket.delta + b.delta,
          trades: bucket.trades + b.trades,
          hasOrderFlow: bucket.hasOrderFlow && b.hasOrderFlow,
        };
        continue;
      }
      if (bucket !== null) out.push(bucket);
      bucket = { ...b, tf: target, ts };
      bucketTs = ts;
    }
    return out;
  };

  for await (const block of blocks) {
    if (Number.isNaN(nativeMs)) {
      held.push(block);
      seen.push(...block.slice(0, DETECT_BARS - seen.length));
      if (seen.length < DETECT_BARS) continue;
      decide();
      for (const h of held.splice(0)) {
        const out = build(h);
        if (out.length > 0) yield out;
      }
      continue;
    }
    const out = build(block);
    if (out.length > 0) yield out;
  }
  if (Number.isNaN(nativeMs)) {
    decide();
    for (const h of held.splice(0)) {
      const out = build(h);
      if (out.length > 0) yield out;
    }
  }
  if (bucket !== null) yield [bucket];
}
