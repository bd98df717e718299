/**
 * Average true range, Wilder's smoothing (J. Welles Wilder, "New Concepts in
 * Technical Trading Systems", 1978): TR = max(high - low, |high - prev close|,
 * |low - prev close|); the first ATR is the mean of the first n TRs, then
 * ATR = (ATR_prev x (n - 1) + TR) / n. Points. For the trade snapshots' market state.
 */
import type { Bar } from '../domain.js';

/** Streaming ATR over completed bars. */
export class Atr {
  private prevClose = Number.NaN;
  private count = 0;
  private sum = 0;
  private atr = Number.NaN;

  constructor(private readonly period = 14) {}

  /** Adds a completed bar; returns the ATR in points (NaN until `period` bars). */
  add(bar: Pick<Bar, 'high' | 'low' | 'close'>): number {
    const tr = Number.isNaN(this.prevClose) ? bar.high - bar.low : Math.max(bar.high - bar.low, Math.abs(bar.high - this.prevClose), Math.abs(bar.low - this.prevClose));
    this.prevClose = bar.close;
    this.count += 1;
    if (this.count < this.period) this.sum += tr;
    else if (this.count === this.period) this.atr = (this.sum + tr) / this.period;
    else this.atr = (this.atr * (this.period - 1) + tr) / this.period;
    return this.atr;
  }

  /** The current ATR in points, NaN until `period` bars. */
  get value(): number {
    return this.atr;
  }
}
