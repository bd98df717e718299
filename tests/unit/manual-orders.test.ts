/**
 * The trader's own orders and position management (issue 18, items 2 and 3):
 * a ladder limit and a market entry with the ATM bracket, the risk check they
 * pass, a stop or target or entry moved by a drag, Cancel all, Flatten and
 * Reverse against the simulated venue and against a broker that confirms
 * late, and breakeven, trailing, the time exit and the flatten before the
 * close on hand-made bars (the arithmetic in the comments). ES: tick 0.25
 * point = 12.50 USD; the simulated venue fills market and stop orders 1 tick
 * worse and charges 2.25 USD a side.
 */
import { describe, expect, it } from 'vitest';
import { managedStop, NO_MANAGEMENT, type PositionManagement } from '../../engine/execution/management';
import { BrokerVenue } from '../../engine/venue/broker';
import { T0 } from '../support/bars';
import { at, type Journal, MIN, PartsBroker, rig, type Rig } from '../support/trader-rig';

const events = (r: { journal: Journal }, kind: string) => r.journal.events.filter((e) => e.kind === kind).map((e) => e.detail);

/** A rig whose last price is 100 (one bar seen). */
function atHundred(management?: Partial<PositionManagement>) {
  const r = rig(management === undefined ? {} : { management: { ...NO_MANAGEMENT, ...management } });
  r.bar(at(0, [100, 100.5, 99.5, 100, 10]));
  return r;
}

