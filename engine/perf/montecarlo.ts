/**
 * Monte Carlo from a run's closed trades (issue 19): how the same trades,
 * in another order or drawn again, could have gone. Each run draws as many
 * trades as the run had, by the bootstrap (each trade drawn with
 * replacement, Efron 1979, "Bootstrap methods: another look at the
 * jackknife") or the moving-block bootstrap (blocks of `blockSize`
 * consecutive trades, which keeps streaks and clustering, Künsch 1989, "The
 * jackknife and the bootstrap for general stationary observations"), and
 * measures its final equity, largest drawdown and longest losing streak.
 * The 5th, 50th and 95th percentiles of each are reported (quantiles by
 * simple-statistics, linear between order statistics).
 *
 * The daily loss limit: a simulated day draws its number of trades from the
 * run's days (trades a day, as they were) and its trades by the bootstrap;
 * it hits the limit when its running P&L falls to minus the limit or below.
 * The probability is the share of simulated days that did.
 *
 * Deterministic for a seed (pure-rand's xoroshiro128+), so a report can be
 * reproduced and a test can pin its figures.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { quantileSorted } from 'simple-statistics';

/** A closed trade as Monte Carlo reads it: net P&L, USD, and its trading day. */
export interface McTrade {
  readonly pnlUsd: number;
  readonly day: string;
}

/** What to simulate. */
export interface MonteCarloOptions {
  /** Simulated runs (default 2,000). */
  readonly runs?: number;
  /** Seed of the generator (default 1). */
  readonly seed?: number;
  /** 1: the bootstrap; more: the moving-block bootstrap with blocks of this many trades. */
  readonly blockSize?: number;
  readonly startingEquityUsd: number;
  /** The daily loss limit, USD (> 0). */
  readonly dailyLossLimitUsd: number;
}

/** The 5th, 50th and 95th percentiles of a figure over the runs. */
export interface Percentiles {
  readonly p5: number;
  readonly p50: number;
  readonly p95: number;
}

/** What the runs give. USD unless named otherwise. */
export interface MonteCarloResult {
  readonly runs: number;
  readonly method: 'bootstrap' | 'block-bootstrap';
  readonly blockSize: number;
  readonly trades: number;
  readonly finalEquityUsd: Percentiles;
  /** Largest fall from a peak of the equity (starting equity included as the first peak), >= 0. */
  readonly maxDrawdownUsd: Percentiles;
  /** Losing trades (net P&L <= 0) in a row at most, trades. */
  readonly longestLosingStreak: Percentiles;
  /** Share of simulated days whose running P&L reached minus the daily loss limit, 0..1. */
  readonly dailyLossLimitHitProbability: number;
  /** Days simulated for it. */
  readonly daysSimulated: number;
  /**
   * The fan: the 5th, 50th and 95th percentiles of equity after trade k of
   * the runs, at up to 100 points k evenly over the trades (`atTrade`).
   */
  readonly fan: { readonly atTrade: number[]; readonly p5: number[]; readonly p50: number[]; readonly p95: number[] };
}

/**
 * Simulates `o.runs` runs of `trades` (in their order: the block bootstrap needs it).
 * @throws RangeError when there are no trades, or runs, block size or the limit are not positive.
 */
export function monteCarlo(trades: readonly McTrade[], o: MonteCarloOptions): MonteCarloResult {
  const n = trades.length;
  const runs = o.runs ?? 2000;
  const block = o.blockSize ?? 1;
  if (n === 0) throw new RangeError('monteCarlo: no trades to draw from');
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`monteCarlo: runs must be a whole number above 0, not ${runs}`);
  if (!Number.isInteger(block) || block < 1 || block > n) throw new RangeError(`monteCarlo: blockSize must be a whole number from 1 to the ${n} trades, not ${block}`);
  if (!(o.dailyLossLimitUsd > 0)) throw new RangeError(`monteCarlo: the daily loss limit must be above 0 USD, not ${o.dailyLossLimitUsd}`);
  const rng = xoroshiro128plus(o.seed ?? 1);
  const pnl = trades.map((t) => t.pnlUsd);
  // The fan's points: up to 100 trade counts, evenly from the first trade to the last.
  const points = Math.min(100, n);
  const atTrade = Array.from({ length: points }, (_, i) => Math.round(((i + 1) * n) / points));
  const paths = atTrade.map(() => new Float64Array(runs));
  const finals = new Float64Array(runs);
  const drawdowns = new Float64Array(runs);
  const streaks = new Float64Array(runs);
  for (let r = 0; r < runs; r++) {
    let equity = o.startingEquityUsd;
    let peak = equity;
    let dd = 0;
    let streak = 0;
    let longest = 0;
    let taken = 0;
    let point = 0;
    const take = (x: number): void => {
      equity += x;
      taken += 1;
      while (point < points && atTrade[point] === taken) paths[point++]![r] = equity;
      if (equity > peak) peak = equity;
      if (peak - equity > dd) dd = peak - equity;
      streak = x <= 0 ? streak + 1 : 0;
      if (streak > longest) longest = streak;
    };
    for (let k = 0; k < n; ) {
      if (block === 1) {
        take(pnl[uniformInt(rng, 0, n - 1)]!);
        k += 1;
        continue;
      }
      const start = uniformInt(rng, 0, n - block);
      for (let j = 0; j < block && k < n; j++, k++) take(pnl[start + j]!);
    }
    finals[r] = equity;
    drawdowns[r] = dd;
    streaks[r] = longest;
  }
  // Days: as many trades as one of the run's days had, each drawn from all the trades.
  const perDay = [...countBy(trades.map((t) => t.day)).values()];
  let hits = 0;
  const days = runs * perDay.length;
  for (let d = 0; d < days; d++) {
    const k = perDay[uniformInt(rng, 0, perDay.length - 1)]!;
    let day = 0;
    for (let j = 0; j < k; j++) {
      day += pnl[uniformInt(rng, 0, n - 1)]!;
      if (-day >= o.dailyLossLimitUsd) {
        hits += 1;
        break;
      }
    }
  }
  return {
    runs,
    method: block === 1 ? 'bootstrap' : 'block-bootstrap',
    blockSize: block,
    trades: n,
    finalEquityUsd: percentiles(finals),
    maxDrawdownUsd: percentiles(drawdowns),
    longestLosingStreak: percentiles(streaks),
    dailyLossLimitHitProbability: hits / days,
    daysSimulated: days,
    fan: ((bands: Percentiles[]) => ({ atTrade, p5: bands.map((b) => b.p5), p50: bands.map((b) => b.p50), p95: bands.map((b) => b.p95) }))(paths.map(percentiles)),
  };
}

function percentiles(xs: Float64Array): Percentiles {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p5: quantileSorted(sorted, 0.05), p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95) };
}

function countBy(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}
