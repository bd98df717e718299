/**
 * The execution path (issue 4, items 3 to 5): AUTO and MANUAL with the expiry
 * rules, brackets at the simulated venue, P&L, the trade snapshots, every
 * kill-switch trigger, the halt sequence against a venue that confirms
 * late or refuses a close, and a broker that fills orders in parts.
 */
import { describe, expect, it } from 'vitest';
import { BacktestClock } from '../../engine/clock';
import type { Bar } from '../../engine/domain';
import { KillSwitch, KillSwitchError, MemoryKillSwitchStore } from '../../engine/risk/kill-switch';
import { DEFAULT_RISK_CONFIG } from '../../engine/risk/sizing';
import { BrokerVenue } from '../../engine/venue/broker';
import { SimulatedVenue } from '../../engine/venue/sim';
import { OrderError, type Fill, type Order, type OrderRequest } from '../../engine/venue/orders';
import { T0 } from '../support/bars';
import { at, MIN, PartsBroker, rig, signal, type Rig } from '../support/trader-rig';

describe('AUTO: a signal becomes a bracket, fills and closes', () => {
  it('fills the entry at the next open + 1 tick, exits at the target, books P&L and the five snapshots', () => {
    const r = rig();
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    const sig = signal(b0, 'LONG', 8, 16); // stop 98, target 104
    r.bar(b0, sig);
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'SENT', who: 'auto', contracts: 1 });
    const [entry, stop, target] = r.venue.open();
    expect(entry).toMatchObject({ role: 'entry', type: 'MARKET', side: 'BUY', status: 'WORKING' });
    expect(stop).toMatchObject({ role: 'stop', type: 'STOP', price: 98, status: 'PENDING', ocaGroup: target!.ocaGroup });
    expect(target).toMatchObject({ role: 'target', type: 'LIMIT', price: 104 });

    r.bar(at(1, [100.25, 101, 99, 100.5, 10])); // entry 100.5; low 99 -> MAE -6 ticks, high 101 -> MFE +2
    expect(r.trader.portfolio.qty).toBe(1);
    expect(r.trader.portfolio.avgPrice).toBe(100.5);
    r.bar(at(2, [100.5, 104.5, 100.5, 104, 10])); // target 104 reached; OCA cancels the stop
    const tr = r.trader.trades[0]!;
    expect(tr).toMatchObject({ entryPrice: 100.5, exitPrice: 104, exitReason: 'target', pnlTicks: 14, maeTicks: -6 });
    // 14 ticks x 12.50 - 2 x 2.25 commission
    expect(tr.pnlUsd).toBeCloseTo(170.5, 9);
    expect(r.venue.order(tr.stopOrderId)!.status).toBe('CANCELLED');
    expect(r.trader.portfolio.qty).toBe(0);
    expect(r.trader.portfolio.equityUsd()).toBeCloseTo(DEFAULT_RISK_CONFIG.accountEquityUsd + 170.5, 9);
    const kinds = r.journal.snapshots.filter((s) => s.tradeId === tr.id).map((s) => s.kind);
    expect(kinds[0]).toBe('PRE_ANALYSIS');
    expect(kinds[1]).toBe('DECISION');
    expect(kinds[2]).toBe('EXECUTION');
    expect(kinds.at(-1)).toBe('FINAL_RESULT');
    expect(kinds).toContain('POSITION_UPDATE');
    const exec = r.journal.snapshots.find((s) => s.kind === 'EXECUTION')!.data as Record<string, unknown>;
    expect(exec).toMatchObject({ stop: 98, target: 104, signalEntry: 100, entryDriftTicks: 2, bid: null, ask: null });
    expect(exec['rewardRisk']).toBeCloseTo(3.5 / 2.5, 9);
    const final = r.journal.snapshots.at(-1)!.data as Record<string, unknown>;
    expect(final).toMatchObject({ exitReason: 'target', signalRight: true, holdingMs: MIN, pnlTicks: 14 });
  });

  it('refuses a signal the risk check rejects, with the reason journaled', () => {
    const r = rig();
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'SHORT', 9, 18)); // 9 ticks = 112.50 USD > 100 USD per trade
    expect(r.venue.open()).toEqual([]);
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'REFUSED', who: 'risk' });
    expect(r.journal.events.find((e) => e.kind === 'risk.rejected')!.detail).toMatchObject({ reason: 'risk-per-trade' });
    expect(r.trader.refused).toEqual({ 'risk-per-trade': 1 });
  });

  it('DATA_COLLECTION sends no order and records the would-be outcome', () => {
    const r = rig({ mode: 'DATA_COLLECTION' });
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'SHORT', 4, 8)); // stop 101, target 98
    r.bar(at(1, [100, 100.25, 99.5, 99.75, 10])); // entry 99.75 (sell at 100 - 1 tick)
    r.bar(at(2, [99.75, 101.5, 99.5, 101, 10])); // stop 101 -> fills 101.25
    expect(r.venue.all()).toEqual([]);
    expect(r.trader.portfolio.qty).toBe(0);
    expect(r.trader.trades[0]).toMatchObject({ kind: 'would-be', entryPrice: 99.75, exitPrice: 101.25, exitReason: 'stop', pnlTicks: -6 });
  });
});

