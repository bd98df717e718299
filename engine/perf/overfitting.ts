/**
 * How much a sweep's best result is worth (issue 19): the deflated Sharpe
 * ratio of the best configuration, and the probability of backtest
 * overfitting by combinatorially symmetric cross-validation.
 *
 * Deflated Sharpe ratio (Bailey and López de Prado, "The Deflated Sharpe
 * Ratio: Correcting for Selection Bias, Backtest Overfitting and
 * Non-Normality", Journal of Portfolio Management 40(5), 2014, eq. 2 and
 * 3): with the best configuration's Sharpe ratio SR (per period, not
 * annualised), T returns, their skewness g3 and kurtosis g4 (not excess),
 * and N trials whose Sharpe ratios have variance V:
 *   SR0 = sqrt(V) * ((1 - e) * Z^-1(1 - 1/N) + e * Z^-1(1 - 1/(N * E)))
 *   DSR = Z((SR - SR0) * sqrt(T - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR^2))
 * where Z is the standard normal CDF, e Euler-Mascheroni's constant
 * 0.5772156649 and E Euler's number. SR0 is the Sharpe ratio the best of N
 * unskilled trials would show; DSR the probability that the true Sharpe
 * ratio is above it.
 *
 * Probability of backtest overfitting (Bailey, Borwein, López de Prado and
 * Zhu, "The Probability of Backtest Overfitting", Journal of Computational
 * Finance 20(4), 2017; working paper 2015), CSCV: the T x N matrix of
 * returns (T periods, N configurations) is cut into S equal blocks of rows
 * (S even); for each of the C(S, S/2) ways to take half the blocks as the
 * in-sample set and the rest as out-of-sample, the configuration with the
 * best in-sample statistic (the Sharpe ratio of its returns) is ranked
 * out-of-sample: w = rank / (N + 1) (rank 1 the worst), logit
 * L = ln(w / (1 - w)); PBO is the share of splits with L <= 0, i.e. where
 * the in-sample best is at or below the out-of-sample median.
 */
import { errorFunction, mean, probit, sampleKurtosis, sampleSkewness, sampleStandardDeviation, sampleVariance } from 'simple-statistics';

const EULER_GAMMA = 0.5772156649015329;

/** The standard normal CDF from the error function (simple-statistics' erf, error under 1.2e-7; its CDF table rounds z to 0.01). */
function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/**
 * The standard normal quantile: simple-statistics' probit (off by up to
 * about 1.5e-3 in the tails used here) refined by two Newton steps on
 * normalCdf, so it is as exact as the error function.
 */
function normalQuantile(p: number): number {
  let x = probit(p);
  for (let i = 0; i < 2; i++) x -= (normalCdf(x) - p) / (Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI));
  return x;
}

/** The Sharpe ratio per period of `returns`: mean / sample standard deviation; NaN with fewer than 2 or no dispersion. */
export function sharpeOf(returns: readonly number[]): number {
  if (returns.length < 2) return Number.NaN;
  const sd = sampleStandardDeviation([...returns]);
  return sd > 0 ? mean([...returns]) / sd : Number.NaN;
}

/** The inputs of the deflated Sharpe ratio (module header); per-period Sharpe ratios. */
export interface DeflatedSharpeInput {
  /** The best configuration's Sharpe ratio. */
  readonly sharpe: number;
  /** Its number of returns. */
  readonly observations: number;
  /** Skewness of its returns. */
  readonly skewness: number;
  /** Kurtosis of its returns (3 for normal returns). */
  readonly kurtosis: number;
  /** Configurations tried. */
  readonly trials: number;
  /** Variance of the trials' Sharpe ratios. */
  readonly sharpeVariance: number;
}

