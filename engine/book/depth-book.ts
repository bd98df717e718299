/**
 * The order book of one instrument, market by price (issue 18, item 4):
 * resting size by price on each side, kept from depth updates (DepthUpdate)
 * as the brokers and the recorded files give them. The ladder reads sizes
 * from it. Prices are kept by tick index, so float prices from a feed
 * (SCID and DTC send float32) land on one level.
 */
import type { DepthUpdate } from '../domain.js';

/** One level: price points, size contracts. */
export interface DepthLevel {
  readonly price: number;
  readonly size: number;
}

/** Resting size by price, both sides. */
export class DepthBook {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  /** Market time of the last update applied, Unix ms (NaN before any). */
  updatedTs = Number.NaN;

  constructor(private readonly tickSize: number) {}

  /** Whether the book holds any level. */
  get empty(): boolean {
    return this.bids.size === 0 && this.asks.size === 0;
  }

  /** Applies updates in order at market time `ts` (Unix ms). A size of 0 (or below) removes the level. */
  apply(updates: readonly DepthUpdate[], ts: number): void {
    for (const u of updates) {
      if (u.side === 'clear') {
        this.bids.clear();
        this.asks.clear();
        continue;
      }
      const book = u.side === 'bid' ? this.bids : this.asks;
      const t = Math.round(u.price / this.tickSize);
      if (!(u.size > 0) || !Number.isFinite(u.price)) book.delete(t);
      else book.set(t, u.size);
    }
    this.updatedTs = ts;
  }

  /** Resting size at `price` (points) on `side`, 0 when none. */
  sizeAt(side: 'bid' | 'ask', price: number): number {
    return (side === 'bid' ? this.bids : this.asks).get(Math.round(price / this.tickSize)) ?? 0;
  }

  /** The best `n` levels of `side`: bids highest first, asks lowest first. */
  levels(side: 'bid' | 'ask', n: number): DepthLevel[] {
    const book = side === 'bid' ? this.bids : this.asks;
    const ticks = [...book.keys()].sort((a, b) => (side === 'bid' ? b - a : a - b)).slice(0, n);
    return ticks.map((t) => ({ price: t * this.tickSize, size: book.get(t)! }));
  }

  /** The best bid and ask, points (NaN when that side is empty). */
  best(): { readonly bid: number; readonly ask: number } {
    return { bid: this.levels('bid', 1)[0]?.price ?? Number.NaN, ask: this.levels('ask', 1)[0]?.price ?? Number.NaN };
  }

  /** The book as updates that rebuild it from empty: a clear, then every level (bids, then asks). */
  snapshot(): DepthUpdate[] {
    const out: DepthUpdate[] = [{ side: 'clear', price: 0, size: 0 }];
    for (const [side, book] of [['bid', this.bids], ['ask', this.asks]] as const) for (const [t, size] of book) out.push({ side, price: t * this.tickSize, size });
    return out;
  }
}