describe('MANUAL: the approval queue', () => {
  const setup = () => {
    const r = rig({ execution: 'MANUAL' });
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    const sig = signal(b0, 'LONG', 8, 16);
    r.bar(b0, sig);
    return { r, sig };
  };

  it('queues a risk-approved signal with size and risk, and sends nothing until approved', () => {
    const { r, sig } = setup();
    expect(r.trader.queue()).toHaveLength(1);
    expect(r.trader.queue()[0]).toMatchObject({ status: 'PENDING', contracts: 1, riskUsd: 100, expiresAt: T0 + MIN + 30_000 });
    expect(r.venue.all()).toEqual([]);
    r.trader.approve(sig.id);
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'APPROVED', who: 'trader' });
    expect(r.venue.open().map((o) => o.role)).toEqual(['entry', 'stop', 'target']);
    expect(() => r.trader.approve(sig.id)).toThrow(OrderError);
  });

  it('rejects on the trader\'s word and journals who and why', () => {
    const { r, sig } = setup();
    r.trader.reject(sig.id, 'chop');
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'REJECTED', who: 'trader', why: 'chop' });
    expect(r.venue.all()).toEqual([]);
  });

  it('expires after 30 s of market time', () => {
    const { r } = setup();
    r.clock.advanceTo(T0 + MIN + 29_999);
    r.trader.onRecord({ kind: 'tick', tsEvent: r.clock.now(), price: 100, size: 1, side: 'unknown', bid: Number.NaN, ask: Number.NaN });
    expect(r.trader.queue()).toHaveLength(1);
    r.clock.advanceTo(T0 + MIN + 30_000);
    r.trader.onRecord({ kind: 'tick', tsEvent: r.clock.now(), price: 100, size: 1, side: 'unknown', bid: Number.NaN, ask: Number.NaN });
    expect(r.trader.queue()).toHaveLength(0);
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'EXPIRED', who: 'expiry' });
  });

  it('a late approval is refused on market time, with no record since (issue 16): EXPIRED, nothing sent', () => {
    const { r, sig } = setup();
    r.clock.advanceTo(T0 + MIN + 47_000); // bar data: the next record is a minute away, the trader clicks at 47 s
    expect(() => r.trader.approve(sig.id)).toThrow(/expired: unanswered for 30 s; nothing was sent/);
    expect(r.venue.all()).toEqual([]);
    expect(r.trader.queue()).toHaveLength(0);
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'EXPIRED', who: 'expiry' });
  });

  it('expires on the driver\'s clock tick between records, so the card closes when its countdown ends', () => {
    const { r } = setup();
    r.clock.advanceTo(T0 + MIN + 29_000);
    r.trader.onClock();
    expect(r.trader.queue()).toHaveLength(1);
    r.clock.advanceTo(T0 + MIN + 30_000);
    r.trader.onClock();
    expect(r.trader.queue()).toHaveLength(0);
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'EXPIRED', who: 'expiry' });
  });

  it('expires when price trades 4 ticks from the entry, not at 3', () => {
    const { r } = setup();
    const tick = (price: number) => r.trader.onRecord({ kind: 'tick', tsEvent: r.clock.now(), price, size: 1, side: 'unknown', bid: Number.NaN, ask: Number.NaN });
    tick(100.75);
    tick(99.25);
    expect(r.trader.queue()).toHaveLength(1);
    tick(101);
    expect(r.trader.queue()).toHaveLength(0);
    expect(r.journal.approvals.at(-1)!.why).toContain('4 ticks');
  });

  it('runs the risk check again at approval: a kill switch tripped meanwhile rejects it', () => {
    const { r, sig } = setup();
    r.ks.trip('manual', 'test', 'trader');
    // The halt sequence already refused what was queued.
    expect(r.journal.approvals.at(-1)).toMatchObject({ status: 'REJECTED', who: 'kill-switch' });
    expect(() => r.trader.approve(sig.id)).toThrow(OrderError);
  });
});

