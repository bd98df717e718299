/**
 * The Interactive Brokers client against the fake TWS (tests/peers/tws-server.ts):
 * contracts and the front month, tick-by-tick trades that rebuild the real
 * file's bars, backfill, the SPX chain's gamma levels against the chain file,
 * orders (bracket as OCA, modify, cancel, global cancel), reconciliation and
 * faults. Every test runs against TWS at two server versions (issue 17): 151,
 * and 178, at which CONTRACT_DATA, TICK_OPTION_COMPUTATION, ERR_MSG and
 * EXECUTION_DATA carry other fields (IB's EDecoder).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock.js';
import type { Bar } from '../../engine/domain.js';
import { readChain, type OptionChain } from '../../engine/gamma/chain.js';
import { gammaLevels } from '../../engine/gamma/gex.js';
import { IbClient, type IbConfig, type IbHandlers } from '../../engine/live/ib/client.js';
import type { LinkStatus, LiveTrade } from '../../engine/live/types.js';
import type { BrokerAccountValue, BrokerCommission, BrokerOrderReport, BrokerPosition } from '../../engine/venue/link.js';
import { barTicks, chainRows } from '../peers/data.js';
import { TWS_SERVER_VERSION, TwsPeer, type TwsPeerOptions } from '../peers/tws-server.js';
import { listenSilently } from '../peers/silent.js';
import { SHARED_DATA } from '../support/paths.js';
import { eventually } from '../support/manual-clock.js';
import { join } from 'node:path';
import { barsOfTrades, fileBars, ohlcv } from '../support/file-bars.js';

const CHAIN_FILE = join(SHARED_DATA, 'options', 'spx_quotedata_2023-08-20.csv');
const open: { peer: TwsPeer; clients: IbClient[] }[] = [];

/** The server version the fake TWS speaks in the tests now running (describe.each below). */
let serverVersion = TWS_SERVER_VERSION;

async function setup(config: Partial<IbConfig> = {}, handlers: IbHandlers = {}, peerOpts: TwsPeerOptions = {}): Promise<{ peer: TwsPeer; client: IbClient }> {
  const peer = new TwsPeer({ serverVersion, ...peerOpts });
  await peer.start();
  const client = new IbClient({ host: '127.0.0.1', port: peer.port, clientId: 7, chain: false, ...config }, new LiveClock(), handlers);
  open.push({ peer, clients: [client] });
  return { peer, client };
}

afterEach(async () => {
  for (const { peer, clients } of open.splice(0)) {
    for (const c of clients) c.disconnect();
    await peer.stop();
  }
});


/** Connects and waits until TWS has the tick-by-tick subscriptions (requests are paced, so they trail the connect). */
async function connected(peer: TwsPeer, client: IbClient): Promise<void> {
  await client.connect();
  await eventually(() => expect([peer.subscribers('AllLast'), peer.subscribers('BidAsk')]).toEqual([1, 1]));
}


function listen(client: IbClient): { reports: BrokerOrderReport[]; positions: BrokerPosition[]; links: boolean[]; values: BrokerAccountValue[]; commissions: BrokerCommission[] } {
  const seen = { reports: [] as BrokerOrderReport[], positions: [] as BrokerPosition[], links: [] as boolean[], values: [] as BrokerAccountValue[], commissions: [] as BrokerCommission[] };
  client.setListener({
    order: (r) => seen.reports.push(r),
    position: (p) => seen.positions.push(p),
    positionsReported: () => undefined,
    connection: (up) => seen.links.push(up),
    accountValue: (v) => seen.values.push(v),
    commission: (c) => seen.commissions.push(c),
  });
  return seen;
}

