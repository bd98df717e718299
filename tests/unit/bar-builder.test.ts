/** Bars from trades: OHLC, volume, bid/ask volume and delta, per timeframe. */
import { describe, expect, it } from 'vitest';
import { BarBuilder } from '../../engine/bars/builder';
import type { AggressorSide, Bar, TradeTick } from '../../engine/domain';

const T0 = Date.UTC(2023, 9, 2, 13, 30); // 09:30 ET
const tick = (sec: number, price: number, size: number, side: AggressorSide): TradeTick => ({ kind: 'tick', tsEvent: T0 + sec * 1000, price, size, side, bid: Number.NaN, ask: Number.NaN });

describe('BarBuilder', () => {
  it('builds 1m bars with bid volume, ask volume and delta', () => {
    const bars: Bar[] = [];
    const b = new BarBuilder('1m', (x) => bars.push(x));
    b.addTick(tick(0, 4300, 5, 'buy'));
    b.addTick(tick(10, 4301, 2, 'buy'));
    b.addTick(tick(20, 4299.5, 4, 'sell'));
    b.addTick(tick(59, 4300.25, 1, 'unknown'));
    expect(bars).toHaveLength(0);
    b.addTick(tick(60, 4300.5, 3, 'sell')); // next minute completes the first bar
    expect(bars).toEqual([
      { kind: 'bar', tf: '1m', ts: T0, open: 4300, high: 4301, low: 4299.5, close: 4300.25, volume: 12, bidVolume: 4, askVolume: 7, delta: 3, trades: 4, hasOrderFlow: true },
    ]);
    b.flush();
    expect(bars[1]).toMatchObject({ ts: T0 + 60_000, open: 4300.5, close: 4300.5, volume: 3, bidVolume: 3, delta: -3 });
  });

  it('aligns 5m, 15m and 1h bars to the clock', () => {
    const at = 30 * 60; // 10:00 ET, a boundary of every timeframe
    for (const [tf, span] of [['5m', 300], ['15m', 900], ['1h', 3600]] as const) {
      const bars: Bar[] = [];
      const b = new BarBuilder(tf, (x) => bars.push(x));
      b.addTick(tick(at - 1, 4299, 1, 'sell')); // 09:59:59: the bar before
      b.addTick(tick(at, 4300, 1, 'buy'));
      b.addTick(tick(at + span - 1, 4302, 1, 'buy'));
      b.addTick(tick(at + span, 4303, 1, 'sell'));
      expect(bars).toHaveLength(2);
      expect(bars[1]).toMatchObject({ ts: T0 + at * 1000, open: 4300, high: 4302, volume: 2 });
    }
  });

  it('completes a bar on a timer once its end has passed', () => {
    const bars: Bar[] = [];
    const b = new BarBuilder('1m', (x) => bars.push(x));
    b.addTick(tick(5, 4300, 1, 'buy'));
    b.closeDue(T0 + 59_999);
    expect(bars).toHaveLength(0);
    b.closeDue(T0 + 60_000);
    expect(bars).toHaveLength(1);
    expect(b.forming()).toBeNull();
  });
});
