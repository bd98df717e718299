/**
 * Session VWAP with standard-deviation bands (battle-navale.md section 6):
 * VWAP = sum(v * p) / sum(v); sigma^2 = sum(v * p^2) / sum(v) - VWAP^2;
 * bands VWAP +- k * sigma for k = 1, 2, 3. p is the trade price, or the
 * typical price (H + L + C) / 3 for bars. O(1) per update.
 */

/** Incremental volume-weighted average price of one session. */
export class SessionVwap {
  private sumV = 0;
  private sumPV = 0;
  private sumP2V = 0;
  /**
   * Prices are accumulated relative to the session's first price, so the
   * variance is not the difference of two numbers near 2e7 (ES squared).
   */
  private ref = Number.NaN;

  /** Adds `volume` traded at `price` (points). Zero volume changes nothing. */
  add(price: number, volume: number): void {
    if (volume <= 0) return;
    if (Number.isNaN(this.ref)) this.ref = price;
    const d = price - this.ref;
    this.sumV += volume;
    this.sumPV += d * volume;
    this.sumP2V += d * d * volume;
  }

  /** Adds a bar at its typical price (H + L + C) / 3. */
  addBar(high: number, low: number, close: number, volume: number): void {
    this.add((high + low + close) / 3, volume);
  }

  /** Session volume so far. */
  get volume(): number {
    return this.sumV;
  }

  /** VWAP in points, or NaN before any volume. */
  get vwap(): number {
    return this.sumV > 0 ? this.ref + this.sumPV / this.sumV : Number.NaN;
  }

  /** Volume-weighted standard deviation of price, points; NaN before any volume. */
  get sigma(): number {
    if (this.sumV <= 0) return Number.NaN;
    const mean = this.sumPV / this.sumV;
    const variance = this.sumP2V / this.sumV - mean * mean;
    return variance > 0 ? Math.sqrt(variance) : 0;
  }
}
