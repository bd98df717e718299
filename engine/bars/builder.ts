/**
 * Builds time bars from trades, carrying bid volume, ask volume and delta.
 * Bars are aligned to multiples of the timeframe since the Unix epoch, which
 * puts 1m..1h boundaries on the CME's 18:00 ET and 09:30 ET session opens.
 */
import { TIMEFRAME_MS, type Bar, type Timeframe, type TradeTick } from '../domain.js';

/**
 * Accumulates trades into bars of one timeframe. A bar completes when a trade
 * of a later bar arrives, or when `closeDue(now)` is called at or after its
 * end (live feeds call it from a clock timer; a replay at the end of data).
 */
export class BarBuilder {
  readonly tf: Timeframe;
  private readonly spanMs: number;
  private ts = Number.NaN;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private bidVolume = 0;
  private askVolume = 0;
  private trades = 0;

  /** @param onBar called with each completed bar, in time order. */
  constructor(tf: Timeframe, private readonly onBar: (bar: Bar) => void) {
    this.tf = tf;
    this.spanMs = TIMEFRAME_MS[tf];
  }

  /** Open time (Unix ms) of the bar holding instant `ts`. */
  bucketOf(ts: number): number {
    return Math.floor(ts / this.spanMs) * this.spanMs;
  }

  /** Adds a trade; completes the forming bar first when the trade belongs to a later one. */
  addTick(t: TradeTick): void {
    const bucket = Math.floor(t.tsEvent / this.spanMs) * this.spanMs;
    if (bucket !== this.ts) {
      if (!Number.isNaN(this.ts)) this.emit();
      this.ts = bucket;
      this.open = this.high = this.low = t.price;
      this.volume = this.bidVolume = this.askVolume = this.trades = 0;
    }
    const p = t.price;
    if (p > this.high) this.high = p;
    if (p < this.low) this.low = p;
    this.close = p;
    this.volume += t.size;
    this.trades += 1;
    if (t.side === 'buy') this.askVolume += t.size;
    else if (t.side === 'sell') this.bidVolume += t.size;
  }

  /** The bar being built, or null before the first trade or right after one completed. */
  forming(): Bar | null {
    return Number.isNaN(this.ts) ? null : this.snapshot();
  }

  /** Completes the forming bar if instant `now` (Unix ms) is at or past its end. */
  closeDue(now: number): void {
    if (!Number.isNaN(this.ts) && now >= this.ts + this.spanMs) this.emit();
  }

  /** Completes the forming bar whatever the time (end of data). */
  flush(): void {
    if (!Number.isNaN(this.ts)) this.emit();
  }

  private emit(): void {
    const bar = this.snapshot();
    this.ts = Number.NaN;
    this.onBar(bar);
  }

  private snapshot(): Bar {
    return {
      kind: 'bar',
      tf: this.tf,
      ts: this.ts,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      bidVolume: this.bidVolume,
      askVolume: this.askVolume,
      delta: this.askVolume - this.bidVolume,
      trades: this.trades,
      hasOrderFlow: true,
    };
  }
}
