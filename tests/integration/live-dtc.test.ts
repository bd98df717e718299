/**
 * A live run through the kernel on the DTC peer: ticks become the file's
 * bars on the chart path, the SCID recording fills, LIVE needs the typed
 * account, a bracket goes to the "broker" and is filled and journaled, the
 * kill switch cancels at the broker and is flat only when the broker's
 * position says so; broker lost with a position trips it after 30 s.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock.js';
import type { EngineEvent } from '../../engine/contract.js';
import { createKernel, type Kernel } from '../../engine/kernel.js';
import { DEFAULT_METHOD_CONFIG, methodConfig } from '../../engine/method/config.js';
import { DEFAULT_RISK_CONFIG } from '../../engine/risk/sizing.js';
import { DepthBook } from '../../engine/book/depth-book.js';
import { readDepthFile } from '../../engine/feeds/depth-file.js';
import { barTicks } from '../peers/data.js';
import { DtcPeer } from '../peers/dtc-server.js';
import { eventually } from '../support/manual-clock.js';
import { fileBars, ohlcv } from '../support/file-bars.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});


/**
 * LIVE's thresholds (STRONG grade, 0.8) let no signal through on this stretch of data; the broker path
 * is what these tests check, so LIVE takes PAPER's thresholds here.
 */
const METHOD = methodConfig({ modes: { LIVE: DEFAULT_METHOD_CONFIG.modes.PAPER } });

async function liveKernel(risk = DEFAULT_RISK_CONFIG, dataDir = mkdtempSync(join(tmpdir(), 'mia-live-')), marketDataDir = dataDir): Promise<{ k: Kernel; peer: DtcPeer; events: EngineEvent[]; dataDir: string }> {
  const peer = new DtcPeer({ account: 'SIM-4711' });
  await peer.start();
  const k = createKernel({ dataDir, marketDataDir, version: 'test', risk, method: METHOD }, new LiveClock());
  const events: EngineEvent[] = [];
  k.bus.subscribe((e) => events.push(e));
  cleanup.push(async () => {
    await k.close();
    await peer.stop();
  });
  await k.api.setRouting({ dataSource: 'dtc', orderRoute: 'dtc' });
  await k.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
  await eventually(() => expect(peer.subscribers()).toBe(1));
  return { k, peer, events, dataDir };
}