/** SR0: the Sharpe ratio the best of `trials` unskilled configurations would show (module header). @throws RangeError for fewer than 2 trials. */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (!(trials >= 2)) throw new RangeError(`expectedMaxSharpe: needs 2 trials or more, not ${trials}`);
  return Math.sqrt(sharpeVariance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

/**
 * The deflated Sharpe ratio, 0..1 (module header).
 * @throws RangeError for fewer than 2 observations or trials, or a non-positive variance term.
 */
export function deflatedSharpe(i: DeflatedSharpeInput): number {
  if (!(i.observations >= 2)) throw new RangeError(`deflatedSharpe: needs 2 observations or more, not ${i.observations}`);
  const sr0 = expectedMaxSharpe(i.trials, i.sharpeVariance);
  const denom = 1 - i.skewness * i.sharpe + ((i.kurtosis - 1) / 4) * i.sharpe * i.sharpe;
  if (!(denom > 0)) throw new RangeError(`deflatedSharpe: 1 - g3*SR + (g4-1)/4*SR^2 = ${denom} is not positive`);
  return normalCdf(((i.sharpe - sr0) * Math.sqrt(i.observations - 1)) / Math.sqrt(denom));
}

/**
 * The deflated Sharpe ratio of the best column of a sweep's returns (T x N,
 * a row a period): its Sharpe ratio, skewness and kurtosis (simple-statistics'
 * sample skewness and sample excess kurtosis, + 3), and the variance of all
 * N columns' Sharpe ratios.
 * @throws RangeError with fewer than 2 columns or rows.
 */
export function deflatedSharpeOfSweep(returns: readonly (readonly number[])[]): { readonly best: number; readonly sharpe: number; readonly sharpeZero: number; readonly dsr: number } {
  const cols = columns(returns);
  if (cols.length < 2 || returns.length < 4) throw new RangeError('deflatedSharpeOfSweep: needs 2 configurations and 4 periods or more');
  const srs = cols.map(sharpeOf);
  const best = srs.reduce((b, s, j) => (s > srs[b]! ? j : b), 0);
  const r = cols[best]!;
  const variance = sampleVariance(srs.filter(Number.isFinite));
  const dsr = deflatedSharpe({ sharpe: srs[best]!, observations: r.length, skewness: sampleSkewness(r), kurtosis: sampleKurtosis(r) + 3, trials: cols.length, sharpeVariance: variance });
  return { best, sharpe: srs[best]!, sharpeZero: expectedMaxSharpe(cols.length, variance), dsr };
}

/** What CSCV found: the probability of backtest overfitting, and each split's logit. */
export interface PboResult {
  readonly pbo: number;
  readonly splits: number;
  readonly logits: number[];
}

/**
 * The probability of backtest overfitting of a sweep's returns (module
 * header): `returns` is T x N (a row a period, a column a configuration),
 * cut into `blocks` (even) blocks of rows; rows beyond a whole number of
 * blocks are left out at the end.
 * @throws RangeError for an odd or too small block count, fewer than 2 configurations, or fewer rows than blocks.
 */
export function probabilityOfOverfitting(returns: readonly (readonly number[])[], blocks: number): PboResult {
  const n = returns[0]?.length ?? 0;
  if (!Number.isInteger(blocks) || blocks < 2 || blocks % 2 !== 0) throw new RangeError(`probabilityOfOverfitting: blocks must be an even number of 2 or more, not ${blocks}`);
  if (n < 2) throw new RangeError('probabilityOfOverfitting: needs 2 configurations or more');
  const size = Math.floor(returns.length / blocks);
  if (size < 2) throw new RangeError(`probabilityOfOverfitting: ${returns.length} periods make blocks of fewer than 2 rows`);
  const cut = Array.from({ length: blocks }, (_, b) => returns.slice(b * size, (b + 1) * size));
  const logits: number[] = [];
  for (const inSample of combinations(blocks, blocks / 2)) {
    const chosen = new Set(inSample);
    const is = cut.filter((_, b) => chosen.has(b)).flat();
    const oos = cut.filter((_, b) => !chosen.has(b)).flat();
    const isSr = columns(is).map(sharpeOf);
    const oosSr = columns(oos).map(sharpeOf);
    const best = isSr.reduce((b, s, j) => (s > isSr[b]! ? j : b), 0);
    // Its rank out-of-sample, 1 the worst: configurations strictly worse, plus one (ties count for it).
    const rank = oosSr.filter((s) => s < oosSr[best]!).length + 1;
    const w = rank / (n + 1);
    logits.push(Math.log(w / (1 - w)));
  }
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, splits: logits.length, logits };
}

function columns(rows: readonly (readonly number[])[]): number[][] {
  const n = rows[0]?.length ?? 0;
  return Array.from({ length: n }, (_, j) => rows.map((r) => r[j]!));
}

/** Every way to choose k of 0..n-1, in lexicographic order. */
function* combinations(n: number, k: number, start = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === k) {
    yield [...acc];
    return;
  }
  for (let i = start; i <= n - (k - acc.length); i++) {
    acc.push(i);
    yield* combinations(n, k, i + 1, acc);
    acc.pop();
  }
}
