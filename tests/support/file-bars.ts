/**
 * The bars of a real data file as the engine's feed reads them, the expected
 * values of the live tests (a peer streams them as trades; what the client or
 * the run rebuilds must equal them), and the bars a client's trades build.
 */
import { BarBuilder } from '../../engine/bars/builder.js';
import { ES, type Bar, type MarketRecord } from '../../engine/domain.js';
import { openFeed } from '../../engine/feeds/index.js';
import { RejectionLog } from '../../engine/feeds/rejections.js';
import type { LiveTrade } from '../../engine/live/types.js';
import { REAL_CSV } from './paths.js';

/** The first `limit` 1-minute bars of `file` (the real ES CSV by default), as ES. */
export async function fileBars(limit = Number.POSITIVE_INFINITY, file = REAL_CSV): Promise<Bar[]> {
  const feed = await openFeed(file, { instrument: ES, barTimeframe: '1m', timeZone: ES.timeZone, rejections: new RejectionLog() });
  const out: Bar[] = [];
  for await (const block of feed.blocks()) {
    for (const r of block as MarketRecord[]) if (r.kind === 'bar' && out.length < limit) out.push(r);
    if (out.length >= limit) break;
  }
  return out;
}

/** A bar as the assertions compare it: [open time (Unix ms), open, high, low, close, volume]. */
export const ohlcv = (b: Pick<Bar, 'ts' | 'open' | 'high' | 'low' | 'close' | 'volume'>): number[] => [b.ts, b.open, b.high, b.low, b.close, b.volume];

/** The 1-minute bars a client's trades build (the engine's bar builder; no quotes). */
export function barsOfTrades(trades: readonly LiveTrade[]): Bar[] {
  const built: Bar[] = [];
  const builder = new BarBuilder('1m', (b) => built.push(b));
  for (const t of trades) builder.addTick({ kind: 'tick', tsEvent: t.tsEvent, price: t.price, size: t.size, side: t.side, bid: Number.NaN, ask: Number.NaN });
  builder.flush();
  return built;
}