describe('a live run on Sierra Chart DTC (the DTC peer)', () => {
  it('streams the real CSV as trades: the run closes the same bars, journals them, and records every trade to SCID', async () => {
    const { k, peer, events } = await liveKernel();
    const c = await k.api.getConnections();
    expect(c.dtc.status).toMatchObject({ state: 'connected', accounts: ['SIM-4711'] });
    expect(c.account).toBe('SIM-4711');
    const expected = await fileBars(600);
    const ticks = barTicks(expected);
    await peer.stream(ticks, { trade: 112, quote: 117 });
    // The last bar closes when a later trade arrives or its minute (in market time) passes.
    // The last minute is still forming: it closes when its minute (market time, paced by the wall clock) has passed.
    await eventually(async () => expect((await k.api.getReplaySnapshot()).forming?.bar.volume).toBe(expected.at(-1)?.volume));
    const snap = await k.api.getReplaySnapshot();
    expect(snap.status).toMatchObject({ live: true, state: 'playing' });
    expect([...snap.bars, snap.forming!.bar].map(ohlcv)).toEqual(expected.map(ohlcv));
    expect(events.some((e) => e.type === 'bar.forming')).toBe(true);
    const conn = await k.api.getConnections();
    await eventually(async () => expect((await k.api.getConnections()).recordings[0]?.records).toBe(ticks.length));
    expect(conn.recordings[0]?.file).toMatch(/ESZ3\.scid$/);
  });

  it('on a first day the market data folder does not exist yet: it is made, and every trade is recorded (issue 17)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mia-first-day-'));
    const marketDataDir = join(dataDir, 'not', 'yet', 'market-data');
    const { k, peer } = await liveKernel(DEFAULT_RISK_CONFIG, dataDir, marketDataDir);
    const ticks = barTicks(await fileBars(30));
    await peer.stream(ticks, { trade: 107, quote: 108 });
    await eventually(async () => expect((await k.api.getConnections()).recordings[0]?.records).toBe(ticks.length));
    expect((await k.api.getConnections()).recordings[0]?.file).toBe(join(marketDataDir, 'ESZ3.scid'));
  }, 30_000);

  it('a market data folder that cannot hold the recording is said with its path and what to do; the live run goes on unrecorded (issue 17)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mia-first-day-'));
    const blocked = join(dataDir, 'market-data');
    writeFileSync(blocked, 'a file where the folder should be');
    const { k, peer, events } = await liveKernel(DEFAULT_RISK_CONFIG, dataDir, blocked);
    await peer.stream(barTicks(await fileBars(5)), { trade: 107, quote: 108 });
    await eventually(async () => expect((await k.api.getReplaySnapshot()).bars.length + 1).toBeGreaterThan(1));
    const alert = events.find((e) => e.type === 'alert' && e.level === 'critical' && e.message.startsWith('Not recording'));
    expect(alert?.type === 'alert' ? alert.message : '').toMatch(new RegExp(`the live recording ${blocked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/ESZ3\\.scid cannot be created \\((ENOTDIR|EEXIST)\\): make its folder .* writable, or choose another market data folder`));
    expect((await k.api.getConnections()).recordings).toEqual([]);
  }, 30_000);

  it('LIVE needs the account typed exactly; in AUTO the bracket goes to the broker, fills, and the kill switch ends flat by the broker’s position', async () => {
    const { k, peer } = await liveKernel();
    await expect(k.api.setMode('LIVE', 'SIM-47')).rejects.toThrow('type the account id SIM-4711 exactly to confirm');
    await k.api.setExecution('AUTO');
    const live = await k.api.setMode('LIVE', 'SIM-4711');
    expect(live).toMatchObject({ mode: 'LIVE', brokerConnected: true });
    // The real CSV until the first bracket is at the broker.
    const ticks = barTicks(await fileBars(15_176));
    const streaming = peer.stream(ticks, { trade: 107, quote: 108, perSecond: 3000 });
    await eventually(() => expect(peer.received.some((m) => m.Type === 201)).toBe(true), 20_000);
    peer.hold(); // the market pauses with the trade open
    const oco = peer.received.find((m) => m.Type === 201)!;
    const entry = peer.received.find((m) => m.Type === 208 && m.ClientOrderID === oco.ParentTriggerClientOrderID)!;
    expect(entry).toMatchObject({ IsParentOrder: 1, OrderType: 1, TradeAccount: 'SIM-4711' });
    await eventually(() => expect(peer.fills.some((f) => f.clientId === entry.ClientOrderID)).toBe(true));
    await eventually(async () => expect((await k.api.getExecution()).position.qty).not.toBe(0));
    const working = (await k.api.getExecution()).orders.filter((o) => o.status === 'WORKING').map((o) => o.role).sort();
    expect(working).toEqual(['stop', 'target']);
    // The kill switch: global cancel (DTC: every open order cancelled) and a closing market order; flat only when the broker says so.
    await k.api.killSwitch('test: flatten at the broker');
    await eventually(async () => expect((await k.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', flat: true }), 10_000);
    expect(peer.netPosition).toBe(0);
    expect(peer.workingOrders()).toHaveLength(0);
    void streaming; // held for good: the rest of the data is not needed
    await k.api.backup(); // flushes the run's journal first
    const fills = k.db!.prepare('SELECT order_id, price, qty FROM fills ORDER BY ts, order_id').all() as { order_id: string; price: number; qty: number }[];
    expect(peer.fills).toHaveLength(2); // the entry, and the kill switch's closing order
    const trade = k.db!.prepare('SELECT exit_reason, exit_price FROM trades').get() as { exit_reason: string; exit_price: number };
    expect(trade).toEqual({ exit_reason: 'kill-switch', exit_price: peer.fills[1]?.price });
    expect(fills.map((f) => [f.order_id, f.price, f.qty])).toEqual(peer.fills.map((f) => [f.clientId, f.price, f.qty]));
  }, 60_000);
});

describe('live faults through the kernel (DTC peer)', () => {
  /** Section 12's timers, shortened for the test: broker lost 1.5 s (30 s in production), stale data 2 s (10 s). */
  const FAST_RISK = { ...DEFAULT_RISK_CONFIG, brokerLostMs: 1500, staleDataMs: 2000 };

  it('the broker gone with a position open trips the kill switch after brokerLostMs; flat only once the broker is back and confirms it', async () => {
    const { k, peer } = await liveKernel(FAST_RISK);
    await eventually(async () => expect((await k.api.getConnections()).account).toBe('SIM-4711'));
    await k.api.setExecution('AUTO');
    await k.api.setMode('LIVE', 'SIM-4711');
    const streaming = peer.stream(barTicks(await fileBars(15_176)), { trade: 107, quote: 108, perSecond: 3000 });
    await eventually(() => expect(peer.received.some((m) => m.Type === 201)).toBe(true), 20_000);
    peer.hold();
    await eventually(async () => expect((await k.api.getExecution()).position.qty).not.toBe(0));
    const port = peer.port;
    await peer.stop(); // TWS/Sierra Chart gone: the client retries, nothing answers
    await eventually(async () => expect((await k.api.getExecution()).brokerConnected).toBe(false));
    await eventually(async () => expect((await k.api.getExecution()).killSwitch).toMatchObject({ state: 'REDUCING', trigger: 'broker-lost', flat: false }), 5000);
    expect((await k.api.getExecution()).killSwitch.detail).toMatch(/broker connection lost for 1.5 s with 1 contract\(s\) open/);
    await peer.start(port); // back: the client logs on, reconciles, the closing order goes out, the broker confirms flat
    await eventually(async () => expect((await k.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', flat: true }), 15_000);
    expect(peer.netPosition).toBe(0);
    void streaming;
  }, 60_000);

  it('the broker refuses the OCO pair after the entry filled (issue 16): both legs are sent again on their own, the position is protected at the broker, and the exit cancels the other leg', async () => {
    const { k, peer, events } = await liveKernel();
    await eventually(async () => expect((await k.api.getConnections()).account).toBe('SIM-4711'));
    await k.api.setExecution('AUTO');
    await k.api.setMode('LIVE', 'SIM-4711');
    peer.rejectNextOco('insufficient margin for the OCO');
    void peer.stream(barTicks(await fileBars(15_176)), { trade: 107, quote: 108, perSecond: 3000 });
    // The entry (208, parent), the refused OCO (201), then the stop and the target on their own (208 each).
    await eventually(() => expect(peer.received.filter((m) => m.Type === 208)).toHaveLength(3), 20_000);
    peer.hold();
    await eventually(() => expect(peer.netPosition).not.toBe(0));
    const legs = peer.workingOrders().map((o) => o.type).sort();
    expect(legs).toEqual([2, 3]); // a STOP and a LIMIT working at the broker for the position
    await eventually(async () => expect((await k.api.getExecution()).orders.filter((o) => o.status === 'WORKING').map((o) => o.role).sort()).toEqual(['stop', 'target']));
    expect(events.some((e) => e.type === 'alert' && /refused the stop of trade T1 .*sent again/.test(e.message))).toBe(true);
    // The trade ends by one leg: the other is cancelled at the broker (they are in no OCA group there).
    peer.release();
    await eventually(async () => expect((await k.api.getExecution()).trades[0]?.exitReason).toMatch(/^(stop|target)$/), 20_000);
    peer.hold();
    const t1Legs = peer.received.filter((m) => m.Type === 208).slice(1, 3).map((m) => String(m.ClientOrderID));
    await eventually(() => expect(peer.workingOrders().filter((o) => t1Legs.includes(o.clientId))).toEqual([]));
  }, 60_000);

  it('refused again, the position is closed at market at once with a critical alert (issue 16)', async () => {
    const { k, peer, events } = await liveKernel();
    await eventually(async () => expect((await k.api.getConnections()).account).toBe('SIM-4711'));
    await k.api.setExecution('AUTO');
    await k.api.setMode('LIVE', 'SIM-4711');
    peer.rejectNextOco('insufficient margin', 2);
    void peer.stream(barTicks(await fileBars(15_176)), { trade: 107, quote: 108, perSecond: 3000 });
    await eventually(() => expect(peer.fills).toHaveLength(2), 20_000); // the entry, then the closing market order
    peer.hold();
    expect(peer.netPosition).toBe(0);
    expect(peer.workingOrders()).toEqual([]);
    await eventually(async () => expect((await k.api.getExecution()).trades[0]).toMatchObject({ exitReason: 'unprotected' }));
    expect(events.some((e) => e.type === 'alert' && e.level === 'critical' && /refused the (stop|target) of trade T1 twice .* closed at market/.test(e.message))).toBe(true);
    expect((await k.api.getExecution()).position.qty).toBe(0);
  }, 60_000);

  it('a position the journal does not know is shown at connect, alerted, and refuses LIVE until flattened at the broker (issue 16)', async () => {
    const { k, peer, events } = await liveKernel();
    peer.holdPosition(3, 4301.25); // traded in Sierra Chart before the workstation connected: connect again to see it at logon
    await k.api.disconnect('dtc');
    await k.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
    await eventually(async () => expect((await k.api.getExecution()).broker).toEqual({ positionQty: 3, avgPrice: 4301.25, unknownQty: 3, unknownOrders: 0, otherPositions: 0 }));
    expect(events.some((e) => e.type === 'alert' && e.level === 'critical' && /the broker holds 3 contract\(s\) at 4301.25, 3 more than the workstation's trades: LIVE is refused/.test(e.message))).toBe(true);
    await eventually(async () => expect((await k.api.getConnections()).account).toBe('SIM-4711'));
    await expect(k.api.setMode('LIVE', 'SIM-4711')).rejects.toThrow(/LIVE is refused: the broker holds 3 contract\(s\) the workstation did not open/);
    await peer.stream(barTicks(await fileBars(3)), { trade: 107, quote: 108 }); // a last price to fill the close at
    await k.api.flattenAtBroker();
    await eventually(() => expect(peer.netPosition).toBe(0));
    await eventually(async () => expect((await k.api.getExecution()).broker).toMatchObject({ positionQty: 0, unknownQty: 0 }));
    expect((await k.api.getExecution()).position.qty).toBe(0);
    await expect(k.api.setMode('LIVE', 'SIM-4711')).resolves.toMatchObject({ mode: 'LIVE' });
  }, 60_000);

  it('the trader adopts it instead: LIVE with the account typed, a trade of the run protected by a stop and a target in one OCA group at the broker, managed to its exit (issue 16)', async () => {
    const { k, peer } = await liveKernel();
    peer.holdPosition(3, 4366.125); // a fractional average, as after fills at two prices
    await k.api.disconnect('dtc');
    await k.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
    await eventually(async () => expect((await k.api.getExecution()).broker).toMatchObject({ positionQty: 3, unknownQty: 3 }));
    await eventually(async () => expect((await k.api.getConnections()).account).toBe('SIM-4711'));
    await peer.stream(barTicks(await fileBars(3)), { trade: 107, quote: 108 });
    await expect(k.api.setMode('LIVE', 'SIM-4711')).rejects.toThrow(/adopt them \(Adopt\) or flatten them/);
    await expect(k.api.adoptBrokerPosition({ confirmAccount: 'SIM-47', stopTicks: 8, targetTicks: 16 })).rejects.toThrow(/type the account id SIM-4711 exactly/);
    const head = await k.api.adoptBrokerPosition({ confirmAccount: 'SIM-4711', stopTicks: 8, targetTicks: 16 });
    expect(head.mode).toBe('LIVE');
    // 4366.125 - 8 ticks = 4364.125, on the grid 4364.25; + 16 ticks = 4370.125 -> 4370.25. No parent: the pair works at once.
    await eventually(() => expect(peer.received.some((m) => m.Type === 201)).toBe(true));
    const oco = peer.received.find((m) => m.Type === 201)!;
    expect(oco).toMatchObject({ ParentTriggerClientOrderID: '', Quantity_1: 3, OrderType_1: 2, BuySell_1: 2, Price1_1: 4370.25, Quantity_2: 3, OrderType_2: 3, BuySell_2: 2, Price1_2: 4364.25, TradeAccount: 'SIM-4711' });
    await eventually(async () => expect((await k.api.getExecution()).orders.map((o) => [o.role, o.status]).sort()).toEqual([['stop', 'WORKING'], ['target', 'WORKING']]));
    let x = await k.api.getExecution();
    // Marked at once at the last trade, the third bar's close 4366.50: (4366.50 - 4366.125) x 3 x USD 50.
    expect(x.position).toMatchObject({ qty: 3, avgPrice: 4366.125, unrealizedUsd: 56.25 });
    expect(x.broker).toMatchObject({ positionQty: 3, unknownQty: 0 });
    expect(x.trades[0]).toMatchObject({ source: 'adopted', setup: 'ADOPTED', grade: null, side: 'LONG', qty: 3, entryPrice: 4366.125, stop: 4364.25, target: 4370.25, exitTs: null });
    expect(x.killSwitch.state).toBe('ACTIVE');
    // The market trades down through the stop: the broker fills it and cancels the target.
    peer.trade(4364, Date.UTC(2023, 8, 25, 14, 31));
    await eventually(async () => expect((await k.api.getExecution()).trades[0]).toMatchObject({ exitReason: 'stop', exitPrice: 4364 }));
    x = await k.api.getExecution();
    // (4364 - 4366.125) / 0.25 = -8.5 ticks per contract.
    expect(x.trades[0]!.pnlTicks).toBeCloseTo(-8.5, 9);
    expect(x.position.qty).toBe(0);
    await eventually(() => expect(peer.workingOrders()).toHaveLength(0));
    expect(peer.netPosition).toBe(0);
    await k.api.backup(); // flushes the run's journal
    expect(k.db!.prepare(`SELECT source, setup, signal_id AS signalId, exit_reason AS exitReason FROM trades`).all()).toEqual([{ source: 'adopted', setup: 'ADOPTED', signalId: 'ADOPTED-T1', exitReason: 'stop' }]);
  }, 60_000);

  it('found at a reconnect while LIVE, it is the engine\'s position: the kill switch closes it, no phantom after (issue 16)', async () => {
    const { k, peer } = await liveKernel();
    await eventually(async () => expect((await k.api.getConnections()).account).toBe('SIM-4711'));
    await peer.stream(barTicks(await fileBars(3)), { trade: 107, quote: 108 });
    await k.api.setMode('LIVE', 'SIM-4711');
    peer.dropAll();
    peer.holdPosition(4, 4301.25); // traded in Sierra Chart while the link was down
    await eventually(async () => expect((await k.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', flat: true, trigger: 'critical-error' }), 15_000);
    expect(peer.netPosition).toBe(0);
    const x = await k.api.getExecution();
    expect(x.position).toMatchObject({ qty: 0, unrealizedUsd: 0 });
    expect(x.broker).toMatchObject({ positionQty: 0, unknownQty: 0 });
    expect(x.killSwitch.detail).toMatch(/the broker holds 4 contract\(s\) at 4301.25, 4 more than the workstation's trades/);
  }, 60_000);

  it('a restart keeps the day: the next live run of the session starts with its P&L, trades and losing streak (issue 16)', async () => {
    const first = await liveKernel();
    await first.k.api.setExecution('AUTO');
    const all = barTicks(await fileBars(15_176));
    void first.peer.stream(all, { trade: 107, quote: 108, perSecond: 3000 });
    await eventually(async () => expect((await first.k.api.getExecution()).trades.filter((t) => t.exitTs !== null).length).toBeGreaterThan(0), 30_000);
    first.peer.hold();
    const before = await first.k.api.getExecution();
    const closedPnl = before.trades.filter((t) => t.exitTs !== null).reduce((a, t) => a + t.pnlUsd!, 0);
    expect(closedPnl).not.toBe(0);
    const at = before.marketTs!;
    await first.k.close();
    await first.peer.stop();

    // The app again, the same day: MANUAL, so nothing it does today moves the figures before they are read.
    const second = await liveKernel(DEFAULT_RISK_CONFIG, first.dataDir);
    await second.k.api.setExecution('MANUAL');
    void second.peer.stream(all.filter((t) => t.ts > at + 60_000).slice(0, 400), { trade: 107, quote: 108, perSecond: 3000 });
    await eventually(async () => expect((await second.k.api.getExecution()).limits.tradesToday).toBe(before.limits.tradesToday), 20_000);
    const after = await second.k.api.getExecution();
    expect(after.limits.dailyPnlUsd).toBeCloseTo(closedPnl, 6);
    expect(after.limits.consecutiveLosses).toBe(before.limits.consecutiveLosses);
    // The drawdown goes on from the day's peak: equity and peak of the closed trades' running P&L, not the starting equity again.
    const closed = before.trades.filter((t) => t.exitTs !== null).sort((a, b) => a.exitTs! - b.exitTs!);
    let running = 0;
    let peak = 0;
    for (const t of closed) {
      running += t.pnlUsd!;
      peak = Math.max(peak, running);
    }
    const start = DEFAULT_RISK_CONFIG.accountEquityUsd;
    expect(after.position).toMatchObject({ qty: 0, equitySource: 'default' });
    expect(after.position.equityUsd).toBeCloseTo(start + closedPnl, 6);
    expect(after.position.peakEquityUsd).toBeCloseTo(start + peak, 6);
    expect(after.limits.drawdownUsd).toBeCloseTo(peak - closedPnl, 6);
  }, 60_000);

  it("in LIVE the drawdown is the broker's: its net liquidation value against the high-water mark of its readings, kept across a restart; 10% down trips the kill switch (issue 16)", async () => {
    const ticks = barTicks(await fileBars(1000));
    const first = await liveKernel();
    await first.peer.stream(ticks.slice(0, 200), { trade: 107, quote: 108 });
    await eventually(async () => expect((await first.k.api.getReplaySnapshot()).status.live).toBe(true));
    // PAPER: the run's book, from the default starting equity (shown as the default).
    expect((await first.k.api.getExecution()).position).toMatchObject({ equitySource: 'default', equityUsd: DEFAULT_RISK_CONFIG.accountEquityUsd });
    await first.k.api.setMode('LIVE', 'SIM-4711');
    // The DTC peer's balance: CashBalance 30,000 + OpenPositionsProfitLoss 0.
    await eventually(async () => expect((await first.k.api.getExecution()).position).toMatchObject({ equitySource: 'broker', equityUsd: 30_000, peakEquityUsd: 30_000, drawdownUsd: 0, runEquityUsd: 25_000 }));
    first.peer.setBalance(31_000, 0);
    first.peer.setBalance(28_500, 150);
    await eventually(async () => expect((await first.k.api.getExecution()).position).toMatchObject({ equityUsd: 28_650, peakEquityUsd: 31_000, drawdownUsd: 2_350 }));
    expect((await first.k.api.getExecution()).killSwitch.state).toBe('ACTIVE'); // 7.6% of the peak
    await first.k.close();
    await first.peer.stop();

    const second = await liveKernel(DEFAULT_RISK_CONFIG, first.dataDir);
    await second.peer.stream(ticks.slice(200, 300), { trade: 107, quote: 108 });
    await eventually(async () => expect((await second.k.api.getReplaySnapshot()).status.live).toBe(true));
    await second.k.api.setMode('LIVE', 'SIM-4711');
    second.peer.setBalance(28_600, 0);
    await eventually(async () => expect((await second.k.api.getExecution()).position).toMatchObject({ equitySource: 'broker', equityUsd: 28_600, peakEquityUsd: 31_000 }));
    expect((await second.k.api.getExecution()).limits.maxDrawdownUsd).toBeCloseTo(3_100, 6);
    // 31,000 - 27,850 = 3,150 >= 10% of 31,000: the next price trips the switch.
    second.peer.setBalance(27_850, 0);
    await second.peer.stream(ticks.slice(300, 320), { trade: 107, quote: 108 });
    await eventually(async () => expect((await second.k.api.getExecution()).killSwitch).toMatchObject({ trigger: 'max-drawdown' }));
    expect((await second.k.api.getExecution()).killSwitch.detail).toMatch(/drawdown 3150\.00 USD is 10\.2% of the broker's peak net liquidation value/);
  }, 60_000);

  it("the broker's day counts when it is worse than the journal's: a loss booked while the engine was down trips the daily loss limit (issue 16)", async () => {
    const ticks = barTicks(await fileBars(1000));
    const { k, peer } = await liveKernel();
    await peer.stream(ticks.slice(0, 200), { trade: 107, quote: 108 });
    await eventually(async () => expect((await k.api.getReplaySnapshot()).status.live).toBe(true));
    await k.api.setMode('LIVE', 'SIM-4711');
    // The journal has no trade today; the broker books -320 for the day (a stop that filled while the engine was down).
    peer.setBalance(29_680, 0, -320);
    await eventually(async () => expect((await k.api.getExecution()).limits.dailyPnlUsd).toBe(-320));
    expect((await k.api.getExecution()).killSwitch.state).toBe('ACTIVE');
    peer.setBalance(29_480, 0, -520);
    await peer.stream(ticks.slice(200, 210), { trade: 107, quote: 108 });
    await eventually(async () => expect((await k.api.getExecution()).killSwitch).toMatchObject({ trigger: 'daily-loss' }));
    expect((await k.api.getExecution()).killSwitch.detail).toMatch(/daily loss 520\.00 USD reached the 500 USD limit/);
  }, 60_000);

  it('the starting equity the trader sets is what the next run counts its drawdown from, saved across a restart; none set is shown as the default (issue 16)', async () => {
    const first = await liveKernel();
    expect((await first.k.api.getExecution()).position).toMatchObject({ equitySource: 'default', equityUsd: 25_000, peakEquityUsd: 25_000 });
    await expect(first.k.api.setStartingEquity(-5)).rejects.toThrow(/positive number of USD/);
    await first.k.api.setStartingEquity(60_000);
    // Journaled with the settings' changes (issue 18): who, old and new, why.
    expect((await first.k.api.getSettings()).changes[0]).toMatchObject({ who: 'trader', field: 'account.startingEquityUsd', from: null, to: 60_000, reason: 'set beside Equity in the Position panel' });
    await first.k.close();
    await first.peer.stop();
    const second = await liveKernel(DEFAULT_RISK_CONFIG, first.dataDir);
    await second.peer.stream(barTicks((await fileBars(100))), { trade: 107, quote: 108 });
    await eventually(async () => expect((await second.k.api.getReplaySnapshot()).status.live).toBe(true));
    const x = await second.k.api.getExecution();
    expect(x.position).toMatchObject({ equitySource: 'trader', equityUsd: 60_000, peakEquityUsd: 60_000 });
    expect(x.limits.maxDrawdownUsd).toBeCloseTo(6_000, 6);
  }, 60_000);

  it('a feed that stalls in the session trips the kill switch (stale data) after staleDataMs', async () => {
    const { k, peer } = await liveKernel(FAST_RISK);
    // Monday 2023-09-25 10:00 ET is inside the session.
    await peer.stream(barTicks((await fileBars(1000)).slice(900)), { trade: 107, quote: 108 });
    peer.stall(true);
    await eventually(async () => expect((await k.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', trigger: 'stale-data' }), 8000);
  }, 20_000);
});

describe("the trader's own orders at Sierra Chart DTC (issue 18, item 2)", () => {
  it('a ladder limit with its ATM bracket, moved by the RPC a drag sends (cancel-replace), Cancel all, then a market entry and Flatten, the peer confirming each', async () => {
    const { k, peer } = await liveKernel();
    await k.api.setMode('LIVE', 'SIM-4711');
    // 600 bars from the session's open at 18:00 ET (all in one session): the ladder's volume is the trades' at each price.
    const ticks = barTicks(await fileBars(600));
    await peer.stream(ticks, { trade: 107, quote: 108 });
    const last = ticks.at(-1)!.price;
    await eventually(async () => expect((await k.api.getLadder(21))?.last).toBe(last));
    const ladder = (await k.api.getLadder(21))!;
    expect(ladder.rows).toHaveLength(21);
    expect(ladder.rows[10]!.price).toBe(last);
    expect(ladder.rows.map((r) => r.price)).toEqual(Array.from({ length: 21 }, (_, i) => last + (10 - i) * 0.25));
    const traded = (p: number) => ticks.filter((t) => t.price === p).reduce((a, t) => a + t.size, 0);
    expect(ladder.rows.map((r) => r.volume)).toEqual(ladder.rows.map((r) => traded(r.price)));
    expect(ladder.atm).toEqual({ contracts: 1, stopTicks: 8, targetTicks: 16 });

    // A buy limit a point under the market, with its bracket: the entry (IsParentOrder) and the OCO pair triggered by it.
    await k.api.placeOrder({ side: 'BUY', type: 'LIMIT', qty: 1, price: last - 1 });
    await eventually(() => expect(peer.received.some((m) => m.Type === 201)).toBe(true));
    const oco = peer.received.find((m) => m.Type === 201)!;
    const entry = peer.received.find((m) => m.Type === 208 && m.ClientOrderID === oco.ParentTriggerClientOrderID)!;
    expect(entry).toMatchObject({ IsParentOrder: 1, OrderType: 2, Price1: last - 1, Quantity: 1, TradeAccount: 'SIM-4711' });
    // Stop 8 ticks under the limit, target 16 over.
    expect([oco.Price1_1, oco.Price1_2].sort()).toEqual([last - 3, last + 3].sort());
    // The drag of the entry a tick up: cancel-replace of the entry, and of its legs the same ticks away (ATM).
    await k.api.modifyOrder(String(entry.ClientOrderID), last - 0.75);
    await eventually(() => expect(peer.received.filter((m) => m.Type === 204).map((m) => m.Price1).sort()).toEqual([last - 2.75, last - 0.75, last + 3.25].sort()));
    await eventually(() => expect(peer.workingOrders().map((o) => o.price).sort()).toEqual([last - 2.75, last - 0.75, last + 3.25].sort()));
    // Cancel all: nothing is open; every order cancelled at the server, the trade with it.
    await k.api.cancelAll();
    await eventually(() => expect(peer.workingOrders()).toHaveLength(0));
    await eventually(async () => expect((await k.api.getExecution()).orders).toEqual([]));

    // A market buy fills at the server; Cancel all now needs the confirm; Flatten closes it and trading stays armed.
    await k.api.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1 });
    await eventually(() => expect(peer.netPosition).toBe(1));
    await eventually(async () => expect((await k.api.getExecution()).orders.map((o) => [o.role, o.status]).sort()).toEqual([['stop', 'WORKING'], ['target', 'WORKING']]));
    await expect(k.api.cancelAll()).rejects.toThrow(/1 contract\(s\) are open and would lose their stop and target; Flatten closes the position/);
    await k.api.flatten();
    await eventually(() => expect(peer.netPosition).toBe(0));
    expect(peer.workingOrders()).toHaveLength(0);
    await eventually(async () => expect((await k.api.getExecution()).position.qty).toBe(0));
    expect((await k.api.getExecution()).killSwitch.state).toBe('ACTIVE');
    await k.api.backup(); // flushes the run's journal
    const trades = k.db!.prepare(`SELECT source, setup, exit_reason AS exitReason FROM trades ORDER BY id`).all();
    expect(trades).toEqual([
      { source: 'manual', setup: 'MANUAL', exitReason: 'cancelled' },
      { source: 'manual', setup: 'MANUAL', exitReason: 'flatten' },
    ]);
  }, 60_000);
});

describe('PAPER on live data (issue 18)', () => {
  it("pays the simulated costs the trader set: a ladder market order fills on the simulated venue with the settings' commission and slippage", async () => {
    const { k, peer } = await liveKernel();
    const s = (await k.api.getSettings()).settings;
    await k.api.setSettings({ settings: { ...s, paper: { commissionPerSideUsd: 1.25, slippageTicks: 0 } }, reason: 'my broker charges less' });
    // The live run opened at connect took the costs of then: a new connection opens a new run with these.
    await k.api.disconnect('dtc');
    await k.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
    const ticks = barTicks(await fileBars(30));
    await peer.stream(ticks.slice(0, 20), { trade: 107, quote: 108 });
    await eventually(async () => expect((await k.api.getLadder(9))?.last).toBe(ticks[19]!.price));
    await k.api.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1 });
    await peer.stream(ticks.slice(20, 21), { trade: 107, quote: 108 });
    await eventually(async () => expect((await k.api.getExecution()).fills).toHaveLength(1));
    // No slippage: the next trade's price; 1.25 USD a side.
    expect((await k.api.getExecution()).fills[0]).toMatchObject({ price: ticks[20]!.price, slippageTicks: 0, commissionUsd: 1.25 });
    expect(peer.received.some((m) => m.Type === 208)).toBe(false); // PAPER: nothing went to the server
  }, 30_000);
});

describe('market depth from Sierra Chart DTC (issue 18, item 4)', () => {
  it("the server's book drives the ladder, is recorded beside the SCID file as a .depth file, and a replay of the recording shows it again", async () => {
    const { k, peer, dataDir } = await liveKernel();
    const ticks = barTicks(await fileBars(30));
    await peer.stream(ticks, { trade: 107, quote: 108 });
    const last = ticks.at(-1)!.price;
    await eventually(async () => expect((await k.api.getLadder(11))?.last).toBe(last));
    // Five levels a side around the last trade: bids 10, 20, ... under it, asks 5, 10, ... over it.
    for (let i = 1; i <= 5; i++) {
      peer.depthUpdate('bid', last - i * 0.25, 10 * i);
      peer.depthUpdate('ask', last + (i - 1) * 0.25 + 0.25, 5 * i);
    }
    await eventually(async () => expect((await k.api.getLadder(11, last))?.rows.find((r) => r.price === last - 1.25)?.bidSize).toBe(50));
    // The best bid pulled: the level goes, the next one is the best.
    peer.depthUpdate('bid', last - 0.25, 0);
    await eventually(async () => expect((await k.api.getLadder(11, last))?.bid).toBe(last - 0.5));
    const live = (await k.api.getLadder(11, last))!;
    const sizes = (l: typeof live) => l.rows.map((r) => [r.price, r.bidSize, r.askSize]);
    expect(live).toMatchObject({ depth: true, bid: last - 0.5, ask: last + 0.25 });
    expect(sizes(live)).toEqual([
      [last + 1.25, null, 25],
      [last + 1, null, 20],
      [last + 0.75, null, 15],
      [last + 0.5, null, 10],
      [last + 0.25, null, 5],
      [last, null, null],
      [last - 0.25, null, null],
      [last - 0.5, 20, null],
      [last - 0.75, 30, null],
      [last - 1, 40, null],
      [last - 1.25, 50, null],
    ]);
    await k.api.disconnect('dtc');
    // The recording: ESZ3.scid and, beside it, the book of the trades' day.
    const day = new Date(ticks.at(-1)!.ts).toISOString().slice(0, 10);
    const depthFile = join(dataDir, `ESZ3.${day}.depth`);
    const book = new DepthBook(0.25);
    for await (const b of readDepthFile(depthFile)) book.apply(b.updates, b.ts);
    expect(book.levels('bid', 10).map((l) => [l.price, l.size])).toEqual([[last - 0.5, 20], [last - 0.75, 30], [last - 1, 40], [last - 1.25, 50]]);
    expect(book.levels('ask', 10)).toHaveLength(5);
    await k.api.openReplay({ path: join(dataDir, 'ESZ3.scid') });
    await k.api.setSpeed('max');
    await k.api.play();
    await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 20_000);
    expect(sizes((await k.api.getLadder(11, last))!)).toEqual(sizes(live));
  }, 60_000);
});