describe('a ladder order with the ATM bracket (simulated venue)', () => {
  it('a buy limit at 99.50 goes out with its stop 8 ticks under and its target 16 over, fills, and books the target', () => {
    const r = atHundred();
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99.5, stopTicks: 8, targetTicks: 16 });
    // 99.50 - 8 x 0.25 = 97.50; 99.50 + 16 x 0.25 = 103.50.
    expect(r.venue.open().map((o) => [o.role, o.type, o.side, o.price, o.status])).toEqual([
      ['entry', 'LIMIT', 'BUY', 99.5, 'WORKING'],
      ['stop', 'STOP', 'SELL', 97.5, 'PENDING'],
      ['target', 'LIMIT', 'SELL', 103.5, 'PENDING'],
    ]);
    expect(tr).toMatchObject({ source: 'manual', signal: null, plan: { side: 'LONG', entry: 99.5, stop: 97.5, target: 103.5 } });
    expect(events(r, 'order.manual')).toEqual([
      { tradeId: tr.id, who: 'trader', via: 'ladder', side: 'BUY', type: 'LIMIT', qty: 1, price: 99.5, stop: 97.5, target: 103.5, riskUsd: 100, order: { side: 'BUY', type: 'LIMIT', qty: 1, price: 99.5, stopTicks: 8, targetTicks: 16 } },
    ]);
    expect(r.journal.snapshots.find((s) => s.kind === 'DECISION')?.data).toMatchObject({ decision: null, approval: { status: 'MANUAL', who: 'trader', contracts: 1, riskUsd: 100 } });
    // Path 100 -> 100.25 -> 99.25 -> 99.75: the limit fills at 99.50 on the way down.
    r.bar(at(1, [100, 100.25, 99.25, 99.75, 10]));
    expect(tr).toMatchObject({ entryPrice: 99.5, entryQty: 1 });
    // Path 100 -> 99.75 -> 103.75: the target fills at 103.50. 16 ticks x 12.50 = 200 - 2 x 2.25 = 195.50.
    r.bar(at(2, [100, 103.75, 99.75, 103.5, 10]));
    expect(tr).toMatchObject({ exitReason: 'target', exitPrice: 103.5, pnlTicks: 16, pnlUsd: 195.5 });
    expect(r.trader.riskState().tradesToday).toBe(1);
  });

  it('a market buy is sized on the last price and its bracket moves to the same ticks from the fill', () => {
    const r = atHundred();
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 2, stopTicks: 4, targetTicks: 16 });
    expect(tr.plan).toEqual({ side: 'LONG', entry: 100, stop: 99, target: 104 });
    // The next bar opens at 100.25: filled at 100.50 (1 tick of slippage); stop 100.50 - 1.00 = 99.50, target 104.50.
    r.bar(at(1, [100.25, 100.5, 100, 100.25, 10]));
    expect(tr).toMatchObject({ entryPrice: 100.5, plan: { stop: 99.5, target: 104.5 } });
    expect(r.venue.order(tr.stopOrderId)?.price).toBe(99.5);
    expect(r.venue.order(tr.targetOrderId)?.price).toBe(104.5);
    expect(events(r, 'order.modified').map((e) => [e.role, e.from, e.to, e.who])).toEqual([
      ['stop', 99, 99.5, 'atm'],
      ['target', 104, 104.5, 'atm'],
    ]);
  });

  it('passes the same risk check as the method: size, per-trade risk, open positions, the kill switch; and a stop entry must not fill at once', () => {
    const r = atHundred();
    // 3 contracts: over the 2 per entry.
    expect(() => r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 3, stopTicks: 4, targetTicks: 8 })).toThrow(/refused \(size\): 3 contracts, the limit per entry is 2/);
    // 12 ticks x 12.50 = 150 USD over the 100 USD limit; the trader's size is refused, not reduced.
    expect(() => r.trader.placeOrder({ side: 'SELL', type: 'MARKET', qty: 1, stopTicks: 12, targetTicks: 24 })).toThrow(/refused \(risk-per-trade\): 1 contract\(s\) at 12 ticks risk 150.00 USD, over the 100 USD limit/);
    expect(() => r.trader.placeOrder({ side: 'BUY', type: 'STOP', qty: 1, price: 99.75, stopTicks: 4, targetTicks: 8 })).toThrow(/a buy stop at 99.75 is not above the last price 100: it would fill at once/);
    expect(() => r.trader.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99.6, stopTicks: 4, targetTicks: 8 })).toThrow(/off the 0.25 tick grid/);
    r.trader.placeOrder({ side: 'BUY', type: 'STOP', qty: 1, price: 101, stopTicks: 4, targetTicks: 8 });
    expect(() => r.trader.placeOrder({ side: 'SELL', type: 'LIMIT', qty: 1, price: 101, stopTicks: 4, targetTicks: 8 })).toThrow(/refused \(open-position\): 1 position\(s\) open, the limit is 1/);
    r.trader.cancelAll();
    r.trader.trip('manual', 'test', 'trader');
    expect(() => r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 4, targetTicks: 8 })).toThrow(/refused \(kill-switch\)/);
    expect(events(r, 'risk.rejected').map((e) => e.reason)).toEqual(['size', 'risk-per-trade', 'order', 'open-position', 'kill-switch']);
  });
});

describe('a drag on the chart moves the order (modify)', () => {
  it('moves a stop, refuses one that would fill at once or risk too much, and a target past the stop', () => {
    const r = atHundred();
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99.5, stopTicks: 6, targetTicks: 16 });
    r.bar(at(1, [100, 100.25, 99.25, 99.75, 10])); // filled at 99.50, stop 98.00, target 103.50; last 99.75
    r.trader.modifyOrder(tr.stopOrderId, 98.75);
    expect(r.venue.order(tr.stopOrderId)?.price).toBe(98.75);
    expect(tr.plan.stop).toBe(98.75);
    expect(() => r.trader.modifyOrder(tr.stopOrderId, 99.75)).toThrow(/at or beyond the last price 99.75: it would fill at once/);
    // 99.50 - 97.75 = 7 ticks = 87.50 USD is allowed; 97.50: 8 ticks = 100 USD is allowed; 97.25: 9 ticks = 112.50 USD is not.
    r.trader.modifyOrder(tr.stopOrderId, 97.5);
    expect(() => r.trader.modifyOrder(tr.stopOrderId, 97.25)).toThrow(/refused \(risk-per-trade\): a stop at 97.25 risks 112.50 USD/);
    expect(() => r.trader.modifyOrder(tr.targetOrderId, 97.5)).toThrow(/profit side of the stop 97.5/);
    r.trader.modifyOrder(tr.targetOrderId, 101);
    // The stop-out now books at the moved stop: path 99.75 -> 97 ... fills at 97.50 - 1 tick = 97.25.
    r.bar(at(2, [99.75, 99.75, 97, 97.25, 10]));
    expect(tr).toMatchObject({ exitReason: 'stop', exitPrice: 97.25 });
    expect(events(r, 'order.modified').map((e) => [e.role, e.to])).toEqual([['stop', 98.75], ['stop', 97.5], ['target', 101]]);
  });

  it('moving an entry not yet filled moves its bracket with it, the same ticks away', () => {
    const r = atHundred();
    const tr = r.trader.placeOrder({ side: 'SELL', type: 'LIMIT', qty: 1, price: 101, stopTicks: 8, targetTicks: 16 });
    expect(tr.plan).toEqual({ side: 'SHORT', entry: 101, stop: 103, target: 97 });
    r.trader.modifyOrder(tr.entryOrderId, 101.5);
    expect(tr.plan).toEqual({ side: 'SHORT', entry: 101.5, stop: 103.5, target: 97.5 });
    expect([tr.entryOrderId, tr.stopOrderId, tr.targetOrderId].map((id) => r.venue.order(id)?.price)).toEqual([101.5, 103.5, 97.5]);
  });
});

