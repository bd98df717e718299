/**
 * The simulated venue (issue 4, item 1): each order type's fills on hand-made
 * bars and ticks, brackets and OCA, the pessimistic stop-first rule,
 * slippage and commission.
 */
import { describe, expect, it } from 'vitest';
import type { TradeTick } from '../../engine/domain';
import { barPath, SimulatedVenue } from '../../engine/venue/sim';
import { OrderError } from '../../engine/venue/orders';
import { bars, type BarSpec } from '../support/bars';

const venue = () => new SimulatedVenue({ tickSize: 0.25 });
const bar = (spec: BarSpec) => bars([spec])[0]!;
const tick = (price: number, tsEvent: number): TradeTick => ({ kind: 'tick', tsEvent, price, size: 1, side: 'unknown', bid: Number.NaN, ask: Number.NaN });

describe('bar path', () => {
  it('goes open -> nearer extreme -> farther extreme -> close, the high first on a tie', () => {
    expect(barPath({ open: 100, high: 101, low: 98, close: 99 })).toEqual([100, 101, 98, 99]);
    expect(barPath({ open: 100, high: 102, low: 99.5, close: 101 })).toEqual([100, 99.5, 102, 101]);
    expect(barPath({ open: 100, high: 101, low: 99, close: 100 })).toEqual([100, 101, 99, 100]);
  });
});

describe('orders on bars', () => {
  it('market: the next bar open with 1 tick of slippage and 2.25 USD a side', () => {
    const v = venue();
    v.submit({ side: 'BUY', type: 'MARKET', qty: 2 }, 0);
    const [f] = v.onBar(bar([100, 101, 99, 100.5, 10]));
    expect(f).toMatchObject({ side: 'BUY', qty: 2, price: 100.25, slippageTicks: 1, commissionUsd: 4.5 });
    const s = venue();
    s.submit({ side: 'SELL', type: 'MARKET', qty: 1 }, 0);
    expect(s.onBar(bar([100, 101, 99, 100.5, 10]))[0]!.price).toBe(99.75);
  });

  it('limit: at its price when the path reaches it, at the open when the bar gaps through', () => {
    const v = venue();
    const o = v.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99 }, 0);
    expect(v.onBar(bar([100, 100.5, 99.25, 100, 10]))).toEqual([]); // never reaches 99
    expect(v.onBar(bar([100, 101, 98, 100, 10]))[0]).toMatchObject({ orderId: o.id, price: 99, slippageTicks: 0 });
    const g = venue();
    g.submit({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99 }, 0);
    expect(g.onBar(bar([98.5, 99.5, 98, 99, 10]))[0]!.price).toBe(98.5);
  });

  it('stop: triggered at its price plus 1 tick, or at the gapped open plus 1 tick', () => {
    const v = venue();
    v.submit({ side: 'BUY', type: 'STOP', qty: 1, price: 101 }, 0);
    expect(v.onBar(bar([100, 101.5, 99.75, 101, 10]))[0]!.price).toBe(101.25);
    const g = venue();
    g.submit({ side: 'SELL', type: 'STOP', qty: 1, price: 98 }, 0);
    expect(g.onBar(bar([97, 97.5, 96.5, 97.25, 10]))[0]).toMatchObject({ price: 96.75, slippageTicks: 1 });
  });

  it('bracket: the legs work from the entry fill; the target fills and OCA cancels the stop', () => {
    const v = venue();
    const b = v.submitBracket({ side: 'BUY', qty: 1, entryType: 'MARKET', stop: 99, target: 100.5 }, 0);
    expect(b.stop.status).toBe('PENDING');
    // path 100 -> 99.75 -> 101 -> 100.75: entry 100.25 at the open, target 100.5 on the way up, the stop never reached
    const fills = v.onBar(bar([100, 101, 99.75, 100.75, 10]));
    expect(fills.map((f) => [f.role, f.price])).toEqual([
      ['entry', 100.25],
      ['target', 100.5],
    ]);
    expect(v.order(b.stop.id)).toMatchObject({ status: 'CANCELLED', cancelReason: `OCA: ${b.target.id} filled` });
    expect(v.open()).toEqual([]);
  });

  it('a stop and a target inside one bar resolve pessimistically: the stop fills', () => {
    const v = venue();
    const b = v.submitBracket({ side: 'BUY', qty: 1, entryType: 'MARKET', stop: 98.5, target: 100.5 }, 0);
    // path 100 -> 100.5 (target first) -> 98 (stop) -> 99: both reached, the stop wins at 98.5 - 1 tick
    const fills = v.onBar(bar([100, 100.5, 98, 99, 10]));
    expect(fills.map((f) => [f.role, f.price])).toEqual([
      ['entry', 100.25],
      ['stop', 98.25],
    ]);
    expect(v.order(b.target.id)!.status).toBe('CANCELLED');
  });

  it('a limit entry bracket: the legs start where the entry filled, not at the open', () => {
    const v = venue();
    v.submitBracket({ side: 'SELL', qty: 1, entryType: 'LIMIT', entryPrice: 101, stop: 102, target: 99.5 }, 0);
    // path 100 -> 101.25 (entry at 101) -> 98.5 (target 99.5 reached after the entry) -> 99
    // the stop at 102 is never reached: the target fills
    const fills = v.onBar(bar([100, 101.25, 98.5, 99, 10]));
    expect(fills.map((f) => [f.role, f.price])).toEqual([
      ['entry', 101],
      ['target', 99.5],
    ]);
  });

  it('a leg is not filled by the part of the bar before its entry filled', () => {
    const v = venue();
    const b = v.submitBracket({ side: 'SELL', qty: 1, entryType: 'LIMIT', entryPrice: 101, stop: 102, target: 99.5 }, 0);
    // path 100 -> 99 (the target price, but before the entry) -> 101.5 (entry at 101) -> 100: only the entry fills
    expect(v.onBar(bar([100, 101.5, 99, 100, 10])).map((f) => f.role)).toEqual(['entry']);
    expect([v.order(b.stop.id)!.status, v.order(b.target.id)!.status]).toEqual(['WORKING', 'WORKING']);
  });

  it('cancelling an entry cancels its pending legs', () => {
    const v = venue();
    const b = v.submitBracket({ side: 'BUY', qty: 1, entryType: 'LIMIT', entryPrice: 95, stop: 94, target: 97 }, 0);
    expect(v.cancel(b.entry.id)).toBe(true);
    expect([v.order(b.stop.id)!.status, v.order(b.target.id)!.status]).toEqual(['CANCELLED', 'CANCELLED']);
    expect(v.cancel(b.entry.id)).toBe(false);
  });
});

