/**
 * The DTC client against the DTC peer (tests/peers/dtc-server.ts): logon in
 * both encodings, every trade and bid/ask variant, ticks that rebuild the
 * real file's bars, orders, reconciliation and faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BarBuilder } from '../../engine/bars/builder.js';
import { LiveClock } from '../../engine/clock.js';
import { ES, type Bar, type MarketRecord } from '../../engine/domain.js';
import { openFeed } from '../../engine/feeds/index.js';
import { RejectionLog } from '../../engine/feeds/rejections.js';
import { DtcClient, type DtcConfig, type DtcHandlers } from '../../engine/live/dtc/client.js';
import type { LiveTrade } from '../../engine/live/types.js';
import type { BrokerAccountValue, BrokerOrderReport, BrokerPosition } from '../../engine/venue/link.js';
import { barTicks, scidFileTicks } from '../peers/data.js';
import { DtcPeer, type QuoteVariant, type TradeVariant } from '../peers/dtc-server.js';
import { listenSilently } from '../peers/silent.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScidRecorder } from '../../engine/live/recorder.js';
import { scidTicks } from '../../engine/feeds/scid.js';
import { REAL_SCID } from '../support/paths.js';
import { eventually } from '../support/manual-clock.js';
import { barsOfTrades, fileBars, ohlcv } from '../support/file-bars.js';

const open: { peer: DtcPeer; clients: DtcClient[] }[] = [];

/** Every record of a feed's blocks. */
async function read<T>(blocks: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of blocks) out.push(...b);
  return out;
}

async function setup(config: Partial<DtcConfig> = {}, handlers: DtcHandlers = {}, peerOpts = {}): Promise<{ peer: DtcPeer; client: DtcClient }> {
  const peer = new DtcPeer(peerOpts);
  await peer.start();
  const client = new DtcClient({ host: '127.0.0.1', port: peer.port, encoding: 'binary', symbol: 'ESZ3', heartbeatSec: 1, ...config }, new LiveClock(), handlers);
  open.push({ peer, clients: [client] });
  return { peer, client };
}

afterEach(async () => {
  for (const { peer, clients } of open.splice(0)) {
    for (const c of clients) c.disconnect();
    await peer.stop();
  }
});