describe('Cancel all and Flatten (simulated venue)', () => {
  it('Cancel all cancels a working entry; with a position open it is refused unless confirmed', () => {
    const r = atHundred();
    const a = r.trader.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99, stopTicks: 4, targetTicks: 8 });
    expect(r.trader.cancelAll()).toBe(3);
    expect(a.cancelled).toBe(true);
    expect(r.venue.open()).toEqual([]);
    const b = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 4, targetTicks: 8 });
    r.bar(at(1, [100, 100.25, 99.75, 100, 10]));
    expect(b.entryQty).toBe(1);
    expect(() => r.trader.cancelAll()).toThrow(/1 contract\(s\) are open and would lose their stop and target; Flatten closes the position/);
    expect(() => r.trader.cancelOrder(b.stopOrderId)).toThrow(/is the stop of 1 contract\(s\) open/);
    expect(r.trader.cancelAll('trader', true)).toBe(2);
    expect(r.trader.portfolio.qty).toBe(1);
  });

  it('Flatten closes the position at market with the reason "flatten", refuses entries meanwhile, and leaves the platform armed', () => {
    const r = atHundred();
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 16 });
    r.bar(at(1, [100, 100.25, 99.75, 100, 10])); // filled at 100.25
    r.trader.flatten();
    expect(r.trader.flatteningNow).toBe(true);
    expect(r.venue.open().map((o) => [o.role, o.type, o.side, o.qty])).toEqual([['close', 'MARKET', 'SELL', 1]]);
    expect(() => r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 4, targetTicks: 8 })).toThrow(/refused \(flattening\): a flatten is in progress/);
    // The close fills at the next open 100.50 less 1 tick = 100.25: 0 ticks, 4.50 USD of commissions.
    r.bar(at(2, [100.5, 100.75, 100.25, 100.5, 10]));
    expect(tr).toMatchObject({ exitReason: 'flatten', exitPrice: 100.25, pnlUsd: -4.5 });
    expect(r.trader.flatteningNow).toBe(false);
    expect(r.ks.state).toBe('ACTIVE');
    expect(events(r, 'flatten.done')).toMatchObject([{ who: 'trader', why: 'flatten', outcome: 'flat' }]);
    expect(r.alerts.at(-1)).toMatch(/^Flat: every order cancelled and the position closed; trading stays armed/);
    r.trader.placeOrder({ side: 'SELL', type: 'MARKET', qty: 1, stopTicks: 4, targetTicks: 8 });
  });
});