/** A position of 1 long at 100.25 with its bracket working (stop 98, target 104). */
function withPosition(r: Rig): void {
  const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
  r.bar(b0, signal(b0, 'LONG', 8, 16));
  r.bar(at(1, [100, 100.5, 99.5, 100, 10]));
  expect(r.venue.position()).toBe(1);
}

describe('kill switch triggers', () => {
  it('manual: REDUCING at once, cancels the bracket, closes the position, HALTED and flat when the venue confirms', () => {
    const r = rig();
    withPosition(r);
    r.trader.trip('manual', 'trader pressed the kill switch', 'trader');
    expect(r.ks.status).toMatchObject({ state: 'REDUCING', trigger: 'manual', flat: false });
    const orders = r.venue.all();
    expect(orders.filter((o) => o.role === 'stop' || o.role === 'target').every((o) => o.status === 'CANCELLED')).toBe(true);
    expect(orders.at(-1)).toMatchObject({ role: 'close', type: 'MARKET', side: 'SELL', status: 'WORKING' });
    r.bar(at(2, [100.5, 101, 100, 100.75, 10])); // the close fills at 100.25
    expect(r.venue.position()).toBe(0);
    expect(r.ks.status).toMatchObject({ state: 'HALTED', flat: true });
    expect(r.trader.trades[0]).toMatchObject({ exitReason: 'kill-switch', exitPrice: 100.25 });
  });

  it('daily loss: trips at the limit, not below it', () => {
    // A 500 USD loss is 40 ticks: stop 44 ticks away (allowed by a raised risk cap).
    const r = rig({ risk: { maxRiskPerTradeUsd: 1000, budgetOfRemaining: 2, budgetOfDailyLimit: 2 } });
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'LONG', 44, 88));
    r.bar(at(1, [100, 100, 99.75, 99.75, 10])); // entry 100.25
    // Mark: loss = (100.25 - p) x 50 + 2.25; at p = 90.25: 502.25 >= 500.
    r.bar(at(2, [99.75, 99.75, 91, 91, 10])); // 9.25 pts x 50 + 2.25 = 464.75: warned, not tripped
    expect(r.ks.state).toBe('ACTIVE');
    expect(r.alerts.some((a) => a.includes('Daily loss'))).toBe(true);
    r.bar(at(3, [91, 91, 90.25, 90.25, 10]));
    expect(r.ks.status).toMatchObject({ state: 'REDUCING', trigger: 'daily-loss' });
  });

  it('max drawdown: trips at 10% of peak equity', () => {
    const r = rig({ risk: { accountEquityUsd: 1000, maxRiskPerTradeUsd: 1000, dailyLossLimitUsd: 10_000 } });
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'LONG', 12, 24));
    r.bar(at(1, [100, 100, 99.75, 99.75, 10])); // entry 100.25, equity 1000 - 2.25 - 25
    expect(r.ks.state).toBe('ACTIVE'); // 27.25 < 100
    r.bar(at(2, [99.75, 99.75, 98.25, 98.25, 10])); // 2 pts x 50 + 2.25 = 102.25 >= 100
    expect(r.ks.status).toMatchObject({ state: 'REDUCING', trigger: 'max-drawdown' });
  });

  it('performance: win rate under 30% after 10 trades in the day', () => {
    const r = rig({ risk: { maxTradesPerDay: 100, lossStreakPause: 100, dailyLossLimitUsd: 100_000, accountEquityUsd: 1e6 } });
    for (let k = 0; k < 10; k++) {
      expect(r.ks.state).toBe('ACTIVE');
      const base = 3 * k;
      const b0 = at(base, [100, 100.5, 99.5, 100, 10]);
      r.bar(b0, signal(b0, 'LONG', 4, 8, { id: `S${k}` }));
      r.bar(at(base + 1, [100, 100, 100, 100, 10])); // entry 100.25
      r.bar(at(base + 2, [100, 100, 98, 98, 10])); // stop 99 -> 98.75
    }
    expect(r.trader.performance().day).toMatchObject({ trades: 10, wins: 0 });
    expect(r.ks.status).toMatchObject({ state: 'HALTED', trigger: 'performance', flat: true });
  });

  it('stale data: 10 s without an update inside the session, not outside it', () => {
    const r = rig();
    let inSession = false;
    r.trader.watchStaleData(() => inSession);
    r.clock.advanceTo(T0 + 20_000);
    expect(r.ks.state).toBe('ACTIVE');
    inSession = true;
    r.clock.advanceTo(T0 + 29_999);
    expect(r.ks.state).toBe('ACTIVE');
    r.clock.advanceTo(T0 + 40_000);
    expect(r.ks.status).toMatchObject({ trigger: 'stale-data' });
  });

  it('broker lost: after 30 s with a position open; not when it comes back in time, not when flat', () => {
    const flatRig = rig();
    flatRig.trader.venueConnection(false);
    flatRig.clock.advanceTo(T0 + 10 * MIN);
    expect(flatRig.ks.state).toBe('ACTIVE');
    const r = rig();
    withPosition(r);
    r.trader.venueConnection(false);
    r.clock.advanceTo(r.clock.now() + 20_000);
    r.trader.venueConnection(true);
    r.clock.advanceTo(r.clock.now() + 60_000);
    expect(r.ks.state).toBe('ACTIVE');
    r.trader.venueConnection(false);
    r.clock.advanceTo(r.clock.now() + 30_000);
    expect(r.ks.status).toMatchObject({ state: 'REDUCING', trigger: 'broker-lost' });
  });

  it('critical error: trips like any other trigger and keeps the first trigger', () => {
    const r = rig();
    r.trader.trip('critical-error', 'engine restarted by the watchdog', 'watchdog');
    r.trader.trip('manual', 'pressed again', 'trader');
    expect(r.ks.status).toMatchObject({ state: 'HALTED', trigger: 'critical-error', flat: true });
  });
});

