/**
 * Performance metrics on hand-computed trades, and quarter-Kelly sizing.
 */
import { describe, expect, it } from 'vitest';
import { performanceOf } from '../../engine/perf/metrics';
import { DEFAULT_RISK_CONFIG, kellyContracts } from '../../engine/risk/sizing';

const trades = (...pnl: number[]) => pnl.map((pnlUsd, i) => ({ pnlUsd, exitTs: i }));

describe('performance metrics', () => {
  it('win rate, profit factor, expectancy, Sharpe, Sortino and drawdown of four trades', () => {
    // +100, -50, +200, -100: net 150, gross profit 300, gross loss 150.
    const m = performanceOf(trades(100, -50, 200, -100));
    expect(m).toMatchObject({ trades: 4, wins: 2, losses: 2, winRate: 0.5, netPnlUsd: 150, grossProfitUsd: 300, grossLossUsd: 150, profitFactor: 2, expectancyUsd: 37.5 });
    // Sample sd: deviations 62.5, -87.5, 162.5, -137.5; squares sum 56875; /3 = 18958.33; sqrt = 137.689...
    expect(m.sharpe).toBeCloseTo(37.5 / Math.sqrt(56875 / 3), 12);
    // Downside deviation: sqrt((50^2 + 100^2) / 4) = sqrt(3125) = 55.9017
    expect(m.sortino).toBeCloseTo(37.5 / Math.sqrt(3125), 12);
    // Equity 100, 50, 250, 150: the largest fall is 100 (250 -> 150).
    expect(m.maxDrawdownUsd).toBe(100);
  });

  it('is explicit where a ratio is undefined', () => {
    expect(performanceOf([])).toMatchObject({ trades: 0, winRate: null, profitFactor: null, expectancyUsd: null, sharpe: null, sortino: null, maxDrawdownUsd: 0 });
    expect(performanceOf(trades(10, 20))).toMatchObject({ profitFactor: null, sortino: null });
    expect(performanceOf(trades(-10))).toMatchObject({ winRate: 0, sharpe: null, maxDrawdownUsd: 10 });
  });
});

describe('quarter-Kelly sizing', () => {
  const c = { ...DEFAULT_RISK_CONFIG, kellyShare: 0.25, maxContractsPerSignal: 5 };
  it('f* = W - (1 - W) / R over the last trades, a quarter of it, capped', () => {
    // 12 wins of 200, 8 losses of 100: W 0.6, R 2, f* = 0.6 - 0.4 / 2 = 0.4; 0.25 x 0.4 x 25000 / 100 = 25 contracts
    const list = [...Array(12).fill(200), ...Array(8).fill(-100)] as number[];
    expect(kellyContracts(list, 100, 25_000, c)).toBe(25);
    expect(kellyContracts(list, 1000, 25_000, c)).toBe(2);
  });
  it('falls back below the minimum trades, and sizes 0 with no edge', () => {
    expect(kellyContracts([100, -100], 100, 25_000, c)).toBeNull();
    expect(kellyContracts([...Array(10).fill(100), ...Array(10).fill(-100)] as number[], 100, 25_000, c)).toBe(0);
  });
});
