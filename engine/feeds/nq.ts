/**
 * NQ's closes for es_nq_correlation (battle-navale.md section 7), as of each
 * ES bar's open time (NqCloses): from an NQ bar file beside the ES file
 * (backtests and replays, issue 17 item 10), or from live NQ trades (the
 * Interactive Brokers feed streams NQ beside ES). A missing NQ bar takes the
 * last close before it, at most NQ_CARRY_BARS bars back; a longer hole
 * leaves the feature neutral.
 */
import { TIMEFRAME_MS, type Instrument, type Timeframe } from '../domain.js';
import { openFeed } from './index.js';
import { FeedError, RejectionLog } from './rejections.js';

/** A series' close as of a bar's open time (structurally the method's NqCloses, engine/method/context.ts). */
export interface BarCloses {
  /** The close, points, of the last bar opening at or before `ts` (Unix ms) within the carry; undefined without one. */
  closeAt(ts: number): number | undefined;
}

/** A missing NQ bar takes the last close before it, at most this many bars back. */
export const NQ_CARRY_BARS = 5;

/** Bar open times (Unix ms, ascending) and their closes, points. */
class CloseSeries implements BarCloses {
  readonly times: number[] = [];
  readonly closes: number[] = [];
  constructor(private readonly carryMs: number) {}

  /** The close of the last NQ bar opening at or before `ts`, if it is at most NQ_CARRY_BARS bars old. */
  closeAt(ts: number): number | undefined {
    const times = this.times;
    let lo = 0;
    let hi = times.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= ts) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && ts - times[at]! <= this.carryMs ? this.closes[at] : undefined;
  }
}

/**
 * The closes of an NQ bar file at the run's timeframe (its own rejections
 * are not the run's: an NQ file's bad bar costs only that bar's correlation).
 * @throws FeedError when the file cannot be read, or holds ticks, not bars.
 */
export async function nqClosesOfFile(file: string, instrument: Instrument, timeframe: Timeframe, timeZone: string): Promise<BarCloses> {
  const feed = await openFeed(file, { instrument, barTimeframe: timeframe, timeZone, rejections: new RejectionLog() });
  if (feed.ticks) throw new FeedError(`${file}: an NQ file for es_nq_correlation must hold bars (CSV or JSONL), not ticks`);
  const s = new CloseSeries(NQ_CARRY_BARS * TIMEFRAME_MS[timeframe]);
  for await (const block of feed.blocks()) {
    for (const r of block) {
      if (r.kind !== 'bar') continue;
      s.times.push(r.ts);
      s.closes.push(r.close);
    }
  }
  return s;
}

/**
 * NQ's closes built from live trades at the run's timeframe: a trade goes to
 * the bar its time falls in (UTC-aligned, as the ES bars), its price that
 * bar's close so far. A trade stamped before the last bar's open is late and
 * counts in the last bar.
 */
export class LiveNqCloses implements BarCloses {
  private readonly s: CloseSeries;
  private readonly barMs: number;
  /** Trades taken. */
  trades = 0;

  constructor(timeframe: Timeframe) {
    this.barMs = TIMEFRAME_MS[timeframe];
    this.s = new CloseSeries(NQ_CARRY_BARS * this.barMs);
  }

  /** One NQ trade: time Unix ms, price points. */
  onTrade(tsMs: number, price: number): void {
    if (!Number.isFinite(tsMs) || !(price > 0)) return;
    this.trades += 1;
    const open = Math.floor(tsMs / this.barMs) * this.barMs;
    const last = this.s.times.length - 1;
    if (last >= 0 && open <= this.s.times[last]!) this.s.closes[last] = price;
    else {
      this.s.times.push(open);
      this.s.closes.push(price);
    }
  }

  closeAt(ts: number): number | undefined {
    return this.s.closeAt(ts);
  }
}