/** A venue that holds back close fills, or refuses the first closes. */
class StubbornVenue extends SimulatedVenue {
  refuseCloses = 0;
  holdCloses = 0;
  override submit(req: OrderRequest, ts: number): Order {
    if (req.role === 'close' && this.refuseCloses > 0) {
      this.refuseCloses -= 1;
      throw new OrderError('close refused: venue busy');
    }
    return super.submit(req, ts);
  }
  override onBar(bar: Bar): Fill[] {
    if (this.holdCloses > 0 && this.open().some((o) => o.role === 'close')) {
      this.holdCloses -= 1;
      return []; // the venue has not reported the fill yet
    }
    return super.onBar(bar);
  }
}

describe('the halt sequence against a difficult venue', () => {
  it('waits for a late confirmation and never reports flat early', () => {
    const venue = new StubbornVenue({ tickSize: 0.25 });
    const r = rig({ venue });
    withPosition(r);
    venue.holdCloses = 3;
    r.trader.trip('manual', 'test', 'trader');
    for (let k = 0; k < 3; k++) {
      r.bar(at(2 + k, [100, 100.5, 99.5, 100, 10]));
      expect(r.ks.status).toMatchObject({ state: 'REDUCING', flat: false });
      expect(venue.open().filter((o) => o.role === 'close')).toHaveLength(1); // one close working, not a second
    }
    r.bar(at(5, [100, 100.5, 99.5, 100, 10]));
    expect(venue.position()).toBe(0);
    expect(r.ks.status).toMatchObject({ state: 'HALTED', flat: true });
  });

  it('retries a refused close until the venue takes it', () => {
    const venue = new StubbornVenue({ tickSize: 0.25 });
    const r = rig({ venue });
    withPosition(r);
    venue.refuseCloses = 2;
    r.trader.trip('manual', 'test', 'trader');
    expect(r.ks.state).toBe('REDUCING');
    r.bar(at(2, [100, 100.5, 99.5, 100, 10])); // second refusal
    expect(r.ks.state).toBe('REDUCING');
    expect(venue.position()).toBe(1);
    r.bar(at(3, [100, 100.5, 99.5, 100, 10])); // third attempt accepted
    expect(r.ks.state).toBe('REDUCING');
    r.bar(at(4, [100, 100.5, 99.5, 100, 10])); // filled
    expect(r.ks.status).toMatchObject({ state: 'HALTED', flat: true });
    expect(r.journal.events.filter((e) => e.kind === 'order.rejected')).toHaveLength(2);
  });

  it('cancels working entries before the bracket legs', () => {
    const r = rig();
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'LONG', 8, 16)); // entry working, legs pending
    r.trader.trip('manual', 'test', 'trader');
    const cancelled = r.journal.orders.filter((o) => o.status === 'CANCELLED').map((o) => o.role);
    expect(cancelled[0]).toBe('entry');
    expect(r.venue.open()).toEqual([]);
    expect(r.ks.status).toMatchObject({ state: 'HALTED', flat: true });
    expect(r.trader.trades[0]!.cancelled).toBe(true);
  });
});