describe('Flatten and Reverse against a broker that confirms late', () => {
  function broker(management?: Partial<PositionManagement>) {
    const link = new PartsBroker();
    let r: Rig<BrokerVenue> | null = null;
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-' }, { updated: () => r?.trader.venueUpdated(), rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    r = rig({ venue, ...(management === undefined ? {} : { management: { ...NO_MANAGEMENT, ...management } }) });
    link.up();
    link.hold('ESZ3', 0);
    link.reported();
    r.bar(at(0, [100, 100.5, 99.5, 100, 10]));
    // A long of 1 from the ladder, filled at 100, its legs working at the broker.
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 16 });
    const [entry, stop, target] = link.brackets[0]!;
    link.exec(entry.id, 'e1', 100, 1, 1, 1, T0 + 2 * MIN);
    for (const leg of [stop, target]) link.report({ id: leg.id, state: 'WORKING', filledQty: 0, avgFillPrice: Number.NaN, fill: null, text: '' });
    expect(tr).toMatchObject({ entryPrice: 100, entryQty: 1 });
    return { r, link, tr, stop, target };
  }

  it('Flatten sends the close only once the broker confirmed the stop and target cancelled, then reports flat', () => {
    const { r, link, tr, stop, target } = broker();
    r.trader.flatten();
    expect(link.cancels).toEqual([stop.id, target.id]);
    expect(link.orders).toEqual([]); // no close beside a stop that could still fill
    link.confirmCancels();
    expect(link.orders.map((o) => [o.side, o.type, o.qty])).toEqual([['SELL', 'MARKET', 1]]);
    expect(r.trader.flatteningNow).toBe(true);
    link.exec(link.orders[0]!.id, 'c1', 99.75, 1, 1, 1, T0 + 3 * MIN);
    expect(tr).toMatchObject({ exitReason: 'flatten', exitPrice: 99.75 });
    expect(r.trader.flatteningNow).toBe(false);
    expect(r.ks.state).toBe('ACTIVE');
  });

  it('Reverse: flat first, then the same contracts the other way at market with the ATM bracket', () => {
    const { r, link } = broker();
    r.trader.reverse(8, 16);
    expect(link.brackets).toHaveLength(1);
    link.confirmCancels();
    link.exec(link.orders[0]!.id, 'c1', 99.75, 1, 1, 1, T0 + 3 * MIN);
    // Flat: the short goes out, sized on the last price 100 (no quote on bars): stop 102, target 96.
    expect(link.brackets).toHaveLength(2);
    const [entry, stop, target] = link.brackets[1]!;
    expect([entry, stop, target].map((o) => [o.side, o.type, o.qty, o.price])).toEqual([
      ['SELL', 'MARKET', 1, undefined],
      ['BUY', 'STOP', 1, 102],
      ['BUY', 'LIMIT', 1, 96],
    ]);
    expect(events(r, 'reverse.start')).toMatchObject([{ position: 1, then: { side: 'SELL', qty: 1 } }]);
    expect(r.trader.openTrades().map((t) => [t.source, t.plan.side])).toEqual([['manual', 'SHORT']]);
  });

  it('Cancel all at a broker: the trade whose entry never filled ends when the broker confirms the cancel, and the next entry is taken', () => {
    const { r, link, tr } = broker();
    r.trader.flatten();
    link.confirmCancels();
    link.exec(link.orders[0]!.id, 'c1', 99.75, 1, 1, 1, T0 + 3 * MIN);
    expect(tr.exitReason).toBe('flatten');
    const limit = r.trader.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99, stopTicks: 8, targetTicks: 16 });
    r.trader.cancelAll();
    expect(limit.cancelled).toBe(false); // the broker has not confirmed yet: the entry could still fill
    link.confirmCancels();
    expect(limit.cancelled).toBe(true);
    r.trader.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: 99, stopTicks: 8, targetTicks: 16 });
  });

  it('position management at the broker: the trailing stop goes out as a modify of the stop order', () => {
    const { r, link, tr, stop } = broker({ trailTicks: 8 });
    // Long 1 from 100.00 at the broker; a bar up to 103.00: best 103.00 - 2.00 = 101.00.
    r.bar(at(2, [100, 103, 100, 102.75, 10]));
    expect(link.modifies).toEqual([[stop.id, 101]]);
    expect(tr.plan.stop).toBe(101);
  });

  it('a drag of the stop is sent to the broker as a modify of the same order', () => {
    const { r, link, tr, stop } = broker();
    r.trader.modifyOrder(tr.stopOrderId, 98.5);
    expect(link.modifies).toEqual([[stop.id, 98.5]]);
    expect(r.venue.order(stop.id)?.price).toBe(98.5);
  });
});

