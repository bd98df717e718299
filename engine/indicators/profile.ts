/**
 * Session volume profile with POC, VAH and VAL (battle-navale.md section 6,
 * "Volume profile"): one row per tick; a trade's size goes to its price's row;
 * a bar's volume is spread evenly over the rows from its low to its high
 * inclusive. POC = the row of most volume, ties to the row nearest the middle
 * of the session's range, then to the lower price. Value area by the CME
 * two-row rule to 70% of the session's volume.
 *
 * Cost: an update touches only its rows, and keeps the POC candidates (the
 * rows tied at the maximum) current, so the POC costs O(ties). The value area
 * expands from the POC when asked: O(rows in the value area), never a pass
 * over the session's bars.
 */

/** POC, VAH and VAL of a profile, in points. */
export interface ValueArea {
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
  /** Volume inside the value area. */
  readonly volume: number;
}

/** Relative tolerance for volume ties: bar volume spread over rows is fractional. */
const TIE_TOLERANCE = 1e-9;

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= TIE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), 1);
}

/** The volume at each price of one session. Prices in points, volume in contracts. */
export class VolumeProfile {
  readonly tickSize: number;
  /** Fraction of session volume in the value area (0.7, section 6). */
  readonly valueAreaShare: number;
  private rows = new Float64Array(256);
  /** Tick index (price / tickSize) of rows[0]. */
  private base = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private total = 0;
  private maxVolume = 0;
  /** Tick indices of the rows holding `maxVolume`. */
  private maxRows: number[] = [];

  constructor(tickSize: number, valueAreaShare = 0.7) {
    this.tickSize = tickSize;
    this.valueAreaShare = valueAreaShare;
  }

  /** Total volume of the session. */
  get volume(): number {
    return this.total;
  }

  /** Lowest and highest traded prices (points), or null when empty. */
  range(): { low: number; high: number } | null {
    return this.lo <= this.hi ? { low: this.lo * this.tickSize, high: this.hi * this.tickSize } : null;
  }

  /** Volume of the row at `price` (points). */
  volumeAt(price: number): number {
    return this.rowVolume(Math.round(price / this.tickSize));
  }

  /** Adds `size` traded at `price` (points). */
  addTrade(price: number, size: number): void {
    const t = Math.round(price / this.tickSize);
    this.cover(t, t);
    this.addRow(t, size);
    this.total += size;
  }

  /** Spreads a bar's `volume` evenly over its rows, `low` to `high` inclusive. */
  addBar(low: number, high: number, volume: number): void {
    const lo = Math.round(low / this.tickSize);
    const hi = Math.round(high / this.tickSize);
    this.cover(lo, hi);
    const each = volume / (hi - lo + 1);
    for (let t = lo; t <= hi; t++) this.addRow(t, each);
    this.total += volume;
  }

  /** Point of control (points), or NaN when the profile has no volume. */
  poc(): number {
    const t = this.pocTick();
    return Number.isNaN(t) ? Number.NaN : t * this.tickSize;
  }

  /**
   * POC, VAH and VAL by the two-row rule: start at the POC row; while the area
   * holds less than 70% of the volume, compare the two rows just above the
   * area with the two just below (a missing row counts 0), add the pair with
   * more volume, both pairs on a tie, and the other side's pair when one side
   * has no rows left. Null when the profile has no volume.
   */
  valueArea(): ValueArea | null {
    const poc = this.pocTick();
    if (Number.isNaN(poc)) return null;
    const target = this.total * this.valueAreaShare;
    let top = poc;
    let bottom = poc;
    let area = this.rowVolume(poc);
    while (area < target && !nearlyEqual(area, target)) {
      const upLeft = top < this.hi;
      const downLeft = bottom > this.lo;
      if (!upLeft && !downLeft) break;
      const up = upLeft ? this.rowVolume(top + 1) + (top + 2 <= this.hi ? this.rowVolume(top + 2) : 0) : 0;
      const down = downLeft ? this.rowVolume(bottom - 1) + (bottom - 2 >= this.lo ? this.rowVolume(bottom - 2) : 0) : 0;
      const tie = upLeft && downLeft && nearlyEqual(up, down);
      if (upLeft && (!downLeft || tie || up > down)) {
        top = Math.min(top + 2, this.hi);
        area += up;
      }
      if (downLeft && (!upLeft || tie || down > up)) {
        bottom = Math.max(bottom - 2, this.lo);
        area += down;
      }
    }
    return { poc: poc * this.tickSize, vah: top * this.tickSize, val: bottom * this.tickSize, volume: area };
  }

  private pocTick(): number {
    const n = this.maxRows.length;
    if (n === 0 || this.total <= 0) return Number.NaN;
    if (n === 1) return this.maxRows[0] as number;
    const mid = (this.lo + this.hi) / 2;
    let best = this.maxRows[0] as number;
    for (let i = 1; i < n; i++) {
      const t = this.maxRows[i] as number;
      const d = Math.abs(t - mid);
      const bd = Math.abs(best - mid);
      if (d < bd || (d === bd && t < best)) best = t;
    }
    return best;
  }

  private rowVolume(t: number): number {
    const i = t - this.base;
    return i >= 0 && i < this.rows.length ? (this.rows[i] as number) : 0;
  }

  private addRow(t: number, v: number): void {
    const i = t - this.base;
    const nv = (this.rows[i] as number) + v;
    this.rows[i] = nv;
    if (nv > this.maxVolume && !nearlyEqual(nv, this.maxVolume)) {
      this.maxVolume = nv;
      this.maxRows = [t];
    } else if (nearlyEqual(nv, this.maxVolume) && !this.maxRows.includes(t)) {
      this.maxRows.push(t);
    }
  }

  /** Makes rows lo..hi addressable and widens the traded range. */
  private cover(lo: number, hi: number): void {
    if (this.lo > this.hi) {
      // First update: centre the buffer on it.
      this.base = lo - (this.rows.length >> 1);
    }
    if (lo < this.base || hi >= this.base + this.rows.length) {
      const newLo = Math.min(lo, this.lo, this.base) - 64;
      const newHi = Math.max(hi, this.hi, this.base + this.rows.length - 1) + 64;
      const size = Math.max(newHi - newLo + 1, this.rows.length * 2);
      const grown = new Float64Array(size);
      grown.set(this.rows, this.base - newLo);
      this.rows = grown;
      this.base = newLo;
    }
    if (lo < this.lo) this.lo = lo;
    if (hi > this.hi) this.hi = hi;
  }
}