describe('reset', () => {
  it('needs a reason and a flat account, and never re-opens a position', () => {
    const r = rig();
    withPosition(r);
    r.trader.trip('manual', 'test', 'trader');
    expect(() => r.ks.reset('flat now?')).toThrow(KillSwitchError); // still REDUCING
    r.bar(at(2, [100, 100.5, 99.5, 100, 10]));
    expect(() => r.ks.reset('   ')).toThrow(KillSwitchError);
    const before = r.venue.all().length;
    r.ks.reset('reviewed the trade, resuming');
    expect(r.ks.state).toBe('ACTIVE');
    r.bar(at(3, [100, 101, 99, 100, 10]));
    r.bar(at(4, [100, 101, 99, 100, 10]));
    expect(r.venue.all()).toHaveLength(before);
    expect(r.venue.position()).toBe(0);
  });

  it('latches: a new kill switch on the same store comes back tripped', () => {
    const clock = new BacktestClock(T0);
    const store = new MemoryKillSwitchStore();
    new KillSwitch(store, clock).trip('stale-data', 'no data', 'risk');
    const again = new KillSwitch(store, clock);
    expect(again.status).toMatchObject({ state: 'REDUCING', trigger: 'stale-data' });
    expect(again.allows('entry')).toBe(false);
    expect(again.allows('reduce')).toBe(true);
  });

  it('HALTED awaiting the broker (issue 16): not flat, reset refused, latched; flat only when every watched venue is', () => {
    const clock = new BacktestClock(T0);
    const store = new MemoryKillSwitchStore();
    const ks = new KillSwitch(store, clock);
    ks.awaitBroker('critical-error', 'the engine stopped during a live run');
    expect(ks.status).toMatchObject({ state: 'HALTED', flat: false, trigger: 'critical-error' });
    expect(() => ks.reset('looks flat to me')).toThrow(/broker has not confirmed/);
    const again = new KillSwitch(store, clock);
    expect(again.status).toMatchObject({ state: 'HALTED', flat: false });
    let brokerFlat = false;
    again.watchVenue('broker', () => brokerFlat);
    again.watchVenue('run', () => true);
    again.confirmFlat('run'); // the run's venue is flat; the broker is not known to be
    expect(again.status.flat).toBe(false);
    brokerFlat = true;
    again.confirmFlat('broker');
    expect(again.status).toMatchObject({ state: 'HALTED', flat: true });
    again.reset('the broker confirmed flat');
    expect(again.state).toBe('ACTIVE');
  });
});