describe('position management (off by default)', () => {
  it('breakeven: after 8 ticks in favour the stop moves to the entry + 1 tick, and the stop-out books there', () => {
    const r = atHundred({ breakevenAfterTicks: 8, breakevenOffsetTicks: 1 });
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 40 });
    r.bar(at(1, [100.25, 100.5, 100, 100.25, 10])); // filled at 100.50, stop 98.50; MFE 0
    expect(tr.plan.stop).toBe(98.5);
    // High 102.75: MFE (102.75 - 100.50) / 0.25 = 9 >= 8: stop to 100.50 + 0.25 = 100.75.
    r.bar(at(2, [100.25, 102.75, 100.25, 102.5, 10]));
    expect(r.venue.order(tr.stopOrderId)?.price).toBe(100.75);
    // Down to 100.50: the stop fills at 100.75 - 1 tick = 100.50: 0 ticks, -4.50 USD.
    r.bar(at(3, [102.5, 102.5, 100.5, 100.75, 10]));
    expect(tr).toMatchObject({ exitReason: 'stop', exitPrice: 100.5, pnlUsd: -4.5 });
    expect(events(r, 'order.modified').filter((e) => e.who === 'management').map((e) => [e.from, e.to])).toEqual([[98.5, 100.75]]);
  });

  it('trailing 8 ticks behind the best price, only ever tightening', () => {
    const r = atHundred({ trailTicks: 8 });
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 40 });
    r.bar(at(1, [100.25, 100.5, 100, 100.25, 10])); // filled 100.50; best 100.50 - 2.00 = 98.50 = the ATM stop: unchanged
    expect(tr.plan.stop).toBe(98.5);
    r.bar(at(2, [100.25, 103.5, 100.25, 103.25, 10])); // best 103.50: stop 101.50
    expect(tr.plan.stop).toBe(101.5);
    r.bar(at(3, [103.25, 104, 103, 103.75, 10])); // best 104.00: stop 102.00
    expect(tr.plan.stop).toBe(102);
    r.bar(at(4, [103.75, 103.75, 102.5, 102.75, 10])); // lower bar: the best stays 104, the stop stays 102
    expect(r.venue.order(tr.stopOrderId)?.price).toBe(102);
  });

  it('time exit: closed at market after 3 completed bars in the trade', () => {
    const r = atHundred({ timeExitBars: 3 });
    const tr = r.trader.placeOrder({ side: 'SELL', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 16 });
    r.bar(at(1, [100, 100.25, 99.75, 100, 10])); // filled at 99.75 (1 bar)
    r.bar(at(2, [100, 100.25, 99.75, 100, 10])); // 2
    expect(r.venue.open().some((o) => o.role === 'close')).toBe(false);
    r.bar(at(3, [100, 100.25, 99.75, 100, 10])); // 3: the close goes
    expect(r.venue.open().map((o) => [o.role, o.side])).toEqual([['close', 'BUY']]);
    r.bar(at(4, [100, 100.25, 99.75, 100, 10])); // bought at 100 + 1 tick = 100.25: -2 ticks x 12.50 - 4.50 = -29.50
    expect(tr).toMatchObject({ exitReason: 'time-exit', exitPrice: 100.25, pnlUsd: -29.5 });
    expect(events(r, 'position.exit')).toEqual([{ tradeId: tr.id, why: 'time-exit', bars: 3 }]);
  });

  it('flatten before the close: at 10:03 ET everything is closed and entries are refused until the next session', () => {
    // T0 is 10:00 New York time; the rig's clock stands at a bar's close (its open + 1 minute).
    const r = atHundred({ flattenAtMinuteEt: 10 * 60 + 3 });
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 16 });
    r.bar(at(1, [100, 100.25, 99.75, 100, 10])); // 10:02, filled at 100.25
    r.bar(at(2, [100, 100.25, 99.75, 100, 10])); // 10:03: the flatten starts
    expect(events(r, 'flatten.start')).toMatchObject([{ who: 'management', why: 'session-end' }]);
    r.bar(at(3, [100, 100.25, 99.75, 100, 10])); // sold at 100 - 1 tick = 99.75
    expect(tr).toMatchObject({ exitReason: 'session-end', exitPrice: 99.75 });
    expect(() => r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 4, targetTicks: 8 })).toThrow(/refused \(session-end\): no new entries from 10:03 ET until the next session/);
    expect(r.ks.state).toBe('ACTIVE');
  });

  it('on trades: breakeven moves the stop at the trade that reaches 8 ticks, and the next trades fill it there', () => {
    const r = atHundred({ breakevenAfterTicks: 8, breakevenOffsetTicks: 0 });
    const tick = (i: number, price: number): void => {
      r.clock.advanceTo(T0 + 2 * MIN + i * 1000);
      r.trader.onRecord({ kind: 'tick', tsEvent: T0 + 2 * MIN + i * 1000, price, size: 1, side: 'unknown', bid: price - 0.25, ask: price });
    };
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 40 });
    tick(0, 100); // filled at 100 + 1 tick = 100.25; sized on the last bar's 100 (stop 98, target 110), the legs move to 98.25 / 110.25
    expect(tr).toMatchObject({ entryPrice: 100.25, plan: { stop: 98.25 } });
    tick(1, 102); // MFE (102 - 100.25) / 0.25 = 7: not yet
    expect(tr.plan.stop).toBe(98.25);
    tick(2, 102.25); // MFE 8: the stop to the entry, 100.25
    expect(r.venue.order(tr.stopOrderId)?.price).toBe(100.25);
    tick(3, 101);
    tick(4, 100.25); // at the stop: filled 1 tick worse, 100.00
    expect(tr).toMatchObject({ exitReason: 'stop', exitPrice: 100, pnlTicks: -1 });
  });

  it('off by default: the same bars move no stop', () => {
    const r = atHundred();
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 40 });
    r.bar(at(1, [100.25, 100.5, 100, 100.25, 10]));
    r.bar(at(2, [100.25, 103.5, 100.25, 103.25, 10]));
    expect(tr.plan.stop).toBe(98.5);
  });
});

