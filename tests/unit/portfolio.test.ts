/** Portfolio arithmetic (issue 4, item 2) on hand-made fills, ES at $50 a point. */
import { describe, expect, it } from 'vitest';
import { Portfolio } from '../../engine/portfolio/portfolio';
import type { Fill } from '../../engine/venue/orders';

const pf = () => new Portfolio({ pointValueUsd: 50, tickSize: 0.25, startingEquityUsd: 10_000 });
const fill = (side: 'BUY' | 'SELL', qty: number, price: number): Fill => ({ orderId: 'x', role: 'entry', side, qty, price, ts: 0, slippageTicks: 0, commissionUsd: 2.25 * qty });

describe('Portfolio', () => {
  it('averages adds and realizes on reductions', () => {
    const p = pf();
    p.onFill(fill('BUY', 1, 100));
    p.onFill(fill('BUY', 1, 101)); // avg 100.5
    expect([p.qty, p.avgPrice]).toEqual([2, 100.5]);
    // sell 1 at 102: +1.5 points x 1 x $50 = $75
    expect(p.onFill(fill('SELL', 1, 102))).toMatchObject({ qty: 1, avgPrice: 100.5, realizedUsd: 75, realizedPoints: 1.5, closedQty: 1 });
    // mark at 99.5: unrealized (99.5 - 100.5) x 1 x 50 = -50, -4 ticks
    p.mark(99.5);
    expect(p.unrealizedUsd()).toBe(-50);
    expect(p.unrealizedTicks()).toBe(-4);
    // equity = 10000 + 75 - 3 x 2.25 - 50 = 10018.25
    expect(p.equityUsd()).toBeCloseTo(10_018.25, 9);
  });

  it('a short realizes (average - exit)', () => {
    const p = pf();
    p.onFill(fill('SELL', 2, 4300));
    expect(p.onFill(fill('BUY', 2, 4297.75))).toMatchObject({ qty: 0, realizedUsd: 2 * 2.25 * 50 });
    expect(p.avgPrice).toBeNaN();
    expect(p.unrealizedUsd()).toBe(0);
  });

  it('a fill through zero closes the position and opens the rest at the fill price', () => {
    const p = pf();
    p.onFill(fill('BUY', 1, 100));
    // sell 3 at 102: close 1 for +2 points ($100), then short 2 at 102
    expect(p.onFill(fill('SELL', 3, 102))).toMatchObject({ qty: -2, avgPrice: 102, realizedUsd: 100, closedQty: 1 });
  });

  it('tracks the peak and the maximum drawdown of equity', () => {
    const p = pf();
    p.onFill(fill('BUY', 1, 100)); // equity 9997.75 (commission)
    p.mark(102); // +100 -> 10097.75, the peak
    p.mark(99); // -50 -> 9947.75: drawdown 150
    p.mark(101); // 10047.75: drawdown now 50, max still 150
    expect(p.peakEquityUsd).toBeCloseTo(10_097.75, 9);
    expect(p.drawdownUsd()).toBeCloseTo(50, 9);
    expect(p.maxDrawdownUsd).toBeCloseTo(150, 9);
  });
});