describe('the trader adopts a broker position (issue 16, item 4)', () => {
  function adopting() {
    const link = new PartsBroker();
    let r: Rig<BrokerVenue> | null = null;
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-' }, { updated: () => r?.trader.venueUpdated(), rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    r = rig({ venue });
    link.up();
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, null);
    return { r, link };
  }

  it('takes 3 long at 100.125 as a trade, protected by a stop and a target in one OCA group on the tick grid, and books its stop-out', () => {
    const { r, link } = adopting();
    const tr = r.trader.adoptPosition(3, 100.125, 8, 16);
    // 100.125 - 8 ticks = 98.125, on the grid (nearest, half up) 98.25; 100.125 + 16 ticks = 104.125 -> 104.25.
    expect(link.ocos).toHaveLength(1);
    const [stop, target] = link.ocos[0]!;
    expect([stop, target].map((o) => [o.side, o.type, o.qty, o.price])).toEqual([
      ['SELL', 'STOP', 3, 98.25],
      ['SELL', 'LIMIT', 3, 104.25],
    ]);
    expect(tr).toMatchObject({ source: 'adopted', signal: null, plan: { side: 'LONG', entry: 100.125, stop: 98.25, target: 104.25 }, entryQty: 3, entryPrice: 100.125, exitTs: null });
    expect(r.trader.portfolio.qty).toBe(3);
    expect(r.venue.order(stop.id)?.ocaGroup).toBe(r.venue.order(target.id)?.ocaGroup);
    expect(r.journal.events.find((e) => e.kind === 'position.taken-over')?.detail).toEqual({ tradeId: tr.id, qty: 3, avgPrice: 100.125, stop: 98.25, target: 104.25 });
    // The stop fills at the broker: (98.25 - 100.125) / 0.25 = -7.5 ticks x 3 x USD 12.50 = -281.25, less 3 x 2.25 commission on the exit.
    link.exec(stop.id, 'x1', 98.25, 3, 3, 3, T0 + 5 * MIN);
    expect(tr).toMatchObject({ exitReason: 'stop', exitPrice: 98.25, pnlTicks: -7.5, pnlUsd: -288 });
    expect(r.trader.portfolio.qty).toBe(0);
    expect(r.trader.dailyPnlUsd()).toBeCloseTo(-288, 9);
    expect(r.trader.riskState().tradesToday).toBe(0); // entered elsewhere, not a trade of today's count
  });

  it('is refused while the kill switch is not ACTIVE, on the simulated venue, and for distances that are not whole ticks', () => {
    const { r, link } = adopting();
    expect(() => r.trader.adoptPosition(-2, 100, 0, 8)).toThrow(/stopTicks must be a whole number of ticks above 0/);
    expect(() => r.trader.adoptPosition(-2, 100, 8, 2.5)).toThrow(/targetTicks/);
    r.ks.trip('manual', 'test', 'trader');
    expect(() => r.trader.adoptPosition(-2, 100, 8, 16)).toThrow(/kill switch is (REDUCING|HALTED): it flattens the position instead/);
    expect(link.ocos).toHaveLength(0);
    const sim = rig();
    expect(() => sim.trader.adoptPosition(1, 100, 8, 16)).toThrow(/only a broker venue/);
  });
});

