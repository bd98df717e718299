/**
 * The research figures of issue 19 against worked examples written here:
 * annualised Sharpe and Sortino from daily returns and Calmar (the
 * arithmetic in comments, checked with Python's statistics module), the
 * monthly and grouped tables, the deflated Sharpe ratio (checked against
 * Python's statistics.NormalDist), the probability of backtest overfitting
 * on two hand-made sweeps whose answer is known (0 and 1) and on noise, and
 * Monte Carlo percentiles on a hand-made trade list with a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { annualMetrics, metricsBy, monthlyTable } from '../../engine/perf/annual';
import { monteCarlo } from '../../engine/perf/montecarlo';
import { deflatedSharpe, expectedMaxSharpe, probabilityOfOverfitting, sharpeOf } from '../../engine/perf/overfitting';

const day = (d: string, pnlUsd: number, h = 15) => ({ day: d, pnlUsd, exitTs: Date.parse(`${d}T${String(h).padStart(2, '0')}:00:00Z`) });

describe('annualised figures from daily returns', () => {
  it('Sharpe, Sortino and Calmar of four days (one without a trade) on 10,000 USD', () => {
    // Days 100, -50, 0, 150 USD: returns 0.01, -0.005, 0, 0.015; mean 0.005, sample sd 0.0091287;
    // Sharpe 0.005 / 0.0091287 x sqrt(252) = 8.6948; downside sqrt(0.005^2 / 4) = 0.0025, Sortino 0.005 / 0.0025 x sqrt(252) = 31.749.
    // Equity 100, 50, 50, 200: largest drawdown 50; annualised P&L 50 x 252 = 12,600; Calmar 12,600 / 50 = 252.
    const trades = [day('2023-01-03', 60), day('2023-01-03', 40, 16), day('2023-01-04', -50), day('2023-01-06', 150)];
    const a = annualMetrics(trades, ['2023-01-03', '2023-01-04', '2023-01-05', '2023-01-06'], 10_000);
    expect(a.tradingDays).toBe(4);
    expect(a.sharpeAnnual).toBeCloseTo(8.694826, 5);
    expect(a.sortinoAnnual).toBeCloseTo(31.749016, 5);
    expect([a.annualisedPnlUsd, a.maxDailyDrawdownUsd, a.calmar]).toEqual([12_600, 50, 252]);
    expect(() => annualMetrics(trades, [], 0)).toThrow(/starting equity must be above 0/);
  });

  it('groups by any key and tables the months', () => {
    const trades = [day('2022-12-30', 100), day('2023-01-03', -40), day('2023-01-20', 10), day('2023-03-01', 5)];
    const byYear = metricsBy(trades, (t) => t.day.slice(0, 4));
    expect(Object.keys(byYear)).toEqual(['2022', '2023']);
    expect([byYear['2023']!.trades, byYear['2023']!.netPnlUsd, byYear['2023']!.wins]).toEqual([3, -25, 2]);
    const m = monthlyTable(trades);
    expect(m).toEqual([
      { year: 2022, months: [null, null, null, null, null, null, null, null, null, null, null, 100], totalUsd: 100 },
      { year: 2023, months: [-30, null, 5, null, null, null, null, null, null, null, null, null], totalUsd: -25 },
    ]);
  });
});

describe('the deflated Sharpe ratio (Bailey and López de Prado 2014)', () => {
  it('matches a worked example computed with Python statistics.NormalDist', () => {
    // SR 0.1 a day over T = 1000 days, skew -0.5, kurtosis 5, N = 20 trials with Sharpe variance 0.001:
    // SR0 = sqrt(0.001) x (0.42278 x Z^-1(0.95) + 0.57722 x Z^-1(1 - 1/(20e))) = 0.0601057;
    // DSR = Z((0.1 - 0.0601057) x sqrt(999) / sqrt(1 + 0.05 + 0.01)) = Z(1.22473) = 0.889662.
    expect(expectedMaxSharpe(20, 0.001)).toBeCloseTo(0.0601057, 5);
    expect(deflatedSharpe({ sharpe: 0.1, observations: 1000, skewness: -0.5, kurtosis: 5, trials: 20, sharpeVariance: 0.001 })).toBeCloseTo(0.889662, 4);
    // More trials ask more of the same Sharpe ratio.
    expect(deflatedSharpe({ sharpe: 0.1, observations: 1000, skewness: -0.5, kurtosis: 5, trials: 1000, sharpeVariance: 0.001 })).toBeLessThan(0.5);
    expect(() => expectedMaxSharpe(1, 0.001)).toThrow(/2 trials or more/);
  });
});

describe('the probability of backtest overfitting (CSCV, Bailey, Borwein, López de Prado and Zhu)', () => {
  it('is 1 when the in-sample best is always the out-of-sample worst, and 0 when it is always the best', () => {
    // Two configurations, two blocks of two periods. Overfit: A leads block 1 (SR 1.414 vs 0.707), B leads block 2 (1.414 vs 0):
    // each split picks the leader of its in-sample block, the laggard of the other: rank 1 of 2, w = 1/3, logit ln(0.5) < 0.
    const overfit = [
      [1, 0],
      [3, 1],
      [-1, 2],
      [1, 4],
    ];
    const a = probabilityOfOverfitting(overfit, 2);
    expect(a.pbo).toBe(1);
    expect(a.logits.map((l) => +l.toFixed(4))).toEqual([-0.6931, -0.6931]);
    // Robust: A leads both blocks; rank 2 of 2, w = 2/3, logit ln 2 > 0.
    const robust = [
      [1, 0],
      [3, 1],
      [2, 0],
      [4, 1],
    ];
    expect(probabilityOfOverfitting(robust, 2)).toMatchObject({ pbo: 0, splits: 2 });
    expect(sharpeOf([1, 3])).toBeCloseTo(Math.SQRT2, 12);
  });

  it('is near one half for configurations of pure noise, over C(8, 4) = 70 splits', () => {
    // A fixed pseudo-random sweep: 20 configurations x 400 periods of noise (a linear congruential sequence).
    let x = 12345;
    const noise = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const rows = Array.from({ length: 400 }, () => Array.from({ length: 20 }, noise));
    const r = probabilityOfOverfitting(rows, 8);
    expect(r.splits).toBe(70);
    expect(r.pbo).toBeGreaterThan(0.3);
    expect(r.pbo).toBeLessThan(0.7);
    expect(() => probabilityOfOverfitting(rows, 3)).toThrow(/even number/);
  });
});

describe('Monte Carlo of the trades (fixed seed)', () => {
  it('a winner and a loser drawn by the bootstrap: each of the four orders a quarter of the time', () => {
    // +100 and -100 on one day, 25,000 USD: (+,+) 25,200 dd 0 streak 0; (+,-) and (-,+) 25,000 dd 100 streak 1; (-,-) 24,800 dd 200 streak 2.
    const trades = [
      { pnlUsd: 100, day: 'd1' },
      { pnlUsd: -100, day: 'd1' },
    ];
    const mc = monteCarlo(trades, { runs: 4000, seed: 7, startingEquityUsd: 25_000, dailyLossLimitUsd: 150 });
    expect(mc).toMatchObject({ runs: 4000, method: 'bootstrap', trades: 2 });
    expect(mc.finalEquityUsd).toEqual({ p5: 24_800, p50: 25_000, p95: 25_200 });
    expect(mc.maxDrawdownUsd).toEqual({ p5: 0, p50: 100, p95: 200 });
    expect(mc.longestLosingStreak).toEqual({ p5: 0, p50: 1, p95: 2 });
    // A day of two draws hits -150 only as (-,-): a quarter of the days.
    expect(mc.dailyLossLimitHitProbability).toBeGreaterThan(0.23);
    expect(mc.dailyLossLimitHitProbability).toBeLessThan(0.27);
    // The same seed gives the same figures.
    expect(monteCarlo(trades, { runs: 4000, seed: 7, startingEquityUsd: 25_000, dailyLossLimitUsd: 150 })).toEqual(mc);
  });

  it('the block bootstrap keeps the order inside a block: one block of the whole run is the run itself', () => {
    const trades = [-50, -50, -50, 200].map((pnlUsd) => ({ pnlUsd, day: 'd1' }));
    const mc = monteCarlo(trades, { runs: 50, seed: 3, blockSize: 4, startingEquityUsd: 10_000, dailyLossLimitUsd: 1000 });
    expect(mc).toMatchObject({ method: 'block-bootstrap', finalEquityUsd: { p5: 10_050, p50: 10_050, p95: 10_050 }, maxDrawdownUsd: { p5: 150, p50: 150, p95: 150 }, longestLosingStreak: { p5: 3, p50: 3, p95: 3 } });
    expect(() => monteCarlo([], { startingEquityUsd: 1, dailyLossLimitUsd: 1 })).toThrow(/no trades/);
    expect(() => monteCarlo(trades, { blockSize: 5, startingEquityUsd: 1, dailyLossLimitUsd: 1 })).toThrow(/blockSize/);
  });
});
