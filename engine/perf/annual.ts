/**
 * A run's results by the calendar (issue 19): Sharpe and Sortino annualised
 * from daily returns beside the per-trade figures (engine/perf/metrics.ts),
 * Calmar, and the results grouped by any key (setup, year, session phase)
 * and by month.
 *
 * [Note: annualised ratios] A day's return is its net P&L over the starting
 * equity (a fixed notional, so the ratios do not depend on the path of
 * compounding); every trading day of the data counts, a day without a
 * trade as 0. Sharpe = mean / sample standard deviation x sqrt(252)
 * (Sharpe 1994; Lo, "The Statistics of Sharpe Ratios", 2002, for the
 * sqrt(q) scaling of i.i.d. returns); Sortino = mean / sqrt(mean(min(0,
 * r)^2)) x sqrt(252) (Sortino and Price 1994); Calmar = the annualised net
 * P&L (mean daily P&L x 252) / the largest drawdown of the daily equity
 * curve (Young, "Calmar Ratio: A Smoother Tool", Futures 20(1), 1991, over
 * the whole run rather than 36 months). Null when undefined.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { performanceOf, type PerformanceMetrics } from './metrics.js';

/** Trading days a year. */
export const TRADING_DAYS_PER_YEAR = 252;

/** A closed trade as these figures read it: net P&L (USD), exit time (Unix ms) and trading day (YYYY-MM-DD). */
export interface DatedTrade {
  readonly pnlUsd: number;
  readonly exitTs: number;
  readonly day: string;
}

/** The annualised figures (module note). */
export interface AnnualMetrics {
  readonly tradingDays: number;
  readonly sharpeAnnual: number | null;
  readonly sortinoAnnual: number | null;
  /** Mean daily net P&L x 252, USD. */
  readonly annualisedPnlUsd: number;
  readonly maxDailyDrawdownUsd: number;
  readonly calmar: number | null;
}

/**
 * The annualised figures of `trades` over the trading days `days` (every
 * day of the data, in order; a trade whose day is not among them is counted
 * on its own day at the end).
 * @throws RangeError when the starting equity is not positive.
 */
export function annualMetrics(trades: readonly DatedTrade[], days: readonly string[], startingEquityUsd: number): AnnualMetrics {
  if (!(startingEquityUsd > 0)) throw new RangeError(`annualMetrics: the starting equity must be above 0 USD, not ${startingEquityUsd}`);
  const byDay = new Map<string, number>(days.map((d) => [d, 0]));
  for (const t of trades) byDay.set(t.day, (byDay.get(t.day) ?? 0) + t.pnlUsd);
  const pnl = [...byDay.values()];
  const r = pnl.map((x) => x / startingEquityUsd);
  const n = r.length;
  const avg = n > 0 ? mean(r) : 0;
  const sd = n >= 2 ? sampleStandardDeviation(r) : 0;
  const downside = n >= 2 ? Math.sqrt(r.reduce((a, x) => a + Math.min(0, x) ** 2, 0) / n) : 0;
  let equity = 0;
  let peak = 0;
  let dd = 0;
  for (const x of pnl) {
    equity += x;
    peak = Math.max(peak, equity);
    dd = Math.max(dd, peak - equity);
  }
  const annualisedPnlUsd = n > 0 ? (pnl.reduce((a, b) => a + b, 0) / n) * TRADING_DAYS_PER_YEAR : 0;
  const root = Math.sqrt(TRADING_DAYS_PER_YEAR);
  return {
    tradingDays: n,
    sharpeAnnual: sd > 0 ? (avg / sd) * root : null,
    sortinoAnnual: downside > 0 ? (avg / downside) * root : null,
    annualisedPnlUsd,
    maxDailyDrawdownUsd: dd,
    calmar: dd > 0 ? annualisedPnlUsd / dd : null,
  };
}

/** The metrics of the trades of each key (in exit order within each), keys sorted. */
export function metricsBy<T extends DatedTrade>(trades: readonly T[], key: (t: T) => string): Record<string, PerformanceMetrics> {
  const groups = new Map<string, T[]>();
  for (const t of trades) {
    const k = key(t);
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  const out: Record<string, PerformanceMetrics> = {};
  for (const k of [...groups.keys()].sort()) out[k] = performanceOf([...groups.get(k)!].sort((a, b) => a.exitTs - b.exitTs));
  return out;
}

/** One year of the monthly table: net P&L by month (USD; null for a month without a closed trade) and the year's total. */
export interface MonthlyRow {
  readonly year: number;
  readonly months: (number | null)[];
  readonly totalUsd: number;
}

/** Net P&L by the month of each trade's trading day (YYYY-MM of `day`), a row a year, oldest first. */
export function monthlyTable(trades: readonly DatedTrade[]): MonthlyRow[] {
  const rows = new Map<number, (number | null)[]>();
  for (const t of trades) {
    const year = Number(t.day.slice(0, 4));
    const month = Number(t.day.slice(5, 7)) - 1;
    const row = rows.get(year) ?? Array.from({ length: 12 }, () => null);
    row[month] = (row[month] ?? 0) + t.pnlUsd;
    rows.set(year, row);
  }
  return [...rows.keys()].sort((a, b) => a - b).map((year) => {
    const months = rows.get(year)!;
    return { year, months, totalUsd: months.reduce<number>((a, x) => a + (x ?? 0), 0) };
  });
}
