/**
 * Performance of a list of closed trades (issue 4: the performance panel, the
 * backtest summary and its report): win rate, profit factor, expectancy,
 * Sharpe and Sortino per trade, and the drawdown of the trade equity curve.
 *
 * [Note: per-trade ratios] Sharpe and Sortino are computed on net P&L per
 * trade, not annualised: mean / sample standard deviation (Sharpe 1994,
 * "The Sharpe Ratio", with a zero benchmark), and mean / downside deviation
 * sqrt(sum(min(0, x)^2) / n) (Sortino & Price 1994). Null when undefined
 * (fewer than 2 trades, or no dispersion).
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';

/** A closed trade as metrics see it. */
export interface ClosedTradeResult {
  /** Net of commissions, USD. */
  readonly pnlUsd: number;
  /** Exit time, Unix ms. */
  readonly exitTs: number;
}

/** Metrics of a set of trades. USD unless named otherwise; ratios null when undefined. */
export interface PerformanceMetrics {
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / trades, 0..1; null with no trades. */
  readonly winRate: number | null;
  readonly netPnlUsd: number;
  readonly grossProfitUsd: number;
  readonly grossLossUsd: number;
  /** gross profit / gross loss; null without a loss. */
  readonly profitFactor: number | null;
  /** Mean net P&L per trade. */
  readonly expectancyUsd: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** Largest peak-to-trough fall of the closed-trade equity curve (>= 0). */
  readonly maxDrawdownUsd: number;
}

/** Computes the metrics of `trades` (in exit order). A win is a trade with net P&L > 0. */
export function performanceOf(trades: readonly ClosedTradeResult[]): PerformanceMetrics {
  const pnl = trades.map((t) => t.pnlUsd);
  const wins = pnl.filter((x) => x > 0);
  const losses = pnl.filter((x) => x <= 0);
  const grossProfitUsd = wins.reduce((a, b) => a + b, 0);
  const grossLossUsd = -losses.reduce((a, b) => a + b, 0);
  let equity = 0;
  let peak = 0;
  let maxDrawdownUsd = 0;
  for (const x of pnl) {
    equity += x;
    peak = Math.max(peak, equity);
    maxDrawdownUsd = Math.max(maxDrawdownUsd, peak - equity);
  }
  const avg = pnl.length > 0 ? mean(pnl) : null;
  const sd = pnl.length >= 2 ? sampleStandardDeviation(pnl) : 0;
  const downside = pnl.length >= 2 ? Math.sqrt(pnl.reduce((a, x) => a + Math.min(0, x) ** 2, 0) / pnl.length) : 0;
  return {
    trades: pnl.length,
    wins: wins.length,
    losses: losses.length,
    winRate: pnl.length > 0 ? wins.length / pnl.length : null,
    netPnlUsd: grossProfitUsd - grossLossUsd,
    grossProfitUsd,
    grossLossUsd,
    profitFactor: grossLossUsd > 0 ? grossProfitUsd / grossLossUsd : null,
    expectancyUsd: avg,
    sharpe: avg !== null && sd > 0 ? avg / sd : null,
    sortino: avg !== null && downside > 0 ? avg / downside : null,
    maxDrawdownUsd,
  };
}