describe('an execution of an order the workstation did not send (issue 16)', () => {
  it("is not the run's fill: nothing is booked, and the broker's position report has the say", () => {
    const link = new PartsBroker();
    let r: Rig<BrokerVenue> | null = null;
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-' }, { updated: () => r?.trader.venueUpdated(), rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    r = rig({ venue });
    link.up();
    r.bar(at(0, [100, 100.5, 99.5, 100, 10]), null);
    // DTC's historical fills after a logon: a SELL of 2 by an engine before a restart, its side not in the report.
    link.exec('R0-7', 'h1', 100.25, 2, 2, 2, T0 + 2 * MIN);
    expect(venue.drainFills()).toEqual([]);
    expect(r.trader.fills).toEqual([]);
    expect(r.trader.portfolio.qty).toBe(0);
    expect(venue.position()).toBe(0);
    link.hold('ESZ3', -2); // the broker's own word
    expect(venue.position()).toBe(-2);
  });
});

describe("the broker's positions in other contracts (issue 16)", () => {
  it('count against the open-positions limit: a signal is refused while the account holds NQ, and taken once it is flat', () => {
    const link = new PartsBroker();
    let r: Rig<BrokerVenue> | null = null;
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-' }, { updated: () => r?.trader.venueUpdated(), rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    r = rig({ venue });
    link.up();
    link.hold('NQZ3', -1);
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'LONG', 4, 8));
    expect(r.trader.refused).toEqual({ 'open-position': 1 });
    expect(link.brackets).toHaveLength(0);
    link.hold('NQZ3', 0);
    const b1 = at(1, [100, 100.5, 99.5, 100, 10]);
    r.bar(b1, signal(b1, 'LONG', 4, 8));
    expect(link.brackets).toHaveLength(1);
  });
});

describe('a broker fills an order in parts', () => {
  it('averages the entry, closes the trade once every contract is out, books it once, and journals every execution', () => {
    const link = new PartsBroker();
    let r: Rig<BrokerVenue> | null = null;
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-' }, { updated: () => r?.trader.venueUpdated(), rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    r = rig({ venue, risk: { baseContracts: 2, maxRiskPerTradeUsd: 1000, budgetOfRemaining: 2, budgetOfDailyLimit: 2 } });
    link.up();
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'LONG', 8, 16)); // stop 98, target 104
    const [entry, , target] = link.brackets[0]!;
    expect(entry.qty).toBe(2);
    const t = T0 + 2 * MIN;
    link.exec(entry.id, 'e1', 100.5, 1, 1, 2, t);
    link.exec(entry.id, 'e2', 100.75, 1, 2, 2, t + 5);
    const tr = r.trader.trades[0]!;
    expect(tr).toMatchObject({ entryQty: 2, entryPrice: 100.625, entryTs: t, exitTs: null });
    expect(r.trader.portfolio.qty).toBe(2);
    link.exec(target.id, 'e3', 104, 1, 1, 2, t + 60_000);
    expect(tr).toMatchObject({ exitQty: 1, exitTs: null, exitPrice: null, pnlUsd: null }); // one contract still on
    link.exec(target.id, 'e3', 104, 1, 1, 2, t + 60_000); // the same execution again (a reconnect): counted once
    link.exec(target.id, 'e4', 104.25, 1, 2, 2, t + 61_000);
    // Exit average 104.125 - entry average 100.625 = 3.5 points = 14 ticks, on 2 contracts at USD 12.50, less 4 x 2.25 commission.
    expect(tr).toMatchObject({ exitQty: 2, exitPrice: 104.125, exitTs: t + 61_000, exitReason: 'target', pnlTicks: 14, pnlUsd: 14 * 12.5 * 2 - 4 * 2.25 });
    expect(r.trader.portfolio.qty).toBe(0);
    expect(r.trader.equityCurve).toHaveLength(1); // booked once
    expect(r.journal.snapshots.filter((x) => x.kind === 'FINAL_RESULT')).toHaveLength(1);
    expect(r.journal.snapshots.filter((x) => x.kind === 'EXECUTION').map((x) => (x.data as { averagePrice: number }).averagePrice)).toEqual([100.5, 100.625]);
    expect(r.journal.fills.map((f) => [f.execId, f.qty, f.price])).toEqual([
      ['e1', 1, 100.5],
      ['e2', 1, 100.75],
      ['e3', 1, 104],
      ['e4', 1, 104.25],
    ]);
  });
});