describe.each([TWS_SERVER_VERSION, 178])('TWS at server version %i', (version) => {
  beforeEach(() => {
    serverVersion = version;
  });

  describe('IB client against the fake TWS', () => {
    it('resolves the front month by the roll rule at TWS’s time, and the real CSV streamed tick by tick rebuilds the same bars with the delta from the last bid/ask', async () => {
      const trades: LiveTrade[] = [];
      const contracts: string[] = [];
      const { peer, client } = await setup({ roots: ['ES', 'NQ'] }, { trade: (t) => trades.push(t), contract: (root, local) => contracts.push(`${root}:${local}`) });
      await connected(peer, client);
      expect(client.status()).toMatchObject({ state: 'connected', accounts: ['DU1234567'] });
      // 2023-09-25: ESU3 expired on the 15th; ESZ3 is the front until 8 days before 2023-12-15.
      expect(contracts).toEqual(['ES:ESZ3', 'NQ:NQZ3']);
      expect(client.symbol).toBe('ESZ3');
      const expected = await fileBars(600);
      const ticks = barTicks(expected);
      await peer.stream(ticks);
      await eventually(() => expect(trades).toHaveLength(ticks.length));
      const built = barsOfTrades(trades);
      expect(built.map(ohlcv)).toEqual(expected.map(ohlcv));
      const delta = ticks.reduce((s, t) => s + (t.at === 2 ? t.size : -t.size), 0);
      expect(built.reduce((s, b) => s + b.delta, 0)).toBe(delta);
      expect(trades.every((t) => t.symbol === 'ESZ3')).toBe(true);
    }, 30_000);

    it('rolls to the next contract when it already trades more volume (the volume half of the roll rule)', async () => {
      const { peer, client } = await setup({}, {});
      peer.volume.set('ESZ3', 150_000);
      peer.volume.set('ESH4', 900_000);
      await client.connect();
      expect(client.symbol).toBe('ESH4');
    });

    it('backfills the session’s closed 1-minute bars on connect', async () => {
      const expected = await fileBars(30);
      const backfill: Bar[][] = [];
      const { peer, client } = await setup({ backfill: true }, { backfill: (b) => backfill.push([...b]) }, { nowMs: (expected[20] as Bar).ts + 30_000 });
      peer.history = expected;
      await client.connect();
      await eventually(() => expect(backfill).toHaveLength(1));
      // Bars closed before TWS's now (the 21st bar is still forming), at their own times: the client asks
      // formatDate 2 (Unix seconds), and the fake TWS now writes what is asked (issue 17, item 6).
      expect(backfill[0]?.map(ohlcv)).toEqual(expected.slice(0, 20).map(ohlcv));
      expect(backfill[0]?.map((b) => b.ts)).toEqual(expected.slice(0, 20).map((b) => b.ts));
      expect(peer.received.find((r) => r.id === 20)?.fields[19]).toBe('2');
    });

    it('SPX gamma levels from the option chain: the nearest two expirations within the range, asked a few lines at a time under the line limit and the pacing limit, equal the levels of the chain file', async () => {
      const chains: OptionChain[] = [];
      const bases: number[] = [];
      const { peer, client } = await setup(
        { chain: { expirations: 2, rangePct: 0.02, maxLines: 40, lineTimeoutMs: 6000, refreshMs: 600_000 } },
        { chain: (c) => chains.push(c), basis: (b) => bases.push(b) },
        { chain: chainRows(CHAIN_FILE), maxLines: 30, basisPoints: 35.5 },
      );
      await connected(peer, client);
      await eventually(() => expect(peer.linesInUse()).toEqual([1])); // the SPX index
      await peer.stream([{ ts: Date.UTC(2023, 8, 25, 13, 30), price: 4337.25, size: 3, at: 2, bid: 4337, ask: 4337.25 }]);
      await eventually(() => expect(chains).toHaveLength(1), 60_000);
      // The basis is measured live: ES minus the SPX index print.
      expect(bases.at(-1)).toBe(35.5);
      const spot = 4337.25 - 35.5;
      const file = await readChain(CHAIN_FILE);
      const expiries = [...new Set(file.options.map((o) => o.expiry))].filter((e) => e >= '2023-09-25').sort().slice(0, 2);
      const wanted = file.options.filter((o) => expiries.includes(o.expiry) && o.strike >= spot * 0.98 && o.strike <= spot * 1.02);
      const got = chains[0] as OptionChain;
      expect(got.spot).toBe(spot);
      expect(got.date).toBe('2023-09-25');
      // IB lists a class's strikes over all its expiries; the ones an expiry lacks are answered "no security definition" and skipped.
      expect(got.source).toMatch(new RegExp(`^Interactive Brokers SPX chain \\(${wanted.length} of \\d+ options\\)$`));
      expect(got.options).toHaveLength(wanted.length);
      const expected = gammaLevels({ source: 'file', spot, date: '2023-09-25', ts: got.ts, options: wanted, rejected: [] });
      const levels = gammaLevels(got);
      expect(levels.callWall).toBe(expected.callWall);
      expect(levels.putWall).toBe(expected.putWall);
      expect(levels.netGex).toBeCloseTo(expected.netGex, 3);
      expect(levels.zeroGamma).toBeCloseTo(expected.zeroGamma as number, 6);
      // The options' day volume (tick 8) makes the chain's call and put volume (options_flow_bias), as the file's.
      expect(expected.callVolume + expected.putVolume).toBeGreaterThan(0);
      expect([levels.callVolume, levels.putVolume]).toEqual([expected.callVolume, expected.putVolume]);
      // TWS refused lines past 30: the rotation used fewer lines, asked again and finished; requests stayed under 45 a second.
      expect(client.chainLines().inUse).toBe(0);
      expect(client.chainLines().limit).toBeLessThan(30);
      await eventually(() => expect(peer.linesInUse()).toEqual([1])); // the cancels are paced too; then only the SPX index line is left
      expect(peer.peakRequestsPerSecond()).toBeLessThanOrEqual(45);
    }, 90_000);

    it('a chain that gives no option is said once, not at every refresh', async () => {
      const notices: string[] = [];
      const { peer, client } = await setup({ chain: { refreshMs: 50 } }, { notice: (n) => notices.push(n) }, { chain: [] });
      await connected(peer, client);
      await peer.stream([{ ts: Date.UTC(2023, 8, 25, 13, 30), price: 4337.25, size: 3, at: 2, bid: 4337, ask: 4337.25 }]);
      await eventually(() => expect(client.chainLines().passes).toBeGreaterThanOrEqual(5));
      expect(notices.filter((n) => n.includes('SPX chain'))).toEqual(['Interactive Brokers: the SPX chain gave no option with IV and gamma (0 asked); gamma levels keep their last source']);
    });
  });

  describe('IB orders against the fake TWS', () => {
    const t0 = Date.UTC(2023, 8, 25, 14, 0);
    const tick = (i: number, price: number) => ({ ts: t0 + i * 1000, price, size: 1, at: 2 as const, bid: price - 0.25, ask: price });

    it('a bracket is native: entry, then target and stop as its children in one OCA group; the target fills, the stop is cancelled, positions 2 then 0, and account P&L follows', async () => {
      const pnl: number[] = [];
      const { peer, client } = await setup({}, { pnl: (p) => pnl.push(p.realizedUsd) });
      const seen = listen(client);
      await connected(peer, client);
      await peer.stream([tick(0, 4300)]);
      client.placeBracket(
        { id: 'E1', symbol: 'ESZ3', side: 'BUY', type: 'MARKET', qty: 2 },
        { id: 'S1', symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 2, price: 4290 },
        { id: 'T1', symbol: 'ESZ3', side: 'SELL', type: 'LIMIT', qty: 2, price: 4302 },
      );
      await eventually(() => expect(seen.reports.some((r) => r.id === 'E1' && r.fill !== null)).toBe(true));
      const placed = peer.received.filter((r) => r.id === 3).map((r) => ({ id: Number(r.fields[0]), action: r.fields[15], type: r.fields[17], oca: r.fields[21], ref: r.fields[25], transmit: r.fields[26], parent: Number(r.fields[27]) }));
      const entryId = placed[0]?.id as number;
      expect(placed).toEqual([
        { id: entryId, action: 'BUY', type: 'MKT', oca: '', ref: 'E1', transmit: '0', parent: 0 },
        { id: entryId + 1, action: 'SELL', type: 'LMT', oca: 'MIA-E1', ref: 'T1', transmit: '0', parent: entryId },
        { id: entryId + 2, action: 'SELL', type: 'STP', oca: 'MIA-E1', ref: 'S1', transmit: '1', parent: entryId },
      ]);
      await eventually(() => expect(seen.positions.at(-1)).toEqual({ symbol: 'ESZ3', qty: 2, avgPrice: 4300 }));
      expect(peer.workingOrders().map((o) => o.orderRef).sort()).toEqual(['S1', 'T1']);
      await peer.stream([tick(1, 4301), tick(2, 4302)]);
      await eventually(() => expect(seen.positions.at(-1)).toEqual({ symbol: 'ESZ3', qty: 0, avgPrice: Number.NaN }));
      expect(seen.reports.find((r) => r.id === 'T1' && r.fill !== null)?.fill).toMatchObject({ price: 4302, qty: 2 });
      await eventually(() => expect(seen.reports.some((r) => r.id === 'S1' && r.state === 'CANCELLED')).toBe(true));
      expect(peer.workingOrders()).toEqual([]);
      // 2 contracts x 2 points x USD 50.
      await eventually(() => expect(pnl.at(-1)).toBe(200));
      // Each execution's commission report: the fake TWS's 2.12 USD a contract (issue 17, item 6).
      await eventually(() => expect(seen.commissions).toEqual(peer.fills.map((f) => ({ execId: f.execId, commissionUsd: 4.24 }))));
      expect(peer.fills).toHaveLength(2);
    });

    it('TWS sends the open order after each place: its orderRef, side, type, quantity and price decode as placed, and a commission in another currency is refused (issue 17, item 6)', async () => {
      const errors: string[] = [];
      const { peer, client } = await setup({}, { protocolError: (m) => errors.push(m) });
      const seen = listen(client);
      await connected(peer, client);
      // Listening before the place: TWS answers the place and the modify each with an open order (in that order, whenever they arrive).
      const decoded: { id: number; ref: string | undefined; action: string | undefined; qty: number | undefined; type: string | undefined; lmt: number | undefined; account: string | undefined; local: string | undefined }[] = [];
      (client as unknown as { api: { on(e: string, f: (...a: never[]) => void): void } }).api.on('openOrder', (id: number, c: { localSymbol?: string }, o: { orderRef?: string; action?: string; totalQuantity?: number; orderType?: string; lmtPrice?: number; account?: string }) =>
        decoded.push({ id, ref: o.orderRef, action: o.action, qty: o.totalQuantity, type: o.orderType, lmt: o.lmtPrice, account: o.account, local: c.localSymbol }),
      );
      client.placeOrder({ id: 'L7', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 3, price: 4290.25 });
      await eventually(() => expect(peer.received.filter((r) => r.id === 3)).toHaveLength(1));
      client.modify('L7', 4289.5);
      await eventually(() => expect(decoded).toHaveLength(2));
      const order = { id: peer.workingOrders()[0]?.id, ref: 'L7', action: 'BUY', qty: 3, type: 'LMT', account: 'DU1234567', local: 'ESZ3' };
      expect(decoded).toEqual([
        { ...order, lmt: 4290.25 },
        { ...order, lmt: 4289.5 },
      ]);
      // Known orders are not reported twice: the status report follows as before.
      expect(seen.reports.filter((r) => r.id === 'L7').map((r) => r.state)).toEqual(['WORKING']);
      peer.sendFields([59, 1, '0000e0d5.99999999.01.01', 2.5, 'EUR', 1.7976931348623157e308, 1.7976931348623157e308, '']);
      await eventually(() => expect(errors.some((e) => e.includes('0000e0d5.99999999.01.01') && e.includes('EUR'))).toBe(true));
      expect(seen.commissions).toEqual([]);
      expect(errors.filter((e) => !e.includes('EUR'))).toEqual([]);
    });

    it('after an engine restart the new client knows its own working orders by orderRef, and an order entered in TWS by hand as TWS holds it; both cancel by id (issue 17, item 6)', async () => {
      const { peer, client } = await setup();
      await connected(peer, client);
      client.placeOrder({ id: 'run1-L1', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4290 });
      await eventually(() => expect(peer.workingOrders()).toHaveLength(1));
      client.disconnect();
      const es = peer.futures('ES')[0]!;
      const manual = peer.placeManual({ conId: es.conId, action: 'SELL', qty: 2, type: 'STP', price: 4280.5 });
      const again = new IbClient({ host: '127.0.0.1', port: peer.port, clientId: 7, chain: false }, new LiveClock(), {});
      open[open.length - 1]?.clients.push(again);
      const seen = listen(again);
      await connected(peer, again);
      await eventually(() => expect(seen.reports.map((r) => r.id).sort()).toEqual([`IB${manual}`, 'run1-L1']));
      expect(seen.reports.find((r) => r.id === 'run1-L1')).toMatchObject({ state: 'WORKING', order: { symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4290 } });
      expect(seen.reports.find((r) => r.id === `IB${manual}`)).toMatchObject({ state: 'WORKING', text: 'placed outside the workstation', order: { symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 2, price: 4280.5 } });
      again.cancel('run1-L1');
      again.cancel(`IB${manual}`);
      await eventually(() => expect(peer.workingOrders()).toEqual([]));
    });

    it('reports a position in another contract under its local symbol (issue 16: the open-positions limit counts it)', async () => {
      const { peer, client } = await setup();
      const nq = peer.futures('NQ')[0]!;
      peer.holdPosition(nq.conId, 2, 15_000);
      const seen = listen(client);
      await connected(peer, client);
      await eventually(() => expect(seen.positions).toContainEqual({ symbol: nq.localSymbol, qty: 2, avgPrice: Number.NaN }));
      expect(seen.positions.at(-1)).toEqual({ symbol: 'ESZ3', qty: 0, avgPrice: Number.NaN });
      peer.holdPosition(nq.conId, 0, 0);
      await eventually(() => expect(seen.positions.at(-1)).toEqual({ symbol: nq.localSymbol, qty: 0, avgPrice: Number.NaN }));
    });

    it("reads the account's NetLiquidation from the account summary, at connect and as TWS sends it again (issue 16)", async () => {
      const { peer, client } = await setup();
      const seen = listen(client);
      await connected(peer, client);
      // The fake TWS's default: 40,000.00 USD for DU1234567.
      await eventually(() => expect(seen.values).toContainEqual({ account: 'DU1234567', netLiquidationUsd: 40_000, dailyPnlUsd: Number.NaN }));
      // reqPnL's dailyPnL comes on its own (the fake TWS: no trade yet, 0).
      expect(seen.values).toContainEqual({ account: 'DU1234567', netLiquidationUsd: Number.NaN, dailyPnlUsd: 0 });
      const ask = peer.received.find((r) => r.id === 62);
      expect(ask?.fields.slice(2)).toEqual(['All', 'NetLiquidation']);
      peer.setNetLiquidation(38_812.5);
      await eventually(() => expect(seen.values.at(-1)).toEqual({ account: 'DU1234567', netLiquidationUsd: 38_812.5, dailyPnlUsd: Number.NaN }));
    });

    it('an OCO pair protecting a held position: target and stop in one OCA group, no parent, each transmitted; the stop fills and TWS cancels the target (issue 16)', async () => {
      const { peer, client } = await setup();
      const seen = listen(client);
      await connected(peer, client);
      await peer.stream([tick(0, 4300)]);
      client.placeOco({ id: 'S9', symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 3, price: 4298 }, { id: 'T9', symbol: 'ESZ3', side: 'SELL', type: 'LIMIT', qty: 3, price: 4304 });
      await eventually(() => expect(peer.workingOrders().map((o) => o.orderRef).sort()).toEqual(['S9', 'T9']));
      const placed = peer.received.filter((r) => r.id === 3).map((r) => ({ type: r.fields[17], qty: r.fields[16], oca: r.fields[21], ref: r.fields[25], transmit: r.fields[26], parent: Number(r.fields[27]) }));
      expect(placed).toEqual([
        { type: 'LMT', qty: '3', oca: 'MIA-S9', ref: 'T9', transmit: '1', parent: 0 },
        { type: 'STP', qty: '3', oca: 'MIA-S9', ref: 'S9', transmit: '1', parent: 0 },
      ]);
      await peer.stream([tick(1, 4298)]);
      await eventually(() => expect(seen.reports.some((r) => r.id === 'S9' && r.fill !== null)).toBe(true));
      await eventually(() => expect(seen.reports.some((r) => r.id === 'T9' && r.state === 'CANCELLED')).toBe(true));
      expect(peer.workingOrders()).toEqual([]);
    });

    it('modify places the same order id again with the new price; cancel and global cancel reach TWS', async () => {
      const { peer, client } = await setup();
      const seen = listen(client);
      await connected(peer, client);
      await peer.stream([tick(0, 4300)]);
      client.placeOrder({ id: 'L1', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4290 });
      client.placeOrder({ id: 'L2', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4280 });
      client.placeOrder({ id: 'S2', symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 1, price: 4270 });
      await eventually(() => expect(peer.workingOrders()).toHaveLength(3));
      client.modify('L1', 4291.5);
      await eventually(() => expect(peer.workingOrders().find((o) => o.orderRef === 'L1')?.lmt).toBe(4291.5));
      const l1 = peer.workingOrders().find((o) => o.orderRef === 'L1');
      expect(peer.received.filter((r) => r.id === 3 && Number(r.fields[0]) === l1?.id)).toHaveLength(2);
      client.cancel('L1');
      await eventually(() => expect(seen.reports.some((r) => r.id === 'L1' && r.state === 'CANCELLED')).toBe(true));
      client.globalCancel();
      await eventually(() => expect(peer.workingOrders()).toEqual([]));
      // TWS's order statuses trail its book: wait for them.
      await eventually(() => expect(seen.reports.filter((r) => r.state === 'CANCELLED').map((r) => r.id).sort()).toEqual(['L1', 'L2', 'S2']));
      expect(peer.received.some((r) => r.id === 58)).toBe(true);
    });

    it('an order TWS rejects is reported REJECTED with TWS’s words', async () => {
      const { peer, client } = await setup();
      const seen = listen(client);
      await client.connect();
      peer.rejectNextOrder('insufficient margin');
      client.placeOrder({ id: 'R1', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4290 });
      await eventually(() => expect(seen.reports.find((r) => r.id === 'R1' && r.state === 'REJECTED')?.text).toContain('insufficient margin'));
    });
  });

  describe('IB faults against the fake TWS', () => {
    const t0 = Date.UTC(2023, 8, 25, 14, 0);

    it('TWS drops with an order working; the order fills while disconnected; the rebuilt client subscribes again and reconciles the fill (counted once), the position and the open orders', async () => {
      const trades: LiveTrade[] = [];
      const { peer, client } = await setup({}, { trade: (t) => trades.push(t) });
      const seen = listen(client);
      await connected(peer, client);
      await peer.stream([{ ts: t0, price: 4300, size: 1, at: 2, bid: 4299.75, ask: 4300 }]);
      client.placeOrder({ id: 'B1', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4295 });
      await eventually(() => expect(peer.workingOrders()).toHaveLength(1));
      await peer.restart(); // drops the client and forgets its subscriptions
      await eventually(() => expect(seen.links).toEqual([true, false]));
      peer.trade(peer.futures('ES')[0] as never, 4294.75, t0 + 60_000);
      expect(peer.fills).toHaveLength(1);
      await eventually(() => expect(seen.links).toEqual([true, false, true]), 15_000);
      await eventually(() => expect(seen.reports.filter((r) => r.id === 'B1' && r.fill !== null)).toHaveLength(1));
      expect(seen.reports.find((r) => r.id === 'B1' && r.fill !== null)?.fill).toMatchObject({ execId: peer.fills[0]?.execId, price: 4295, qty: 1 });
      await eventually(() => expect(seen.positions.at(-1)).toMatchObject({ qty: 1, avgPrice: 4295 }));
      // Its commission comes with it; filled, it is not taken for an order cancelled while the link was down.
      await eventually(() => expect(seen.commissions).toContainEqual({ execId: peer.fills[0]?.execId, commissionUsd: 2.12 }));
      expect(seen.reports.filter((r) => r.id === 'B1' && r.state === 'CANCELLED')).toEqual([]);
      // Market data flows again on the rebuilt client.
      await peer.stream([{ ts: t0 + 61_000, price: 4296, size: 2, at: 2, bid: 4295.75, ask: 4296 }]);
      await eventually(() => expect(trades.at(-1)).toMatchObject({ price: 4296, size: 2, side: 'buy' }));
    }, 30_000);

    it('an order cancelled in TWS while the link was down is reported CANCELLED once the open orders after the reconnect no longer list it; one still working is not (issue 17, item 6)', async () => {
      const { peer, client } = await setup();
      const seen = listen(client);
      await connected(peer, client);
      await peer.stream([{ ts: t0, price: 4300, size: 1, at: 2, bid: 4299.75, ask: 4300 }]);
      client.placeOrder({ id: 'S5', symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 1, price: 4280 });
      client.placeOrder({ id: 'L5', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4285 });
      await eventually(() => expect(peer.workingOrders()).toHaveLength(2));
      await peer.restart();
      await eventually(() => expect(seen.links).toEqual([true, false]));
      peer.cancelByHand('S5');
      await eventually(() => expect(seen.links).toEqual([true, false, true]), 15_000);
      await eventually(() => expect(seen.reports.find((r) => r.id === 'S5' && r.state === 'CANCELLED')?.text).toContain('no longer working at TWS'));
      expect(seen.reports.filter((r) => r.id === 'L5').map((r) => r.state)).toEqual(['WORKING']);
    }, 30_000);

    it('1100 marks the link lost and the orders down; 1102 restores and reconciles; 2103 is a data farm down, 2104 clears it, 2108 is not a fault', async () => {
      const states: LinkStatus[] = [];
      const { peer, client } = await setup({}, { status: (s) => states.push(s) });
      const seen = listen(client);
      await client.connect();
      const positionsAsked = () => peer.received.filter((r) => r.id === 61).length;
      await eventually(() => expect(positionsAsked()).toBe(1));
      const before = positionsAsked();
      peer.notify(1100, 'Connectivity between IB and Trader Workstation has been lost.');
      await eventually(() => expect(client.status().state).toBe('lost'));
      expect(client.status().lastError).toContain('TWS lost its connection to Interactive Brokers (1100)');
      expect(seen.links.at(-1)).toBe(false);
      peer.notify(1102, 'Connectivity between IB and Trader Workstation has been restored - data maintained.');
      await eventually(() => expect(client.status().state).toBe('connected'));
      await eventually(() => expect(positionsAsked()).toBe(before + 1));
      peer.notify(2103, 'Market data farm connection is broken:usfuture');
      await eventually(() => expect(client.status().state).toBe('data-farm-down'));
      expect(client.status().lastError).toBe('Market data farm connection is broken:usfuture (2103)');
      peer.notify(2108, 'Market data farm connection is inactive but should be available upon demand.usfuture');
      peer.notify(2104, 'Market data farm connection is OK:usfuture');
      await eventually(() => expect(client.status().state).toBe('connected'));
      expect(states.map((s) => s.state)).toEqual(['connecting', 'connected', 'lost', 'connected', 'data-farm-down', 'connected']);
    });

    it('a client id TWS says is in use (326) is explained and not retried', async () => {
      const peer = new TwsPeer();
      await peer.start();
      peer.refuseClientId(7);
      const client = new IbClient({ host: '127.0.0.1', port: peer.port, clientId: 7, chain: false }, new LiveClock());
      open.push({ peer, clients: [client] });
      await expect(client.connect()).rejects.toThrow('client id 7 is already in use by another application connected to this TWS: choose another client id');
      expect(client.status().state).toBe('disconnected');
    });

    it('nothing listening is said in plain words', async () => {
      const peer = new TwsPeer();
      await peer.start();
      const port = peer.port;
      await peer.stop();
      const client = new IbClient({ host: '127.0.0.1', port, clientId: 7, chain: false }, new LiveClock());
      open.push({ peer, clients: [client] });
      await expect(client.connect()).rejects.toThrow(`nothing is listening on 127.0.0.1:${port}`);
    });

    it('TWS negotiates the highest version both speak, and hangs up on a client whose range it cannot serve (issue 17)', async () => {
      const { peer, client } = await setup();
      await connected(peer, client);
      // @stoqey/ib asks v100..193: TWS answers its own version when it is inside the range.
      expect(peer.versions()).toEqual([version]);
      const old = await setup({ reconnect: false, handshakeTimeoutMs: 1000 }, {}, { serverVersion: 99 });
      const refused = await old.client.connect().then(() => 'connected', (e: Error) => e.message);
      expect(refused).toMatch(/closed the connection during the API handshake, before naming its server version/);
      expect(old.peer.versions()).toEqual([]);
    });

    it('a port that takes TCP and never completes the API handshake is named, and the connect gives up (issue 16)', async () => {
      const silent = await listenSilently();
      const port = silent.port;
      const client = new IbClient({ host: '127.0.0.1', port, clientId: 7, chain: false, handshakeTimeoutMs: 500 }, new LiveClock());
      try {
        await expect(client.connect()).rejects.toThrow(`127.0.0.1:${port} took the connection but did not complete the TWS API handshake within 0.5 s`);
        expect(client.status().state).toBe('disconnected');
      } finally {
        client.disconnect();
        silent.close();
      }
    });

    it('a negative length prefix is a framing error that drops and reconnects the link, not a spin at 100% CPU (issue 16)', async () => {
      const statuses: LinkStatus[] = [];
      const trades: LiveTrade[] = [];
      const { peer, client } = await setup({}, { status: (s) => statuses.push(s), trade: (t) => trades.push(t) });
      await connected(peer, client);
      const bad = Buffer.alloc(8);
      bad.writeInt32BE(-4, 0);
      peer.sendRaw(bad);
      await eventually(() => expect(statuses.some((s) => s.state === 'reconnecting')).toBe(true), 10_000);
      expect(statuses.map((s) => s.lastError ?? '').join(' ')).toMatch(/message length of -4 bytes: the stream lost its framing/);
      await eventually(() => expect(client.status().state).toBe('connected'), 10_000);
    }, 30_000);

    it('a malformed and a truncated message are reported and skipped; the session goes on', async () => {
      const errors: string[] = [];
      const trades: LiveTrade[] = [];
      const { peer, client } = await setup({}, { protocolError: (m) => errors.push(m), trade: (t) => trades.push(t) });
      await connected(peer, client);
      const reqId = Number(peer.received.find((r) => r.id === 97 && r.fields[13] === 'AllLast')?.fields[0]);
      peer.sendFields([99, reqId, 2, 1695650400, 'not-a-price', 1, 0, 'CME', '']);
      peer.sendFields([99, reqId, 2]); // truncated: the rest of a tick-by-tick trade is missing
      await eventually(() => expect(errors).toHaveLength(2));
      expect(errors[0]).toContain('tick-by-tick trade of ES with price "NaN"');
      expect(errors[1]).toMatch(/Underrun/);
      await peer.stream([{ ts: t0, price: 4300, size: 1, at: 2, bid: 4299.75, ask: 4300 }]);
      await eventually(() => expect(trades).toHaveLength(1));
      expect(client.status().state).toBe('connected');
    });

    it('TWS that stops answering is dropped by the watchdog and rebuilt when it answers again', async () => {
      const { peer, client } = await setup({ watchdogMs: 300 });
      const seen = listen(client);
      await client.connect();
      peer.stall(true);
      await eventually(() => expect(client.status().lastError).toBe('TWS has not answered for 1 s'), 10_000);
      expect(seen.links).toEqual([true, false]);
      peer.stall(false);
      await eventually(() => expect(seen.links).toEqual([true, false, true]), 15_000);
    }, 30_000);
  });
});