describe('orders on ticks', () => {
  it('fills on trades; bracket legs work from the next trade; OCA cancels the other leg', () => {
    const v = venue();
    const b = v.submitBracket({ side: 'BUY', qty: 1, entryType: 'LIMIT', entryPrice: 100, stop: 99.5, target: 101 }, 0);
    expect(v.onTick(tick(100.25, 1))).toEqual([]);
    expect(v.onTick(tick(100, 2))[0]).toMatchObject({ role: 'entry', price: 100, ts: 2 });
    expect(v.onTick(tick(100.5, 3))).toEqual([]);
    expect(v.onTick(tick(99.5, 4))[0]).toMatchObject({ role: 'stop', price: 99.25, slippageTicks: 1 });
    expect(v.order(b.target.id)!.status).toBe('CANCELLED');
  });

  it('a market order fills on the next trade with slippage', () => {
    const v = venue();
    v.submit({ side: 'SELL', type: 'MARKET', qty: 1 }, 0);
    expect(v.onTick(tick(4300, 5))[0]).toMatchObject({ price: 4299.75, ts: 5, commissionUsd: 2.25 });
  });
});

describe('bad orders', () => {
  it('name the field', () => {
    const v = venue();
    expect(() => v.submit({ side: 'BUY', type: 'MARKET', qty: 0 }, 0)).toThrow(/"qty" must be a positive whole number/);
    expect(() => v.submit({ side: 'BUY', type: 'LIMIT', qty: 1 }, 0)).toThrow(/"price" is required for a LIMIT order/);
    expect(() => v.submit({ side: 'BUY', type: 'STOP', qty: 1, price: 100.1 }, 0)).toThrow(OrderError);
    expect(() => v.submitBracket({ side: 'BUY', qty: 1, entryType: 'MARKET', stop: 101, target: 99 }, 0)).toThrow(/"target" 99 must be on the profit side/);
    expect(() => v.submit({ side: 'SELL', type: 'STOP', qty: 1, price: 99, parentId: 'nope' }, 0)).toThrow(/"parentId" nope/);
  });
});