describe("the broker's commissions (TWS commission reports, issue 17 item 6)", () => {
  it("replace the estimate: on a fill not yet booked, and as a correction of one booked, in the trade, the day's P&L and the journal", () => {
    const link = new PartsBroker();
    let r: Rig<BrokerVenue> | null = null;
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-', commissionPerSideUsd: 2.25 }, { updated: () => r?.trader.venueUpdated(), rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    r = rig({ venue });
    link.up();
    const b0 = at(0, [100, 100.5, 99.5, 100, 10]);
    r.bar(b0, signal(b0, 'LONG', 8, 16)); // stop 98, target 104
    const [entry, , target] = link.brackets[0]!;
    const t = T0 + 2 * MIN;
    // TWS sends the commission report after the execution: the Trader booked the entry at the estimate, 2.25.
    link.exec(entry.id, 'x1', 100, 1, 1, 1, t);
    const tr = r.trader.trades[0]!;
    expect(tr.commissionsUsd).toBe(2.25);
    link.commission('x1', 2.12);
    expect(tr.commissionsUsd).toBeCloseTo(2.12, 10);
    expect(r.trader.portfolio.commissionsUsd).toBeCloseTo(2.12, 10);
    expect(r.journal.fills.filter((f) => f.execId === 'x1').map((f) => f.commissionUsd)).toEqual([2.25, 2.12]);
    // A commission report that arrives before its execution is taken with it.
    link.commission('x2', 2.02);
    link.exec(target.id, 'x2', 104, 1, 1, 1, t + MIN);
    // 16 ticks x USD 12.50 on 1 contract, less 2.12 + 2.02.
    expect(tr).toMatchObject({ exitReason: 'target', pnlTicks: 16 });
    expect(tr.pnlUsd).toBeCloseTo(200 - 4.14, 10);
    expect(r.journal.fills.filter((f) => f.execId === 'x2').map((f) => f.commissionUsd)).toEqual([2.02]);
    // Reported again after a reconnect, and again with another figure: the trade's net P&L follows the last.
    link.commission('x2', 2.02);
    link.commission('x2', 2.5);
    expect(tr.pnlUsd).toBeCloseTo(200 - 4.62, 10);
    expect(r.journal.trades.at(-1)?.pnlUsd).toBeCloseTo(200 - 4.62, 10);
    expect(r.trader.portfolio.realizedUsd - r.trader.portfolio.commissionsUsd).toBeCloseTo(200 - 4.62, 10);
  });

  it('an order the broker holds that the workstation did not send is tracked as the broker reports it', () => {
    const link = new PartsBroker();
    const venue = new BrokerVenue(link, { tickSize: 0.25, idPrefix: 'R1-' }, { updated: () => {}, rejected: () => {}, connection: () => {}, positionsReported: () => {} });
    link.up();
    link.report({ id: 'IB41', state: 'WORKING', filledQty: 0, avgFillPrice: Number.NaN, fill: null, text: 'placed outside the workstation', order: { symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 2, price: 4280.5 } });
    expect(venue.foreignOpenOrders()).toMatchObject([{ id: 'IB41', side: 'SELL', type: 'STOP', qty: 2, price: 4280.5, status: 'WORKING' }]);
  });
});