describe('managedStop', () => {
  const m = (over: Partial<PositionManagement>): PositionManagement => ({ ...NO_MANAGEMENT, ...over });
  it('an ATR trail rounds away from the price onto the grid', () => {
    // Short from 100, MFE 10 ticks: best 97.50; 1.5 x ATR 1.10 = 1.65 -> 99.15, rounded up to 99.25.
    expect(managedStop({ side: 'SHORT', entryPrice: 100, stop: 102, mfeTicks: 10 }, 98, 1.1, 0.25, m({ trailAtrMultiple: 1.5 }))).toBe(99.25);
    expect(managedStop({ side: 'SHORT', entryPrice: 100, stop: 102, mfeTicks: 10 }, 98, Number.NaN, 0.25, m({ trailAtrMultiple: 1.5 }))).toBeNull();
  });
  it('waits while the new stop would be within a tick of the price, and never loosens', () => {
    // Long from 100, best 101, trail 1 tick: 100.75, but the last price is 100.75.
    expect(managedStop({ side: 'LONG', entryPrice: 100, stop: 99, mfeTicks: 4 }, 100.75, Number.NaN, 0.25, m({ trailTicks: 1 }))).toBeNull();
    expect(managedStop({ side: 'LONG', entryPrice: 100, stop: 99, mfeTicks: 4 }, 101, Number.NaN, 0.25, m({ trailTicks: 1 }))).toBe(100.75);
    expect(managedStop({ side: 'LONG', entryPrice: 100, stop: 100.5, mfeTicks: 4 }, 101, Number.NaN, 0.25, m({ trailTicks: 8 }))).toBeNull();
  });
});
