/**
 * The bars of a real data file as the engine's feed reads them: the expected
 * values of the live tests (a peer streams them as trades; what the client or
 * the run rebuilds must equal them).
 */
import { ES, type Bar, type MarketRecord } from '../../engine/domain.js';
import { openFeed } from '../../engine/feeds/index.js';
import { RejectionLog } from '../../engine/feeds/rejections.js';
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
