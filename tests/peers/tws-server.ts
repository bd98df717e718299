/**
 * A fake TWS for tests: the part of Interactive Brokers' TWS API server the
 * workstation talks to, written from IB's published protocol (the EClient
 * request and EDecoder message field orders of the TWS API, "v100+" framing)
 * at a server version negotiated as TWS does (issue 17): the highest
 * version both sides speak, at most the peer's own (`serverVersion`, 151 by
 * default; 178 and others in tests); a client whose range it cannot serve is
 * disconnected without an answer. Messages whose fields changed between
 * those versions are written as IB's EDecoder (the C++ and Python TWS API
 * clients) reads them at the chosen one: CONTRACT_DATA (stockType from 152,
 * the size rules from 164), TICK_OPTION_COMPUTATION (tickAttrib from 156),
 * ERR_MSG (advancedOrderRejectJson from 166), EXECUTION_DATA
 * (pendingPriceRevision from 178), OPEN_ORDER (every field IB's
 * OrderDecoder reads, by the server version that brought it). Field lists
 * below are this peer's own, message by message; the client under test
 * never shares code with it.
 *
 * - Framing: the client opens with "API\0" and a length-prefixed version
 *   range "v100..N"; the server answers its version and connection time;
 *   after START_API (71) it sends the managed accounts (15) and the next
 *   valid order id (9). Every message is a 4-byte big-endian length then
 *   NUL-terminated fields.
 * - Contracts: ES and NQ quarterly futures (third-Friday expiries, listed
 *   from the peer's own calendar), the SPX index, and the SPX options of a
 *   CBOE chain file (secdef parameters 75/76, option computation ticks 21 with
 *   IV and gamma, the day's volume as tick size 8, open interest as tick
 *   sizes 27/28 for generic tick 101).
 * - Market data: tick-by-tick AllLast and BidAsk (99) streamed from real
 *   data, SPX index last prices (ES minus a scripted basis), historical
 *   1-minute bars (17). A market-data line limit (error 101 past it).
 * - Orders: place (3, a known id modifies), cancel (4), global cancel (58);
 *   transmit=false held until its group's last order transmits; children
 *   (parentId) work once the parent fills; an OCA fill cancels its group.
 *   Open order (5) then order status (3) after a place, a modify and a
 *   transmit, for reqOpenOrders/reqAllOpenOrders (5/16 -> 5, 3 ... 53) and
 *   at connect for the client's own; executions (11, also for 7 with a time
 *   filter) each followed by its commission report (59); positions (61/62
 *   and updates), account P&L (94), current time (49); historical bars with
 *   the dates in the format asked (formatDate 1: "yyyymmdd hh:mm:ss" New
 *   York time with its zone, 2: Unix seconds).
 * - Orders placed "in TWS by hand" (`placeManual`: client 0, no orderRef).
 * - Misbehaviour on demand: drop every connection, restart and forget
 *   subscriptions, stall (answer nothing), raw bytes, reject the next order,
 *   refuse a client id as in use (326), connectivity and farm notices
 *   (1100/1101/1102, 2103-2108).
 *
 * Binds 127.0.0.1 only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Bar } from '../../engine/domain.js';
import type { ChainRow } from './data.js';
import type { PeerTick } from './dtc-server.js';
import { StreamGate } from './gate.js';

export const TWS_SERVER_VERSION = 151;
/** The oldest server version this peer speaks (the v100+ framing). */
const MIN_SERVER_VERSION = 100;

/** Incoming (server -> client) message ids, TWS API EDecoder. */
const IN = {
  TICK_PRICE: 1, TICK_SIZE: 2, ORDER_STATUS: 3, ERR_MSG: 4, NEXT_VALID_ID: 9, CONTRACT_DATA: 10, EXECUTION_DATA: 11, MANAGED_ACCTS: 15,
  OPEN_ORDER: 5, HISTORICAL_DATA: 17, TICK_OPTION_COMPUTATION: 21, COMMISSION_REPORT: 59, CURRENT_TIME: 49, TICK_SNAPSHOT_END: 57, CONTRACT_DATA_END: 52, OPEN_ORDER_END: 53, EXECUTION_DATA_END: 55,
  POSITION: 61, POSITION_END: 62, ACCOUNT_SUMMARY: 63, ACCOUNT_SUMMARY_END: 64, SECDEF_OPT_PARAMS: 75, SECDEF_OPT_PARAMS_END: 76, PNL: 94, TICK_BY_TICK: 99,
  MARKET_DEPTH: 12, MARKET_DEPTH_L2: 13,
} as const;

/** Outgoing (client -> server) request ids, TWS API EClient. */
const OUT = {
  REQ_MKT_DATA: 1, CANCEL_MKT_DATA: 2, PLACE_ORDER: 3, CANCEL_ORDER: 4, REQ_OPEN_ORDERS: 5, REQ_EXECUTIONS: 7, REQ_IDS: 8, REQ_CONTRACT_DATA: 9,
  REQ_AUTO_OPEN_ORDERS: 15, REQ_ALL_OPEN_ORDERS: 16, REQ_MANAGED_ACCTS: 17, REQ_HISTORICAL_DATA: 20, REQ_CURRENT_TIME: 49, REQ_GLOBAL_CANCEL: 58,
  REQ_POSITIONS: 61, REQ_ACCOUNT_SUMMARY: 62, CANCEL_POSITIONS: 64, START_API: 71, REQ_SEC_DEF_OPT_PARAMS: 78, REQ_PNL: 92, CANCEL_PNL: 93, REQ_TICK_BY_TICK: 97, CANCEL_TICK_BY_TICK: 98,
  REQ_MKT_DEPTH: 10, CANCEL_MKT_DEPTH: 11,
} as const;

type Field = string | number | boolean | undefined;

/** A listed contract. */
interface PeerContract {
  readonly conId: number;
  readonly symbol: string;
  readonly secType: 'FUT' | 'IND' | 'OPT';
  /** YYYYMMDD for futures and options. */
  readonly lastTradeDate: string;
  readonly localSymbol: string;
  readonly exchange: string;
  readonly multiplier: number;
  readonly minTick: number;
  readonly tradingClass: string;
}

interface PeerOrder {
  readonly id: number;
  readonly clientId: number;
  readonly contract: PeerContract;
  readonly action: 'BUY' | 'SELL';
  qty: number;
  readonly type: string;
  lmt: number;
  aux: number;
  readonly ocaGroup: string;
  readonly orderRef: string;
  readonly parentId: number;
  readonly tif: string;
  readonly account: string;
  readonly outsideRth: boolean;
  status: 'Held' | 'PreSubmitted' | 'Submitted' | 'Filled' | 'Cancelled' | 'Inactive';
  filled: number;
  avg: number;
}

/** Every execution the peer made. */
export interface TwsFill {
  readonly execId: string;
  readonly orderId: number;
  readonly orderRef: string;
  readonly side: 'BOT' | 'SLD';
  readonly price: number;
  readonly qty: number;
  /** Unix ms (market time of the trade that filled it). */
  readonly ts: number;
}

