/**
 * The recent completed decision bars the method looks back over, in a fixed
 * ring (no allocation per bar), with each bar's avgVol20 as it stood when the
 * bar closed (battle-navale.md preamble: the mean volume of the 20 completed
 * bars before bar i; fewer: the mean of those; none: bar i's own volume).
 *
 * Indexing is from the newest: `ago = 0` is the bar just completed. Nothing
 * here can see a bar that has not been pushed, so nothing built on it can look
 * ahead.
 */
import type { Bar } from '../domain.js';

const CAPACITY = 64; // >= the longest lookback (30 swing bars + 2, 20 + 1 returns, 15 base + 1)
const MASK = CAPACITY - 1;

/** Ring of the last 64 completed bars. */
export class BarHistory {
  /** Bars pushed since the start (the index of the next bar). */
  count = 0;
  private readonly bars: Bar[] = new Array<Bar>(CAPACITY);
  private readonly avgVol = new Float64Array(CAPACITY);
  private readonly volumeWindow: number;
  private volumeSum = 0;

  /** @param avgVolumeBars bars in the avgVol mean (20). */
  constructor(avgVolumeBars = 20) {
    if (avgVolumeBars >= CAPACITY) throw new RangeError(`avgVolumeBars must be below ${CAPACITY}`);
    this.volumeWindow = avgVolumeBars;
  }

  /** Appends a completed bar and records its avgVol20. */
  push(bar: Bar): void {
    const n = Math.min(this.count, this.volumeWindow);
    const slot = this.count & MASK;
    this.avgVol[slot] = n === 0 ? bar.volume : this.volumeSum / n;
    this.bars[slot] = bar;
    this.volumeSum += bar.volume;
    if (this.count >= this.volumeWindow) this.volumeSum -= this.bars[(this.count - this.volumeWindow) & MASK]!.volume;
    this.count += 1;
  }

  /** Bars available, capped at the ring's size. */
  get length(): number {
    return Math.min(this.count, CAPACITY);
  }

  /**
   * The bar `ago` bars back (0 = newest).
   * @throws RangeError when that bar is not held.
   */
  at(ago: number): Bar {
    if (ago < 0 || ago >= this.length) throw new RangeError(`bar ${ago} back is not in the history (${this.length} held)`);
    return this.bars[(this.count - 1 - ago) & MASK]!;
  }

  /** avgVol20 of the bar `ago` back, contracts. */
  avgVolumeAt(ago: number): number {
    if (ago < 0 || ago >= this.length) throw new RangeError(`bar ${ago} back is not in the history (${this.length} held)`);
    return this.avgVol[(this.count - 1 - ago) & MASK]!;
  }

  /** Series index of the bar `ago` back (0 = the first bar ever pushed). */
  indexOf(ago: number): number {
    return this.count - 1 - ago;
  }

  /** The bar with series index `index`, if still held. */
  byIndex(index: number): Bar {
    return this.at(this.count - 1 - index);
  }
}

/**
 * Least-squares slope of `n` values `value(k)`, k = 0 oldest .. n-1 newest, per
 * step. 0 when n < 2.
 */
export function regressionSlope(n: number, value: (k: number) => number): number {
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  let meanY = 0;
  for (let k = 0; k < n; k++) meanY += value(k);
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < n; k++) {
    const dx = k - meanX;
    sxy += dx * (value(k) - meanY);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

/** x clamped to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