describe('DTC client against the DTC peer', () => {
  const variants: [DtcConfig['encoding'], TradeVariant, QuoteVariant][] = [
    ['binary', 107, 108],
    ['binary', 112, 117],
    ['binary', 137, 144],
    ['binary', 146, 144],
    ['json', 146, 144],
    ['json', 107, 108],
    ['json', 112, 117],
  ];
  it.each(variants)('%s encoding, trades %i, quotes %i: the real CSV streamed as trades rebuilds the same 1-minute bars', async (encoding, trade, quote) => {
    const trades: LiveTrade[] = [];
    const { peer, client } = await setup({ encoding }, { trade: (t) => trades.push(t) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const expected = await fileBars(1440);
    const ticks = barTicks(expected);
    await peer.stream(ticks, { trade, quote });
    await eventually(() => expect(trades).toHaveLength(ticks.length));
    const built = barsOfTrades(trades);
    expect(built.map(ohlcv)).toEqual(expected.map(ohlcv));
    // The aggressor comes from AtBidOrAsk: the volume at the ask minus at the bid is the stream's delta.
    const delta = ticks.reduce((s, t) => s + (t.at === 2 ? t.size : -t.size), 0);
    expect(built.reduce((s, b) => s + b.delta, 0)).toBe(delta);
  }, 30_000);

  it('reads the current header\'s microsecond times: a 144 quote and a 146 trade at 14:30:00.123456 are at .123456 ms, not in the year 55703 (issue 17)', async () => {
    const trades: LiveTrade[] = [];
    const quotes: number[] = [];
    const { peer, client } = await setup({}, { trade: (t) => trades.push(t), quote: (q) => quotes.push(q.ts) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const ts = Date.UTC(2023, 8, 25, 14, 30) + 123.456;
    await peer.stream([{ ts, price: 4368.25, size: 3, at: 2, bid: 4368, ask: 4368.25 }], { trade: 146, quote: 144 });
    await eventually(() => expect(trades).toHaveLength(1));
    expect(trades[0]).toMatchObject({ price: 4368.25, size: 3, side: 'buy' });
    expect(trades[0]!.tsEvent).toBeCloseTo(ts, 6);
    expect(quotes[0]).toBeCloseTo(ts, 6);
  });

  it('counts a message type it does not read and says it once per type; the session goes on (issue 17)', async () => {
    const notices: string[] = [];
    const trades: LiveTrade[] = [];
    const { peer, client } = await setup({}, { notice: (m) => notices.push(m), trade: (t) => trades.push(t) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const unknown = Buffer.alloc(12);
    unknown.writeUInt16LE(12, 0);
    unknown.writeUInt16LE(4242, 2);
    const sessionHigh = Buffer.alloc(16); // MARKET_DATA_UPDATE_SESSION_HIGH: known, not needed, not said
    sessionHigh.writeUInt16LE(16, 0);
    sessionHigh.writeUInt16LE(114, 2);
    peer.sendRaw(Buffer.concat([unknown, sessionHigh, unknown]));
    await peer.stream([{ ts: Date.UTC(2023, 8, 25, 14, 30), price: 4368.25, size: 1, at: 1, bid: 4368, ask: 4368.25 }], { trade: 107, quote: 108 });
    await eventually(() => expect(trades).toHaveLength(1));
    expect(client.unreadMessages()).toEqual(new Map([[4242, 2]]));
    expect(notices.filter((n) => n.includes('message type'))).toEqual(['the DTC server sends message type 4242, which this workstation does not read: skipped, and counted']);
  });

  it('reads the real SCID file’s ticks with their aggressor and time to the millisecond (double-precision trade updates)', async () => {
    const trades: LiveTrade[] = [];
    const { peer, client } = await setup({}, { trade: (t) => trades.push(t) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const ticks = scidFileTicks(REAL_SCID);
    await peer.stream(ticks, { trade: 107, quote: 108 });
    await eventually(() => expect(trades).toHaveLength(10));
    expect(trades.map((t) => [t.price, t.size, t.side])).toEqual(ticks.map((t) => [t.price, t.size, t.at === 2 ? 'buy' : t.at === 1 ? 'sell' : 'unknown']));
    for (const [i, t] of trades.entries()) expect(Math.abs(t.tsEvent - (ticks[i]?.ts ?? 0))).toBeLessThan(0.01);
  });

  it('no-timestamp updates: the trade takes the receive time and, without AtBidOrAsk, the aggressor from the last bid/ask', async () => {
    const trades: LiveTrade[] = [];
    const { peer, client } = await setup({}, { trade: (t) => trades.push(t) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const t0 = Date.now();
    await peer.stream(
      [
        { ts: 0, price: 4368.25, size: 2, at: 0, bid: 4368, ask: 4368.25 },
        { ts: 0, price: 4368, size: 3, at: 0, bid: 4368, ask: 4368.25 },
        { ts: 0, price: 4368.5, size: 1, at: 0, bid: 4368, ask: 4368.75 },
      ],
      { trade: 142, quote: 143 },
    );
    await eventually(() => expect(trades).toHaveLength(3));
    expect(trades.map((t) => t.side)).toEqual(['buy', 'sell', 'unknown']);
    expect(trades[0]?.tsEvent).toBeGreaterThanOrEqual(t0);
  });

  it('logs on with the user and password the server asks for, and names a refused logon in plain words', async () => {
    const { client } = await setup({ username: 'trader', password: 'secret' }, {}, { auth: { username: 'trader', password: 'secret' } });
    await client.connect();
    expect(client.status().state).toBe('connected');
    const { client: bad } = await setup({ username: 'trader', password: 'wrong', reconnect: false }, {}, { auth: { username: 'trader', password: 'secret' } });
    await expect(bad.connect()).rejects.toThrow('logon refused by the DTC server: user name or password incorrect');
  });

  it('records the live trades as SCID: replaying the recorded file gives bars identical to the source file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mia-dtc-rec-')), 'ESZ23-CME.scid');
    const clock = new LiveClock();
    const recorder = new ScidRecorder(file, clock, { flushMs: 50 });
    const { peer, client } = await setup({}, { trade: (t) => recorder.add({ kind: 'tick', tsEvent: t.tsEvent, price: t.price, size: t.size, side: t.side, bid: Number.NaN, ask: Number.NaN }) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const expected = await fileBars(1400);
    const ticks = barTicks(expected);
    await peer.stream(ticks, { trade: 112, quote: 117 });
    await eventually(() => {
      recorder.flush();
      expect(recorder.records).toBe(ticks.length);
    });
    recorder.close();
    const feed = await openFeed(file, { instrument: ES, barTimeframe: '1m', timeZone: ES.timeZone, rejections: new RejectionLog() });
    const built: Bar[] = [];
    const builder = new BarBuilder('1m', (b) => built.push(b));
    for await (const block of feed.blocks()) for (const r of block as MarketRecord[]) if (r.kind === 'tick') builder.addTick(r);
    builder.flush();
    expect(built.map(ohlcv)).toEqual(expected.map(ohlcv));
    expect(built.map((b) => b.delta)).toEqual(expected.map((_, i) => ticks.filter((t) => Math.floor(t.ts / 60_000) * 60_000 === expected[i]?.ts).reduce((s, t) => s + (t.at === 2 ? t.size : -t.size), 0)));
  });

  it('records what the feed says and no more: the real SCID\'s unbundled-trade markers survive DTC 146 into the recording, and a trade of unknown side stays unknown (issue 17)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mia-dtc-rec-')), 'ESZ23-CME.scid');
    const recorder = new ScidRecorder(file, new LiveClock(), { flushMs: 50 });
    const { peer, client } = await setup({}, { trade: (t) => recorder.add({ kind: 'tick', tsEvent: t.tsEvent, price: t.price, size: t.size, side: t.side, bid: 4048, ask: 4048.25, ...(t.subTrade === undefined ? {} : { subTrade: t.subTrade }) }) });
    await client.connect();
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const real = scidFileTicks(REAL_SCID);
    expect(real.map((t) => t.unbundled)).toEqual([0, 0, 0, 1, 2, 0, 0, 0, 0, 0]); // records 4 and 5: one trade, unbundled
    await peer.stream(real, { trade: 146, quote: 144 });
    await eventually(() => {
      recorder.flush();
      expect(recorder.records).toBe(10);
    });
    recorder.close();
    const back = (await read(scidTicks(file, ES, new RejectionLog()))).map((t) => t.subTrade ?? null);
    expect(back).toEqual([null, null, null, 'first', 'last', null, null, null, null, null]);
    // A trade recorded with its side unknown at the ask reads back unknown, not as a buy.
    const unknownFile = join(mkdtempSync(join(tmpdir(), 'mia-dtc-rec-')), 'ESZ23-CME.scid');
    const r2 = new ScidRecorder(unknownFile, new LiveClock());
    r2.add({ kind: 'tick', tsEvent: Date.UTC(2023, 8, 25, 14, 30), price: 4048.25, size: 2, side: 'unknown', bid: 4048, ask: 4048.25 });
    r2.close();
    expect((await read(scidTicks(unknownFile, ES, new RejectionLog()))).map((t) => [t.side, t.bid, t.ask])).toEqual([['unknown', 4048, 4048.25]]);
  });

  it('names a server that is not there', async () => {
    const client = new DtcClient({ host: '127.0.0.1', port: 1, encoding: 'binary', symbol: 'ESZ3', reconnect: false }, new LiveClock());
    await expect(client.connect()).rejects.toThrow('nothing is listening on 127.0.0.1:1');
    client.disconnect();
  });
});

describe('DTC orders and faults against the DTC peer', () => {
  async function trading(config: Partial<DtcConfig> = {}, handlers: DtcHandlers = {}) {
    const reports: BrokerOrderReport[] = [];
    const positions: BrokerPosition[] = [];
    const links: boolean[] = [];
    const values: BrokerAccountValue[] = [];
    const s = await setup(config, handlers);
    s.client.setListener({ order: (r) => reports.push(r), position: (p) => positions.push(p), positionsReported: () => undefined, connection: (up) => links.push(up), accountValue: (v) => values.push(v), commission: () => undefined });
    await s.client.connect();
    await eventually(() => expect(s.peer.subscribers()).toBe(1));
    s.peer.trade(4368, Date.UTC(2023, 8, 25, 14, 30));
    return { ...s, reports, positions, links, values };
  }

  it('reports positions in other contracts of the account under their symbols, at logon and as they change (issue 16: the open-positions limit counts them)', async () => {
    const peer = new DtcPeer();
    await peer.start();
    peer.holdOtherPosition('NQZ3', -1, 15210.5);
    const client = new DtcClient({ host: '127.0.0.1', port: peer.port, encoding: 'binary', symbol: 'ESZ3', reconnect: false }, new LiveClock());
    const positions: BrokerPosition[] = [];
    let reported = 0;
    client.setListener({ order: () => undefined, position: (p) => positions.push(p), positionsReported: () => (reported += 1), connection: () => undefined, accountValue: () => undefined, commission: () => undefined });
    try {
      await client.connect();
      await eventually(() => expect(reported).toBe(1));
      expect(positions).toEqual([
        { symbol: 'NQZ3', qty: -1, avgPrice: 15210.5 },
        { symbol: 'ESZ3', qty: 0, avgPrice: Number.NaN }, // ES not named: flat
      ]);
      peer.holdOtherPosition('NQZ3', 0, 0);
      await eventually(() => expect(positions.at(-1)).toEqual({ symbol: 'NQZ3', qty: 0, avgPrice: 0 }));
    } finally {
      client.disconnect();
      await peer.stop();
    }
  });

  it("reads the account's net liquidation value: cash balance plus open P&L, at logon and as the server changes it (issue 16)", async () => {
    const { peer, values } = await trading();
    // The peer's defaults: CashBalance 30,000, OpenPositionsProfitLoss 0, DailyProfitLoss 0.
    await eventually(() => expect(values).toEqual([{ account: 'SIM1', netLiquidationUsd: 30_000, dailyPnlUsd: 0 }]));
    peer.setBalance(29_500, -262.5, -762.5);
    await eventually(() => expect(values.at(-1)).toEqual({ account: 'SIM1', netLiquidationUsd: 29_237.5, dailyPnlUsd: -762.5 }));
  });
  const byId = (reports: BrokerOrderReport[], id: string) => reports.filter((r) => r.id === id);

  it('sends a bracket as a parent order plus an OCO pair: the entry fills, the legs start working, the target fills and cancels the stop', async () => {
    const { peer, client, reports, positions } = await trading();
    peer.trade(4368, Date.UTC(2023, 8, 25, 14, 30, 0, 250)); // the market fills at this trade's time, to the millisecond
    client.placeBracket(
      { id: 'E1', symbol: 'ESZ3', side: 'BUY', type: 'MARKET', qty: 2 },
      { id: 'S1', symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 2, price: 4364 },
      { id: 'T1', symbol: 'ESZ3', side: 'SELL', type: 'LIMIT', qty: 2, price: 4372 },
    );
    await eventually(() => expect(byId(reports, 'E1').some((r) => r.state === 'FILLED')).toBe(true));
    const entry = byId(reports, 'E1').find((r) => r.fill !== null);
    // ORDER_UPDATE.LastFillDateTime is t_DateTimeWithMillisecondsInt in the current header (issue 17).
    expect(entry?.fill).toMatchObject({ price: 4368, qty: 2, ts: Date.UTC(2023, 8, 25, 14, 30, 0, 250) });
    await eventually(() => expect(byId(reports, 'T1').at(-1)?.state).toBe('WORKING'));
    expect(peer.received.find((m) => m.Type === 201)).toMatchObject({ ParentTriggerClientOrderID: 'E1', ClientOrderID_1: 'T1', ClientOrderID_2: 'S1', Price1_2: 4364 });
    await eventually(() => expect(positions.at(-1)).toMatchObject({ qty: 2, avgPrice: 4368 }));
    peer.trade(4372.25, Date.UTC(2023, 8, 25, 14, 35));
    await eventually(() => expect(byId(reports, 'S1').at(-1)?.state).toBe('CANCELLED'));
    expect(byId(reports, 'T1').find((r) => r.fill !== null)?.fill).toMatchObject({ price: 4372, qty: 2 });
    await eventually(() => expect(positions.at(-1)?.qty).toBe(0));
  });

  it('cancel-replace moves a working stop; cancel and global cancel leave no working order at the server', async () => {
    const { peer, client, reports } = await trading({ encoding: 'json' });
    client.placeOrder({ id: 'L1', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4360 });
    client.placeOrder({ id: 'L2', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4359 });
    client.placeOrder({ id: 'S2', symbol: 'ESZ3', side: 'SELL', type: 'STOP', qty: 1, price: 4350 });
    await eventually(() => expect(peer.workingOrders()).toHaveLength(3));
    client.modify('S2', 4351.5);
    await eventually(() => expect(peer.workingOrders().find((o) => o.clientId === 'S2')?.price).toBe(4351.5));
    client.cancel('L1');
    await eventually(() => expect(byId(reports, 'L1').at(-1)?.state).toBe('CANCELLED'));
    client.globalCancel();
    await eventually(() => expect(peer.workingOrders()).toHaveLength(0));
    expect(byId(reports, 'S2').at(-1)?.state).toBe('CANCELLED');
    // The current DTCProtocol.h gives s_CancelOrder and s_CancelReplaceOrder a TradeAccount: the account's own (issue 17, item 4).
    const cancels = peer.received.filter((m) => m.Type === 203 || m.Type === 204);
    expect(cancels.length).toBeGreaterThanOrEqual(2);
    expect(new Set(cancels.map((m) => m.TradeAccount))).toEqual(new Set([client.status().accounts[0]]));
  });

  it('an order the server rejects comes back REJECTED with the server’s words', async () => {
    const { peer, client, reports } = await trading();
    peer.rejectNextOrder('insufficient margin');
    client.placeOrder({ id: 'M1', symbol: 'ESZ3', side: 'BUY', type: 'MARKET', qty: 1 });
    await eventually(() => expect(byId(reports, 'M1').at(-1)).toMatchObject({ state: 'REJECTED', text: 'insufficient margin' }));
  });

  it('drop with a position open: reconnects, subscribes again, and the fill made while disconnected is reported with the position', async () => {
    const statuses: string[] = [];
    const { peer, client, reports, positions, links } = await trading({}, { status: (s) => statuses.push(s.state) });
    client.placeBracket(
      { id: 'E2', symbol: 'ESZ3', side: 'SELL', type: 'MARKET', qty: 1 },
      { id: 'S3', symbol: 'ESZ3', side: 'BUY', type: 'STOP', qty: 1, price: 4371 },
      { id: 'T3', symbol: 'ESZ3', side: 'BUY', type: 'LIMIT', qty: 1, price: 4366 },
    );
    await eventually(() => expect(byId(reports, 'S3').at(-1)?.state).toBe('WORKING'));
    peer.dropAll();
    await eventually(() => expect(links).toContain(false));
    peer.trade(4371.5, Date.now()); // the stop fills at the broker while the workstation is away
    expect(peer.netPosition).toBe(0);
    await eventually(() => expect(client.status().state).toBe('connected'), 5000);
    expect(statuses).toContain('reconnecting');
    await eventually(() => expect(peer.subscribers()).toBe(1));
    await eventually(() => expect(byId(reports, 'S3').some((r) => r.fill?.price === 4371.5)).toBe(true));
    await eventually(() => expect(positions.at(-1)?.qty).toBe(0));
    expect(links.at(-1)).toBe(true);
  });

  it('a server restart that forgets subscriptions: the client logs on again and resubscribes', async () => {
    const { peer, client } = await trading();
    await peer.restart();
    expect(peer.subscribers()).toBe(0);
    await eventually(() => expect(peer.subscribers()).toBe(1), 5000);
    expect(client.status().state).toBe('connected');
  });

  it('a malformed message is named and skipped; the session goes on', async () => {
    const errors: string[] = [];
    const trades: LiveTrade[] = [];
    const { peer, client } = await trading({}, { protocolError: (m) => errors.push(m), trade: (t) => trades.push(t) });
    const bad = Buffer.alloc(40);
    bad.writeUInt16LE(40, 0);
    bad.writeUInt16LE(107, 2);
    bad.writeUInt32LE(1, 4);
    bad.writeDoubleLE(Number.NaN, 16);
    peer.sendRaw(bad);
    await peer.stream([{ ts: Date.UTC(2023, 8, 25, 14, 31), price: 4368.5, size: 1, at: 2, bid: 4368.25, ask: 4368.5 }], { trade: 107, quote: 108 });
    await eventually(() => expect(trades).toHaveLength(1));
    expect(errors[0]).toMatch(/trade update with price NaN/);
    expect(client.status().state).toBe('connected');
    expect(client.status().lastError).toMatch(/bad message from the DTC server/);
  });

  it('a peer that takes TCP and never answers the logon is named, and the connect gives up (issue 16)', async () => {
    const silent = await listenSilently();
    const port = silent.port;
    const client = new DtcClient({ host: '127.0.0.1', port, encoding: 'binary', symbol: 'ESZ3', logonTimeoutMs: 500, reconnect: false }, new LiveClock());
    try {
      await expect(client.connect()).rejects.toThrow(`the DTC server at 127.0.0.1:${port} took the connection but did not answer the logon within 0.5 s`);
      expect(client.status().state).toBe('disconnected');
    } finally {
      client.disconnect();
      silent.close();
    }
  });

  it('bytes that never make a whole message do not keep it alive: a header announcing 65,535 bytes then a byte at a time is dropped and reconnected (issue 16)', async () => {
    const statuses: string[] = [];
    const trades: LiveTrade[] = [];
    const { peer, client } = await trading({ heartbeatSec: 1 }, { status: (s) => statuses.push(s.state), trade: (t) => trades.push(t) });
    peer.stall(true); // no heartbeats: only the trickle
    const header = Buffer.alloc(4);
    header.writeUInt16LE(65_535, 0);
    header.writeUInt16LE(107, 2);
    peer.sendRaw(header);
    const trickle = setInterval(() => peer.sendRaw(Buffer.from([0x20])), 100);
    try {
      await eventually(() => expect(statuses).toContain('reconnecting'), 6000);
      expect(client.status().lastError).toBe('no heartbeat from the DTC server for 3 s');
    } finally {
      clearInterval(trickle);
    }
    peer.stall(false);
    await eventually(() => expect(client.status().state).toBe('connected'), 6000);
    await eventually(() => expect(peer.subscribers()).toBe(1), 6000);
    await peer.stream([{ ts: Date.UTC(2023, 8, 25, 14, 31), price: 4368.5, size: 1, at: 2, bid: 4368.25, ask: 4368.5 }], { trade: 107, quote: 108 });
    await eventually(() => expect(trades).toHaveLength(1));
  }, 20_000);

  it('a JSON message without its terminator is cut off at 1 MiB: the framing is lost, the link reconnects, memory stays bounded (issue 16)', async () => {
    const errors: string[] = [];
    const statuses: string[] = [];
    const { peer, client } = await trading({ encoding: 'json' }, { protocolError: (m) => errors.push(m), status: (s) => statuses.push(s.state) });
    const chunk = Buffer.alloc(64 * 1024, 0x61); // 'a', never a NUL
    for (let i = 0; i < 48; i++) peer.sendRaw(chunk); // 3 MiB
    await eventually(() => expect(statuses).toContain('reconnecting'), 6000);
    expect(errors.some((e) => /more than 1048576 bytes without a whole json message/.test(e))).toBe(true);
    await eventually(() => expect(client.status().state).toBe('connected'), 6000);
  }, 20_000);

  it('a stalled server (no heartbeat for three intervals) is dropped and reconnected', async () => {
    const statuses: string[] = [];
    const { peer, client } = await trading({ heartbeatSec: 1 }, { status: (s) => statuses.push(s.state) });
    peer.stall(true);
    await eventually(() => expect(statuses).toContain('reconnecting'), 6000);
    expect(client.status().lastError).toBe('no heartbeat from the DTC server for 3 s');
    peer.stall(false);
    await eventually(() => expect(client.status().state).toBe('connected'), 6000);
  }, 15_000);
});