interface Conn {
  readonly socket: Socket;
  pending: Buffer;
  handshaken: boolean;
  clientId: number | null;
  /** reqId -> contract and kind. */
  readonly ticks: Map<number, { contract: PeerContract; kind: 'AllLast' | 'BidAsk' | 'Last' }>;
  readonly lines: Map<number, PeerContract>;
  /** reqId -> contract of a reqMktDepth. */
  readonly depth: Map<number, PeerContract>;
  positions: boolean;
  pnl: number | null;
  /** The server version negotiated with this client. */
  version: number;
  /** The reqId of the account summary subscription, or null. */
  summary: number | null;
}

export interface TwsPeerOptions {
  readonly account?: string;
  /** ES minus SPX, points (the SPX index prints ES - basis). Default 35. */
  readonly basisPoints?: number;
  /** The SPX option chain served (CBOE rows), none by default. */
  readonly chain?: readonly ChainRow[];
  /** Market-data lines per client (error 101 past it). Default 100. */
  readonly maxLines?: number;
  /** The market's date before any tick streamed, Unix ms. */
  readonly nowMs?: number;
  /** The highest server version this TWS speaks (default TWS_SERVER_VERSION, 151). */
  readonly serverVersion?: number;
  /** The commission of one contract of an execution, USD (commission report 59); default 2.12, IB's tiered ES rate with fees. */
  readonly commissionPerContractUsd?: number;
}

/** A received request, with the wall time it arrived, Unix ms with sub-millisecond precision (pacing checks, latency). */
export interface TwsRequest {
  readonly id: number;
  readonly fields: readonly string[];
  readonly atMs: number;
}

const SPX_CON_ID = 416904;

export class TwsPeer {
  private server: Server | null = null;
  private readonly conns = new Set<Conn>();
  private readonly orders = new Map<number, PeerOrder>();
  private readonly contracts: PeerContract[] = [];
  private readonly busyClientIds = new Set<number>();
  private nextOrderId = 1;
  private nextExec = 1;
  private fillParts = 1;
  private readonly position = new Map<number, { qty: number; avg: number }>();
  private realized = 0;
  private readonly last = new Map<number, number>();
  private nowMs: number;
  private stalled = false;
  private rejectText: string | null = null;
  /** Orders placed before the one `rejectText` refuses. */
  private rejectSkip = 0;
  private readonly gate = new StreamGate();
  readonly fills: TwsFill[] = [];
  readonly received: TwsRequest[] = [];
  port = 0;

  constructor(private readonly opts: TwsPeerOptions = {}) {
    this.nowMs = opts.nowMs ?? Date.UTC(2023, 8, 25, 13, 30);
    this.listContracts();
  }

  get account(): string {
    return this.opts.account ?? 'DU1234567';
  }

  /** The server versions negotiated with the clients connected now. */
  versions(): number[] {
    return [...this.conns].map((c) => c.version).filter((v) => v > 0);
  }

  /** The highest server version this TWS speaks. */
  get serverVersion(): number {
    return this.opts.serverVersion ?? TWS_SERVER_VERSION;
  }

  /** The day's volume per contract (local symbol) for snapshot requests; streamed trades add to it. */
  readonly volume = new Map<string, number>();

  /** Bars served to historical-data requests (those closed before the market's now). */
  history: Bar[] = [];

  /** Listens on 127.0.0.1 (an ephemeral port unless `port` is given). */
  async start(port = 0): Promise<number> {
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    const s = this.server;
    this.server = null;
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Closes every connection at once, as a crashed TWS would. Orders and positions stay. */
  dropAll(): void {
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
  }

  /** Stops and starts again on the same port: subscriptions are forgotten. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.port);
  }

  /** Answers nothing and sends nothing while on. */
  stall(on: boolean): void {
    this.stalled = on;
  }

  /**
   * Fills every order from now on in up to `parts` executions (1: whole), the
   * contracts shared out and each execution a tick worse than the one before,
   * as a thin book fills a market order. Children and OCA siblings move only
   * once the order is filled in full.
   */
  fillInParts(parts: number): void {
    this.fillParts = Math.max(1, Math.floor(parts));
  }

  /** Refuses the next order (after `skip` others) with this text (error 201, status Inactive). */
  rejectNextOrder(text: string, skip = 0): void {
    this.rejectText = text;
    this.rejectSkip = skip;
  }

  /** Client ids TWS says are in use by another application (error 326). */
  refuseClientId(id: number): void {
    this.busyClientIds.add(id);
  }

  /** Writes bytes as they are to every connection. */
  sendRaw(bytes: Buffer): void {
    for (const c of this.conns) c.socket.write(bytes);
  }

  /** Sends one framed message of raw fields to every connection (malformed messages). */
  sendFields(fields: readonly Field[]): void {
    for (const c of this.conns) this.write(c, fields);
  }

  /** A notice TWS sends with id -1: 1100/1101/1102 connectivity, 2103-2108 data farms. */
  notify(code: number, text: string): void {
    for (const c of this.conns) this.error(c, -1, code, text);
  }

  /** Holds a running stream before its next tick until `release` (the market pauses; orders still work). */
  hold(): void {
    this.gate.hold();
  }

  release(): void {
    this.gate.release();
  }

  /** The front contract of a root as the peer lists it (ESZ3 ...). */
  futures(root: string): PeerContract[] {
    return this.contracts.filter((c) => c.symbol === root && c.secType === 'FUT');
  }

  /** Holds a position in a contract as if traded in TWS; told to the clients subscribed to positions. */
  holdPosition(conId: number, qty: number, avg: number): void {
    const p = { qty, avg: qty === 0 ? 0 : avg };
    this.position.set(conId, p);
    for (const c of this.conns) if (c.positions) this.sendPosition(c, conId, p);
  }

  /**
   * An order entered in TWS by hand (client 0, no orderRef), working at
   * once; TWS tells the clients that asked for all open orders only when
   * they ask again. Returns its TWS order id.
   */
  placeManual(o: { conId: number; action: 'BUY' | 'SELL'; qty: number; type: 'LMT' | 'STP' | 'MKT'; price?: number }): number {
    const contract = this.contracts.find((k) => k.conId === o.conId) as PeerContract;
    const id = this.nextOrderId++;
    const order: PeerOrder = {
      id, clientId: 0, contract, action: o.action, qty: o.qty, type: o.type, lmt: o.type === 'LMT' ? (o.price ?? 0) : 0, aux: o.type === 'STP' ? (o.price ?? 0) : 0,
      ocaGroup: '', orderRef: '', parentId: 0, tif: 'GTC', account: this.account, outsideRth: true, status: 'Submitted', filled: 0, avg: 0,
    };
    this.orders.set(id, order);
    return id;
  }

  /** Cancels a working order in TWS by hand (as the trader would in TWS's window): only connected clients of its own hear of it. */
  cancelByHand(orderRef: string): void {
    const o = [...this.orders.values()].find((x) => x.orderRef === orderRef);
    if (o === undefined) throw new Error(`no order ${orderRef}`);
    o.status = 'Cancelled';
    this.status(o);
  }

  /** Signed position in a contract. */
  netPosition(conId = this.futures('ES')[0]?.conId ?? 0): number {
    return this.position.get(conId)?.qty ?? 0;
  }

  /** Orders working or waiting for a parent. */
  workingOrders(): PeerOrder[] {
    return [...this.orders.values()].filter((o) => o.status === 'Submitted' || o.status === 'PreSubmitted' || o.status === 'Held');
  }

  /** Tick-by-tick subscriptions of a kind to a root's front contract, over every client. */
  subscribers(kind: 'AllLast' | 'BidAsk', root = 'ES'): number {
    const conId = this.futures(root)[0]?.conId;
    let n = 0;
    for (const c of this.conns) for (const s of c.ticks.values()) if (s.kind === kind && s.contract.conId === conId) n += 1;
    return n;
  }

  /** Market-data lines each connected client holds now. */
  linesInUse(): number[] {
    return [...this.conns].map((c) => c.lines.size);
  }

  /** The largest number of requests received within any 1 s of wall time (pacing). */
  peakRequestsPerSecond(): number {
    let peak = 0;
    let lo = 0;
    const t = this.received.map((r) => r.atMs);
    for (let hi = 0; hi < t.length; hi++) {
      while ((t[hi] as number) - (t[lo] as number) >= 1000) lo += 1;
      peak = Math.max(peak, hi - lo + 1);
    }
    return peak;
  }

  /**
   * Streams trades of `root`'s front contract to every tick-by-tick
   * subscriber: BidAsk when the book moved, then AllLast (whole-second
   * times, as IB sends). The SPX index prints `price - basis` to its
   * market-data lines. `perSecond` paces (Infinity: as fast as the socket
   * takes them, yielding every 500). Resolves when the last one is written.
   */
  async stream(ticks: readonly PeerTick[], v: { root?: string; perSecond?: number } = {}): Promise<void> {
    const contract = this.futures(v.root ?? 'ES')[0] as PeerContract;
    const paced = v.perSecond !== undefined && Number.isFinite(v.perSecond);
    const batch = paced ? Math.max(1, Math.round((v.perSecond as number) / 1000)) : 500;
    const gapMs = paced ? Math.max(1, 1000 / (v.perSecond as number)) : 0;
    let bid = Number.NaN;
    let ask = Number.NaN;
    let spx = Number.NaN;
    for (let i = 0; i < ticks.length; i += 1) {
      await this.gate.passed();
      const t = ticks[i] as PeerTick;
      const sec = Math.floor(t.ts / 1000);
      if (t.bid !== bid || t.ask !== ask) {
        bid = t.bid;
        ask = t.ask;
        this.tickByTick(contract, 'BidAsk', [sec, t.bid, t.ask, 10, 12, 0]);
      }
      this.tickByTick(contract, 'AllLast', [sec, t.price, t.size, 0, 'CME', '']);
      if (contract.symbol === 'ES' && t.price - this.basis !== spx) {
        spx = t.price - this.basis;
        this.indexPrint(spx);
      }
      this.trade(contract, t.price, t.ts);
      this.volume.set(contract.localSymbol, (this.volume.get(contract.localSymbol) ?? 0) + t.size);
      if (i % batch !== batch - 1) continue;
      if (paced) await sleep(gapMs);
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** A trade at the exchange: fills what it reaches (also while no client is connected). */
  trade(contract: PeerContract, price: number, ts: number): void {
    this.last.set(contract.conId, price);
    this.nowMs = Math.max(this.nowMs, ts);
    for (const o of [...this.orders.values()]) {
      if (o.status !== 'Submitted' || o.contract.conId !== contract.conId || o.type === 'MKT') continue;
      const buy = o.action === 'BUY';
      const hit = o.type === 'LMT' ? (buy ? price <= o.lmt : price >= o.lmt) : buy ? price >= o.aux : price <= o.aux;
      if (hit) this.fill(o, o.type === 'LMT' ? o.lmt : price);
    }
  }

  private get basis(): number {
    return this.opts.basisPoints ?? 35;
  }

  // ------------------------------------------------------------ contracts

  /** ES and NQ: the next four quarterly contracts from the market's date; the SPX index; SPX options of the chain. */
  private listContracts(): void {
    const codes = 'FGHJKMNQUVXZ';
    const d = new Date(this.nowMs);
    let conId = 495_512_551;
    for (const root of ['ES', 'NQ']) {
      let y = d.getUTCFullYear();
      let m = Math.floor(d.getUTCMonth() / 3) * 3 + 2; // the quarter's last month, 0-based
      for (let k = 0; k < 5; k++) {
        const expiry = thirdFridayUtc(y, m);
        if (expiry >= Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) {
          this.contracts.push({
            conId: conId++, symbol: root, secType: 'FUT', lastTradeDate: ymd(expiry), localSymbol: `${root}${codes[m]}${y % 10}`, exchange: 'CME',
            multiplier: root === 'ES' ? 50 : 20, minTick: 0.25, tradingClass: root,
          });
        }
        m += 3;
        if (m > 11) [m, y] = [m - 12, y + 1];
      }
    }
    this.contracts.push({ conId: SPX_CON_ID, symbol: 'SPX', secType: 'IND', lastTradeDate: '', localSymbol: 'SPX', exchange: 'CBOE', multiplier: 1, minTick: 0.01, tradingClass: '' });
  }

  private option(fields: FieldReader): { row: ChainRow; conId: number } | null {
    // version, reqId, conId, symbol, secType, lastTradeDate, strike, right, ...
    const lastTradeDate = fields.at(5);
    const strike = Number(fields.at(6));
    const right = fields.at(7).startsWith('C') ? 'C' : 'P';
    const i = (this.opts.chain ?? []).findIndex((r) => r.expiry === lastTradeDate && r.strike === strike && r.right === right);
    return i < 0 ? null : { row: (this.opts.chain as ChainRow[])[i] as ChainRow, conId: 900_000_000 + i };
  }

  // ------------------------------------------------------------ connections

  private accept(socket: Socket): void {
    const c: Conn = { socket, pending: Buffer.alloc(0), handshaken: false, clientId: null, ticks: new Map(), lines: new Map(), depth: new Map(), positions: false, pnl: null, summary: null, version: 0 };
    this.conns.add(c);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.read(c, d));
    socket.on('error', () => undefined);
    socket.on('close', () => this.conns.delete(c));
  }

  private read(c: Conn, d: Buffer): void {
    c.pending = Buffer.concat([c.pending, d]);
    if (!c.handshaken) {
      // "API\0" then a length-prefixed "v<min>..<max>".
      if (c.pending.length < 8) return;
      if (c.pending.toString('latin1', 0, 4) !== 'API\0') {
        c.socket.destroy();
        return;
      }
      const n = c.pending.readUInt32BE(4);
      if (c.pending.length < 8 + n) return;
      const range = c.pending.toString('utf8', 8, 8 + n);
      c.pending = c.pending.subarray(8 + n);
      c.handshaken = true;
      // "v<min>..<max>" (or "v<n>"): the highest version both speak; none in common, and TWS hangs up.
      const m = /^v(\d+)(?:\.\.(\d+))?/.exec(range);
      const min = Number(m?.[1] ?? Number.NaN);
      const max = Number(m?.[2] ?? m?.[1] ?? Number.NaN);
      const version = Math.min(max, this.serverVersion);
      if (!(version >= min) || version < MIN_SERVER_VERSION) {
        c.socket.destroy();
        return;
      }
      c.version = version;
      this.write(c, [version, twsTime(this.nowMs)]);
    }
    while (c.pending.length >= 4) {
      const n = c.pending.readUInt32BE(0);
      if (c.pending.length < 4 + n) return;
      const fields = c.pending.toString('utf8', 4, 4 + n).split('\0');
      c.pending = c.pending.subarray(4 + n);
      if (fields[fields.length - 1] === '') fields.pop();
      const id = Number(fields[0]);
      this.received.push({ id, fields: fields.slice(1), atMs: performance.timeOrigin + performance.now() });
      if (!this.stalled) this.handle(c, id, new FieldReader(fields.slice(1)));
    }
  }

  private write(c: Conn, fields: readonly Field[]): void {
    if (this.stalled || c.socket.destroyed) return;
    const text = `${fields.map(token).join('\0')}\0`;
    const body = Buffer.from(text, 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    c.socket.write(Buffer.concat([head, body]));
  }

  private error(c: Conn, id: number, code: number, text: string): void {
    // advancedOrderRejectJson from 166 (EDecoder::processErrMsgMsg); the version field goes at 194, past this peer.
    this.write(c, [IN.ERR_MSG, 2, id, code, text, ...(c.version >= 166 ? [''] : [])]);
  }

  private handle(c: Conn, id: number, f: FieldReader): void {
    switch (id) {
      case OUT.START_API:
        return this.startApi(c, f);
      case OUT.REQ_IDS:
        this.write(c, [IN.NEXT_VALID_ID, 1, this.nextOrderId]);
        return;
      case OUT.REQ_MANAGED_ACCTS:
        this.write(c, [IN.MANAGED_ACCTS, 1, this.account]);
        return;
      case OUT.REQ_CURRENT_TIME:
        this.write(c, [IN.CURRENT_TIME, 1, Math.floor(this.nowMs / 1000)]); // the market's time of the data it replays
        return;
      case OUT.REQ_CONTRACT_DATA:
        return this.contractDetails(c, f);
      case OUT.REQ_TICK_BY_TICK: {
        const reqId = f.int(0);
        const contract = this.resolve(f, 1);
        if (contract === null) return this.error(c, reqId, 200, 'No security definition has been found for the request');
        c.ticks.set(reqId, { contract, kind: f.at(13) as 'AllLast' | 'BidAsk' });
        return;
      }
      case OUT.CANCEL_TICK_BY_TICK:
        c.ticks.delete(f.int(0));
        return;
      case OUT.REQ_HISTORICAL_DATA:
        return this.historical(c, f);
      case OUT.REQ_SEC_DEF_OPT_PARAMS:
        return this.secDefParams(c, f);
      case OUT.REQ_MKT_DATA:
        return this.marketData(c, f);
      case OUT.CANCEL_MKT_DATA:
        c.lines.delete(f.int(1));
        return;
      case OUT.PLACE_ORDER:
        return this.placeOrder(c, f);
      case OUT.CANCEL_ORDER:
        return this.cancelOrder(c, f.int(1));
      case OUT.REQ_GLOBAL_CANCEL:
        for (const o of this.workingOrders()) this.cancelOrder(c, o.id);
        return;
      case OUT.REQ_OPEN_ORDERS:
      case OUT.REQ_ALL_OPEN_ORDERS:
      case OUT.REQ_AUTO_OPEN_ORDERS:
        for (const o of this.workingOrders()) {
          if (id === OUT.REQ_OPEN_ORDERS && o.clientId !== c.clientId) continue;
          this.openOrder(c, o);
          this.status(o, c);
        }
        this.write(c, [IN.OPEN_ORDER_END, 1]);
        return;
      case OUT.REQ_POSITIONS:
        c.positions = true;
        for (const [conId, p] of this.position) this.sendPosition(c, conId, p);
        this.write(c, [IN.POSITION_END, 1]);
        return;
      case OUT.CANCEL_POSITIONS:
        c.positions = false;
        return;
      case OUT.REQ_EXECUTIONS:
        return this.executions(c, f);
      case OUT.REQ_ACCOUNT_SUMMARY:
        // EClient.reqAccountSummary: version, reqId, group, tags; answered per account and tag, then the end.
        c.summary = f.int(1);
        if (f.at(3).split(',').includes('NetLiquidation')) this.sendNetLiquidation(c);
        this.write(c, [IN.ACCOUNT_SUMMARY_END, 1, c.summary]);
        return;
      case OUT.REQ_PNL:
        c.pnl = f.int(0);
        this.sendPnl(c);
        return;
      case OUT.CANCEL_PNL:
        c.pnl = null;
        return;
      case OUT.REQ_MKT_DEPTH: {
        // version, reqId, conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, primaryExch (v149+), currency,
        // localSymbol, tradingClass, numRows, isSmartDepth (v146+), mktDepthOptions (EClient.reqMktDepth, ibapi client.py).
        const reqId = f.int(1);
        const contract = this.resolve(f, 2);
        if (contract === null) return this.error(c, reqId, 200, 'No security definition has been found for the request');
        c.depth.set(reqId, contract);
        // The book now, row by row, as inserts.
        for (const side of ['ask', 'bid'] as const) this.depthRows[side].forEach((r, i) => this.depthMessage(c, reqId, i, 0, side, r.price, r.size));
        return;
      }
      case OUT.CANCEL_MKT_DEPTH:
        c.depth.delete(f.int(1));
        return;
      default:
        return;
    }
  }

  /** The book TWS streams by row (0 the best): asks from the lowest, bids from the highest. */
  private readonly depthRows: { ask: { price: number; size: number }[]; bid: { price: number; size: number }[] } = { ask: [], bid: [] };
  /** Which message the depth rows go out as: MARKET_DEPTH (updateMktDepth) or MARKET_DEPTH_L2 (updateMktDepthL2, with the exchange as market maker). */
  depthMessageKind: 'L1' | 'L2' = 'L2';

  /**
   * Sets the resting size at `price` on one side of the book (0 removes the level) and streams the row change to every
   * depth subscriber: an insert where a new price falls, an update of its row, or a delete that moves the rows below up.
   */
  depthUpdate(side: 'bid' | 'ask', price: number, size: number): void {
    const rows = this.depthRows[side];
    const at = rows.findIndex((r) => r.price === price);
    let op: number;
    let position: number;
    if (at >= 0 && size > 0) {
      rows[at] = { price, size };
      [op, position] = [1, at];
    } else if (at >= 0) {
      rows.splice(at, 1);
      [op, position] = [2, at];
    } else if (size > 0) {
      const better = (p: number): boolean => (side === 'bid' ? p > price : p < price);
      position = rows.filter((r) => better(r.price)).length;
      rows.splice(position, 0, { price, size });
      op = 0;
    } else return;
    for (const c of this.conns) for (const [reqId] of c.depth) this.depthMessage(c, reqId, position, op, side, price, size);
  }

  private depthMessage(c: Conn, reqId: number, position: number, operation: number, side: 'bid' | 'ask', price: number, size: number): void {
    // EDecoder processMarketDepthMsg / processMarketDepthL2Msg: version, reqId, position, [marketMaker,] operation, side (0 ask, 1 bid), price, size[, isSmartDepth v146+].
    const s = side === 'bid' ? 1 : 0;
    if (this.depthMessageKind === 'L1') this.write(c, [IN.MARKET_DEPTH, 1, reqId, position, operation, s, price, size]);
    else this.write(c, [IN.MARKET_DEPTH_L2, 1, reqId, position, 'CME', operation, s, price, size, ...(c.version >= 146 ? [false] : [])]);
  }

  private startApi(c: Conn, f: FieldReader): void {
    const clientId = f.int(1);
    const inUse = this.busyClientIds.has(clientId) || [...this.conns].some((o) => o !== c && o.clientId === clientId);
    if (inUse) {
      this.error(c, -1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.');
      c.socket.end();
      return;
    }
    c.clientId = clientId;
    this.write(c, [IN.MANAGED_ACCTS, 1, this.account]);
    this.write(c, [IN.NEXT_VALID_ID, 1, this.nextOrderId]);
    // TWS hands a client its own open orders at connect (no end message: that answers a request).
    for (const o of this.workingOrders()) {
      if (o.clientId !== clientId) continue;
      this.openOrder(c, o);
      this.status(o, c);
    }
    this.error(c, -1, 2104, 'Market data farm connection is OK:usfuture');
    this.error(c, -1, 2106, 'HMDS data farm connection is OK:ushmds');
  }

  /** The contract a request names from `at`: conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, tradingClass. */
  private resolve(f: FieldReader, at: number): PeerContract | null {
    const conId = f.int(at);
    const symbol = f.at(at + 1);
    const secType = f.at(at + 2);
    const local = f.at(at + 10);
    const month = f.at(at + 3);
    return (
      this.contracts.find(
        (k) =>
          (conId !== 0 && k.conId === conId) ||
          (conId === 0 && k.symbol === symbol && k.secType === secType && (local === '' || k.localSymbol === local) && (month === '' || k.lastTradeDate.startsWith(month))),
      ) ?? null
    );
  }

  private contractDetails(c: Conn, f: FieldReader): void {
    // version, reqId, conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, tradingClass, includeExpired, secIdType, secId
    const reqId = f.int(1);
    const symbol = f.at(3);
    const secType = f.at(4);
    const month = f.at(5);
    const local = f.at(12);
    const conId = f.int(2);
    const found = this.contracts.filter(
      (k) => (conId !== 0 && k.conId === conId) || (conId === 0 && k.symbol === symbol && k.secType === secType && (local === '' || k.localSymbol === local) && (month === '' || k.lastTradeDate.startsWith(month))),
    );
    if (found.length === 0) return this.error(c, reqId, 200, 'No security definition has been found for the request');
    for (const k of found) {
      // EDecoder processContractDataMsg: the version field and mdSizeMultiplier go at 164 (SIZE_RULES), stockType comes at 152,
      // minSize / sizeIncrement / suggestedSizeIncrement at 164 (lastTradeDate at 182, fund fields at 179 and ineligibility at 186 are past 178).
      const v = c.version;
      this.write(c, [
        IN.CONTRACT_DATA, ...(v < 164 ? [8] : []), reqId, k.symbol, k.secType, k.lastTradeDate, 0, '', k.exchange, 'USD', k.localSymbol, k.tradingClass, k.tradingClass, k.conId, k.minTick,
        ...(v < 164 ? [1] : []), k.multiplier === 1 ? '' : k.multiplier, 'ACTIVETIM,LMT,MKT,STP,OCA', k.exchange, 1, 0, k.symbol === 'ES' ? 'E-mini S&P 500' : k.symbol, '', k.lastTradeDate.slice(0, 6), '', '', '',
        'US/Central', '', '', '', '', 0, // evRule, evMultiplier, secIdList count
        0, '', '', '26', k.lastTradeDate, // aggGroup, underSymbol, underSecType, marketRuleIds, realExpirationDate
        ...(v >= 152 ? [''] : []), // stockType
        ...(v >= 164 ? [1, 1, 1] : []), // minSize, sizeIncrement, suggestedSizeIncrement
      ]);
    }
    this.write(c, [IN.CONTRACT_DATA_END, 1, reqId]);
  }

  private historical(c: Conn, f: FieldReader): void {
    // reqId, contract (12 fields from conId), includeExpired, endDateTime, barSize, duration, useRTH, whatToShow, formatDate, keepUpToDate, chartOptions
    const reqId = f.int(0);
    if (this.resolve(f, 1) === null) return this.error(c, reqId, 162, 'Historical Market Data Service error message:No market data permissions');
    const bars = this.history.filter((b) => b.ts + 60_000 <= this.nowMs);
    const fields: Field[] = [IN.HISTORICAL_DATA, reqId, twsTime(bars[0]?.ts ?? this.nowMs), twsTime(this.nowMs), bars.length];
    // formatDate: 2 gives Unix seconds; 1 (or anything else) the exchange's wall time with its zone, as TWS 10 writes it.
    const formatDate = f.at(19);
    for (const b of bars) fields.push(formatDate === '2' ? Math.floor(b.ts / 1000) : newYorkTime(b.ts), b.open, b.high, b.low, b.close, b.volume, b.close, b.trades || 1);
    this.write(c, fields);
  }

  private secDefParams(c: Conn, f: FieldReader): void {
    // reqId, underlyingSymbol, futFopExchange, underlyingSecType, underlyingConId
    const reqId = f.int(0);
    const chain = this.opts.chain ?? [];
    for (const tradingClass of ['SPX', 'SPXW']) {
      const rows = chain.filter((r) => r.tradingClass === tradingClass);
      if (rows.length === 0) continue;
      const expirations = [...new Set(rows.map((r) => r.expiry))].sort();
      const strikes = [...new Set(rows.map((r) => r.strike))].sort((a, b) => a - b);
      for (const exchange of ['SMART', 'CBOE']) this.write(c, [IN.SECDEF_OPT_PARAMS, reqId, exchange, SPX_CON_ID, tradingClass, 100, expirations.length, ...expirations, strikes.length, ...strikes]);
    }
    this.write(c, [IN.SECDEF_OPT_PARAMS_END, reqId]);
  }

  private marketData(c: Conn, f: FieldReader): void {
    // version, reqId, conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, tradingClass, deltaNeutral, genericTicks, snapshot, regulatory, options
    const reqId = f.int(1);
    if (c.lines.size >= (this.opts.maxLines ?? 100)) return this.error(c, reqId, 101, `Max number of tickers has been reached (${this.opts.maxLines ?? 100})`);
    if (f.at(4) === 'OPT') {
      const o = this.option(f);
      if (o === null) return this.error(c, reqId, 200, 'No security definition has been found for the request');
      const k: PeerContract = { conId: o.conId, symbol: 'SPX', secType: 'OPT', lastTradeDate: o.row.expiry, localSymbol: '', exchange: 'SMART', multiplier: 100, minTick: 0.05, tradingClass: o.row.tradingClass };
      c.lines.set(reqId, k);
      const spx = this.spx();
      // The day's volume (tick 8) comes with the default ticks of every line.
      this.write(c, [IN.TICK_SIZE, 6, reqId, 8, o.row.volume]);
      // Model option computation (13): version 6 carries IV, delta, price, PV dividend, gamma, vega, theta, underlying.
      // From 156 (PRICE_BASED_VOLATILITY) no version field, and tickAttrib after the tick type (EDecoder processTickOptionComputationMsg).
      const head = c.version >= 156 ? [reqId, 13, 0] : [6, reqId, 13];
      this.write(c, [IN.TICK_OPTION_COMPUTATION, ...head, o.row.iv, o.row.delta, o.row.price, 0, o.row.gamma, -2, -2, Number.isFinite(spx) ? spx : -1]);
      if (f.at(15).split(',').includes('101')) this.write(c, [IN.TICK_SIZE, 6, reqId, o.row.right === 'C' ? 27 : 28, o.row.openInterest]);
      return;
    }
    const k = this.resolve(f, 2);
    if (k === null) return this.error(c, reqId, 200, 'No security definition has been found for the request');
    if (f.at(16) === '1') {
      // A snapshot: the day's volume (tick 8), then its end; no line is kept.
      this.write(c, [IN.TICK_SIZE, 6, reqId, 8, this.volume.get(k.localSymbol) ?? 0]);
      this.write(c, [IN.TICK_SNAPSHOT_END, 1, reqId]);
      return;
    }
    c.lines.set(reqId, k);
    const last = k.conId === SPX_CON_ID ? this.spx() : (this.last.get(k.conId) ?? Number.NaN);
    if (Number.isFinite(last)) this.write(c, [IN.TICK_PRICE, 3, reqId, 4, last, 0, 0]);
  }

  private spx(): number {
    const es = this.futures('ES')[0];
    const p = es === undefined ? undefined : this.last.get(es.conId);
    return p === undefined ? Number.NaN : p - this.basis;
  }

  private tickByTick(contract: PeerContract, kind: 'AllLast' | 'BidAsk', values: readonly Field[]): void {
    for (const c of this.conns) {
      for (const [reqId, s] of c.ticks) {
        if (s.contract.conId !== contract.conId || s.kind !== kind) continue;
        this.write(c, [IN.TICK_BY_TICK, reqId, kind === 'AllLast' ? 2 : 3, ...values]);
      }
    }
  }

  private indexPrint(price: number): void {
    for (const c of this.conns) for (const [reqId, k] of c.lines) if (k.conId === SPX_CON_ID) this.write(c, [IN.TICK_PRICE, 3, reqId, 4, price, 0, 0]);
  }

  // ------------------------------------------------------------ orders

  private placeOrder(c: Conn, f: FieldReader): void {
    // id, conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, tradingClass, secIdType, secId,
    // action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account, openClose, origin, orderRef, transmit, parentId, ...
    const id = f.int(0);
    const existing = this.orders.get(id);
    if (existing !== undefined) {
      if (existing.status !== 'Submitted' && existing.status !== 'PreSubmitted' && existing.status !== 'Held') return this.error(c, id, 104, `Can't modify a filled order.`);
      existing.qty = f.num(16) || existing.qty;
      if (f.at(18) !== '') existing.lmt = f.num(18);
      if (f.at(19) !== '') existing.aux = f.num(19);
      this.openOrder(c, existing);
      this.status(existing);
      const p = this.last.get(existing.contract.conId);
      if (p !== undefined) this.trade(existing.contract, p, this.nowMs);
      return;
    }
    const contract = this.resolve(f, 1);
    if (contract === null) return this.error(c, id, 200, 'No security definition has been found for the request');
    if (this.rejectText !== null && this.rejectSkip > 0) this.rejectSkip -= 1;
    else if (this.rejectText !== null) {
      const text = this.rejectText;
      this.rejectText = null;
      this.error(c, id, 201, `Order rejected - reason:${text}`);
      this.write(c, [IN.ORDER_STATUS, id, 'Inactive', 0, f.num(16), 0, id, f.int(27), 0, c.clientId ?? 0, '', 0]);
      return;
    }
    const o: PeerOrder = {
      id, clientId: c.clientId ?? 0, contract, action: f.at(15) === 'SELL' ? 'SELL' : 'BUY', qty: f.num(16), type: f.at(17), lmt: f.num(18), aux: f.num(19),
      ocaGroup: f.at(21), orderRef: f.at(25), parentId: f.int(27), tif: f.at(20), account: f.at(22) || this.account, outsideRth: f.at(32) === '1', status: 'Held', filled: 0, avg: 0,
    };
    this.orders.set(id, o);
    this.nextOrderId = Math.max(this.nextOrderId, id + 1);
    if (f.at(26) !== '1') return; // held until its group's last order transmits
    // Transmitting releases this order and every held order of its group (its parent and siblings).
    const root = o.parentId !== 0 ? o.parentId : o.id;
    const group = [...this.orders.values()].filter((x) => x.status === 'Held' && (x.id === root || x.parentId === root));
    for (const x of group) {
      const parent = x.parentId === 0 ? undefined : this.orders.get(x.parentId);
      x.status = parent !== undefined && parent.status !== 'Filled' ? 'PreSubmitted' : 'Submitted';
      for (const to of this.conns) if (to.clientId === x.clientId) this.openOrder(to, x);
      this.status(x);
    }
    for (const x of group) {
      if (x.status !== 'Submitted') continue;
      const p = this.last.get(x.contract.conId);
      if (x.type === 'MKT' && p !== undefined) this.fill(x, p);
      else if (p !== undefined) this.trade(x.contract, p, this.nowMs);
    }
  }

  private cancelOrder(c: Conn, id: number): void {
    const o = this.orders.get(id);
    if (o === undefined || (o.status !== 'Submitted' && o.status !== 'PreSubmitted' && o.status !== 'Held')) {
      this.error(c, id, 10147, `OrderId ${id} that needs to be cancelled is not found.`);
      return;
    }
    o.status = 'Cancelled';
    this.error(c, id, 202, 'Order Canceled - reason:');
    this.status(o);
    // Cancelling a parent cancels its children.
    for (const child of this.orders.values()) if (child.parentId === id && child.status !== 'Filled' && child.status !== 'Cancelled') this.cancelOrder(c, child.id);
  }

  private fill(o: PeerOrder, price: number): void {
    const qty = o.qty - o.filled;
    const parts = Math.min(this.fillParts, qty);
    const worse = (o.action === 'BUY' ? 1 : -1) * o.contract.minTick;
    for (let k = 0; k < parts; k++) {
      const q = k < parts - 1 ? Math.floor(qty / parts) : qty - Math.floor(qty / parts) * (parts - 1);
      this.execute(o, price + k * worse, q);
    }
    // Children start working once their parent filled; a fill cancels the rest of its OCA group.
    for (const x of this.orders.values()) {
      if (x.parentId === o.id && x.status === 'PreSubmitted') {
        x.status = 'Submitted';
        this.status(x);
      }
      if (o.ocaGroup !== '' && x.id !== o.id && x.ocaGroup === o.ocaGroup && (x.status === 'Submitted' || x.status === 'PreSubmitted')) {
        x.status = 'Cancelled';
        this.status(x);
      }
    }
  }

  /** One execution of `qty` contracts of `o` at `price`: position, P&L, execution and order status to its client. */
  private execute(o: PeerOrder, price: number, qty: number): void {
    o.avg = (o.avg * o.filled + price * qty) / (o.filled + qty);
    o.filled += qty;
    o.status = o.filled >= o.qty ? 'Filled' : 'Submitted';
    const signed = o.action === 'BUY' ? qty : -qty;
    const p = this.position.get(o.contract.conId) ?? { qty: 0, avg: 0 };
    const next = p.qty + signed;
    // What this execution realized, USD (the commission report's realizedPNL; none when it opens).
    let realizedNow = Number.NaN;
    if (p.qty !== 0 && Math.sign(p.qty) !== Math.sign(signed)) {
      realizedNow = (price - p.avg) * Math.min(Math.abs(signed), Math.abs(p.qty)) * Math.sign(p.qty) * o.contract.multiplier;
      this.realized += realizedNow;
    }
    if (p.qty === 0 || Math.sign(p.qty) === Math.sign(signed)) p.avg = (p.avg * Math.abs(p.qty) + price * qty) / Math.abs(next);
    else if (next !== 0 && Math.sign(next) !== Math.sign(p.qty)) p.avg = price;
    p.qty = next;
    if (p.qty === 0) p.avg = 0;
    this.position.set(o.contract.conId, p);
    const fill: TwsFill = { execId: `0000e0d5.${String(this.nextExec++).padStart(8, '0')}.01.01`, orderId: o.id, orderRef: o.orderRef, side: o.action === 'BUY' ? 'BOT' : 'SLD', price, qty, ts: this.nowMs };
    this.fills.push(fill);
    this.realizedByExec.set(fill.execId, realizedNow);
    for (const c of this.conns) {
      if (c.clientId === o.clientId) this.execution(c, -1, fill, o);
    }

    this.status(o);
    for (const c of this.conns) {
      if (c.positions) this.sendPosition(c, o.contract.conId, p);
      if (c.pnl !== null) this.sendPnl(c);
    }
  }

  /** Order status (3): id, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld, mktCapPrice. */
  private status(o: PeerOrder, to?: Conn): void {
    for (const c of to === undefined ? this.conns : [to]) {
      if (c.clientId !== o.clientId && to === undefined) continue;
      this.write(c, [IN.ORDER_STATUS, o.id, o.status === 'Held' ? 'PreSubmitted' : o.status, o.filled, o.qty - o.filled, o.avg, 1_000_000 + o.id, o.parentId, o.filled > 0 ? o.avg : 0, o.clientId, o.status === 'PreSubmitted' ? 'child' : '', 0]);
    }
  }

  /** Realized P&L of each execution that closed contracts, USD, by execution id. */
  private readonly realizedByExec = new Map<string, number>();

  /**
   * COMMISSION_REPORT (59), as IB's EDecoder processCommissionReportMsg
   * reads it: version, execId, commission, currency, realizedPNL, yield,
   * yieldRedemptionDate. TWS writes Double.MAX_VALUE for a value it has not
   * (the realized P&L of an opening execution, a future's yield).
   */
  private commissionReport(c: Conn, x: TwsFill): void {
    const max = 1.7976931348623157e308;
    const usd = Math.round((this.opts.commissionPerContractUsd ?? 2.12) * x.qty * 100) / 100;
    const realized = this.realizedByExec.get(x.execId);
    this.write(c, [IN.COMMISSION_REPORT, 1, x.execId, usd, 'USD', realized === undefined || Number.isNaN(realized) ? max : realized - usd, max, '']);
  }

  /**
   * OPEN_ORDER (5) at this connection's server version (from 145 it has no
   * version field: the server version is the message's), field by field as
   * IB's OrderDecoder reads it (ibapi decoder.py processOpenOrder,
   * orderdecoder.py): the contract, then the order's attributes, each
   * version-gated one from the server version that brought it. Unset
   * doubles and integers are written empty (EDecoder's readDoubleMax and
   * readIntMax read empty as unset).
   */
  private openOrder(c: Conn, o: PeerOrder): void {
    const v = c.version;
    const k = o.contract;
    const unset = '';
    const fields: Field[] = [
      IN.OPEN_ORDER,
      ...(v < 145 ? [34] : []),
      o.id,
      // decodeContractFields: conId, symbol, secType, lastTradeDateOrContractMonth, strike, right, multiplier, exchange, currency, localSymbol, tradingClass
      k.conId, k.symbol, k.secType, k.lastTradeDate, 0, '', k.multiplier, k.exchange, 'USD', k.localSymbol, k.tradingClass,
      // action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account, openClose, origin, orderRef, clientId, permId, outsideRth, hidden, discretionaryAmt, goodAfterTime
      o.action, o.qty, o.type, o.type === 'LMT' ? o.lmt : unset, o.type === 'STP' ? o.aux : unset, o.tif, o.ocaGroup, o.account, '', 0, o.orderRef, o.clientId, 1_000_000 + o.id, o.outsideRth, false, 0, '',
      '', // sharesAllocation (deprecated)
      '', '', '', // faGroup, faMethod, faPercentage
      ...(v < 177 ? [''] : []), // faProfile until FA_PROFILE_DESUPPORT
      ...(v >= 103 ? [''] : []), // modelCode (MODELS_SUPPORT)
      '', '', unset, '', // goodTillDate, rule80A, percentOffset, settlingFirm
      0, '', -1, // shortSaleSlot, designatedLocation, exemptCode
      0, // auctionStrategy
      unset, unset, unset, // startingPrice, stockRefPrice, delta
      unset, unset, // stockRangeLower, stockRangeUpper
      unset, false, false, false, unset, // displaySize, blockOrder, sweepToFill, allOrNone, minQty
      o.ocaGroup === '' ? 0 : 1, // ocaType (the workstation's groups: cancel with block)
      false, false, unset, // eTradeOnly, firmQuoteOnly, nbboPriceCap (deprecated)
      o.parentId, 0, // parentId, triggerMethod
      unset, 0, '', unset, // volatility, volatilityType, deltaNeutralOrderType (none: no delta-neutral fields follow), deltaNeutralAuxPrice
      false, 0, // continuousUpdate, referencePriceType
      unset, unset, // trailStopPrice, trailingPercent
      unset, unset, // basisPoints, basisPointsType
      '', 0, 0, // comboLegsDescrip, comboLegs count, orderComboLegs count
      0, // smartComboRoutingParams count
      unset, unset, unset, // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (unset: no scale fields follow)
      '', // hedgeType (none: no hedgeParam)
      false, // optOutSmartRouting
      '', '', // clearingAccount, clearingIntent
      false, // notHeld
      false, // deltaNeutralContract present
      '', // algoStrategy (none: no algo params)
      false, // solicited
      false, o.status === 'Held' ? 'PreSubmitted' : o.status, // whatIf, the order state's status
      ...(v >= 142 ? ['', '', '', '', '', ''] : []), // initMarginBefore ... equityWithLoanChange (WHAT_IF_EXT_FIELDS)
      '', '', '', // initMarginAfter, maintMarginAfter, equityWithLoanAfter
      unset, unset, unset, '', // commission, minCommission, maxCommission, commissionCurrency
      '', // warningText
      false, false, // randomizeSize, randomizePrice
      ...(v >= 102 ? [0] : []), // conditions count (PEGGED_TO_BENCHMARK; not a PEG BENCH order: no peg fields)
      ...(v >= 102 ? ['', unset, unset, unset, unset, unset, unset, 0] : []), // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice, adjustedTrailingAmount, adjustableTrailingUnit
      ...(v >= 106 ? ['', '', ''] : []), // softDollarTier name, value, displayName
      ...(v >= 111 ? [unset] : []), // cashQty
      ...(v >= 141 ? [false] : []), // dontUseAutoPriceForHedge
      ...(v >= 145 ? [false] : []), // isOmsContainer
      ...(v >= 148 ? [false] : []), // discretionaryUpToLimitPrice
      ...(v >= 151 ? [false] : []), // usePriceMgmtAlgo (PRICE_MGMT_ALGO)
      ...(v >= 158 ? [unset] : []), // duration
      ...(v >= 160 ? [unset] : []), // postToAts
      ...(v >= 162 ? [false] : []), // autoCancelParent
      ...(v >= 170 ? [unset, unset, unset, unset, unset] : []), // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf
      ...(v >= 183 ? [''] : []), // customerAccount
      ...(v >= 184 ? [false] : []), // professionalCustomer
      ...(v >= 185 ? [''] : []), // bondAccruedInterest
      ...(v >= 189 ? [false] : []), // includeOvernight
      ...(v >= 193 ? ['', unset] : []), // extOperator, manualOrderIndicator
    ];
    this.write(c, fields);
  }

  private execution(c: Conn, reqId: number, x: TwsFill, o: PeerOrder): void {
    const k = o.contract;
    const when = new Date(x.ts);
    const time = `${ymd(x.ts)}-${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}:${pad(when.getUTCSeconds())}`;
    this.write(c, [
      IN.EXECUTION_DATA, reqId, x.orderId, k.conId, k.symbol, k.secType, k.lastTradeDate, 0, '', k.multiplier, k.exchange, 'USD', k.localSymbol, k.tradingClass,
      x.execId, time, this.account, k.exchange, x.side, x.qty, x.price, 1_000_000 + x.orderId, o.clientId, 0, o.filled, o.avg, x.orderRef, '', '', '', 1,
      ...(c.version >= 178 ? [0] : []), // pendingPriceRevision (EDecoder processExecutionDataMsg, PENDING_PRICE_REVISION)
    ]);
    this.commissionReport(c, x);
  }

  private executions(c: Conn, f: FieldReader): void {
    // version, reqId, clientId, acctCode, time (yyyymmdd-hh:mm:ss UTC), symbol, secType, exchange, side
    const reqId = f.int(1);
    const since = parseUtc(f.at(4));
    for (const x of this.fills) {
      const o = this.orders.get(x.orderId) as PeerOrder;
      if (x.ts >= since) this.execution(c, reqId, x, o);
    }
    this.write(c, [IN.EXECUTION_DATA_END, 1, reqId]);
  }

  private sendPosition(c: Conn, conId: number, p: { qty: number; avg: number }): void {
    const k = this.contracts.find((x) => x.conId === conId) as PeerContract;
    // IB's average cost of a future is per contract: price x multiplier.
    this.write(c, [IN.POSITION, 3, this.account, k.conId, k.symbol, k.secType, k.lastTradeDate, 0, '', k.multiplier, '', 'USD', k.localSymbol, k.tradingClass, p.qty, p.avg * k.multiplier]);
  }

  /** The account's net liquidation value, USD. */
  private netLiquidationUsd = 40_000;

  /** Sets the net liquidation value and sends it to the clients subscribed to the account summary. */
  setNetLiquidation(usd: number): void {
    this.netLiquidationUsd = usd;
    for (const c of this.conns) if (c.summary !== null) this.sendNetLiquidation(c);
  }

  private sendNetLiquidation(c: Conn): void {
    this.write(c, [IN.ACCOUNT_SUMMARY, 1, c.summary ?? 0, this.account, 'NetLiquidation', this.netLiquidationUsd.toFixed(2), 'USD']);
  }

  private sendPnl(c: Conn): void {
    let unrealized = 0;
    for (const [conId, p] of this.position) {
      const k = this.contracts.find((x) => x.conId === conId) as PeerContract;
      const last = this.last.get(conId);
      if (last !== undefined && p.qty !== 0) unrealized += (last - p.avg) * p.qty * k.multiplier;
    }
    this.write(c, [IN.PNL, c.pnl ?? 0, this.realized + unrealized, unrealized, this.realized]);
  }
}

/** Reads request fields by position. */
class FieldReader {
  constructor(private readonly f: readonly string[]) {}
  at(i: number): string {
    return this.f[i] ?? '';
  }
  int(i: number): number {
    return Number.parseInt(this.at(i), 10) || 0;
  }
  num(i: number): number {
    const v = Number.parseFloat(this.at(i));
    return Number.isFinite(v) && v < 1e300 ? v : 0;
  }
}

function token(v: Field): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function ymd(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** TWS's "yyyymmdd hh:mm:ss zone" time. */
function twsTime(ms: number): string {
  const d = new Date(ms);
  return `${ymd(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** "yyyymmdd hh:mm:ss US/Eastern": a bar time of formatDate 1 (New York wall time). */
function newYorkTime(ms: number): string {
  const p = Object.fromEntries(NEW_YORK.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}${p.month}${p.day} ${p.hour}:${p.minute}:${p.second} US/Eastern`;
}

/** "yyyymmdd-hh:mm:ss" (UTC) to Unix ms; 0 when empty. */
function parseUtc(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})[- ]+(\d{2}):(\d{2}):(\d{2})/.exec(s.trim());
  return m === null ? 0 : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** The third Friday of a month (0-based), Unix ms at 00:00 UTC. */
function thirdFridayUtc(y: number, m: number): number {
  const first = new Date(Date.UTC(y, m, 1)).getUTCDay();
  return Date.UTC(y, m, 1 + ((5 - first + 7) % 7) + 14);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
