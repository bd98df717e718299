/**
 * A DTC server for tests: the part of Sierra Chart's DTC server the
 * workstation talks to, written from DTCProtocol.h v8 and the DTC message
 * documentation (its byte layouts are its own, in dtc-layouts.ts).
 *
 * - Binary and JSON encodings (the encoding request is always binary).
 * - Logon with optional user and password, heartbeats both ways.
 * - Market data: trades and bid/ask updates in the variant a test picks,
 *   streamed from real data (the SCID file's ticks, a bar file's bars as
 *   trades), optional depth.
 * - Orders: single, OCO, bracket (parent + OCO pair triggered by it),
 *   cancel, cancel-replace; fills against the streamed trades; order
 *   updates, unsolicited position updates, open orders, positions, trade
 *   accounts, historical fills.
 * - Misbehaviour on demand: drop every connection, restart and forget
 *   subscriptions, stall, send raw bytes, reject the next order.
 *
 * Binds 127.0.0.1 only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { T, pack, unpack } from './dtc-layouts.js';
import { StreamGate } from './gate.js';

export type TradeVariant = 107 | 112 | 137 | 142 | 146;
export type QuoteVariant = 108 | 117 | 143 | 144;

/** One trade to stream, with the book around it. Time in Unix ms, prices in points. */
export interface PeerTick {
  readonly ts: number;
  readonly price: number;
  readonly size: number;
  /** 1 at the bid (a sell), 2 at the ask (a buy), 0 unknown. */
  readonly at: 0 | 1 | 2;
  readonly bid: number;
  readonly ask: number;
  /** DTC's UnbundledTradeIndicator: 1 the first, 2 the last sub-trade of one exchange trade; 0 or absent a whole trade. */
  readonly unbundled?: 0 | 1 | 2;
}

interface PeerOrder {
  serverId: string;
  clientId: string;
  symbol: string;
  side: 1 | 2;
  type: number;
  price: number;
  qty: number;
  filled: number;
  avg: number;
  status: number;
  parent: string | null;
  ocoWith: string | null;
}

interface Conn {
  socket: Socket;
  json: boolean;
  pending: Buffer;
  loggedOn: boolean;
  symbols: Map<string, number>;
  /** Symbols of a MARKET_DEPTH_REQUEST, with their SymbolID. */
  depth: Map<string, number>;
  heartbeat: NodeJS.Timeout | null;
}

export interface DtcPeerOptions {
  readonly account?: string;
  readonly auth?: { readonly username: string; readonly password: string };
}

/** Every fill the peer made, for assertions and for historical-fill requests. */
export interface PeerFill {
  readonly execId: string;
  readonly serverId: string;
  readonly clientId: string;
  readonly side: 1 | 2;
  readonly price: number;
  readonly qty: number;
  readonly ts: number;
}

export class DtcPeer {
  private server: Server | null = null;
  private readonly conns = new Set<Conn>();
  private readonly orders = new Map<string, PeerOrder>();
  private nextServerId = 1000;
  private nextExec = 1;
  private position = 0;
  private avgPrice = 0;
  private last = Number.NaN;
  private lastTs = 0;
  private stalled = false;
  private rejectText: string | null = null;
  readonly fills: PeerFill[] = [];
  /** Every message the peer read, in order (type and members). */
  readonly received: Record<string, number | string>[] = [];
  port = 0;
  symbol = 'ESZ3';

  constructor(private readonly opts: DtcPeerOptions = {}) {}

  get account(): string {
    return this.opts.account ?? 'SIM1';
  }

  /** Listens on 127.0.0.1 (an ephemeral port unless `port` is given). */
  async start(port = 0): Promise<number> {
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const c of this.conns) this.close(c);
    const s = this.server;
    this.server = null;
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Closes every connection at once, as a crashed server would. Orders and positions stay. */
  dropAll(): void {
    for (const c of this.conns) this.close(c);
  }

  /** Stops and starts again on the same port: subscriptions are forgotten. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.port);
  }

  /** Sends nothing (data or heartbeats) while on. */
  stall(on: boolean): void {
    this.stalled = on;
  }

  private readonly gate = new StreamGate();

  /** Holds a running stream before its next tick until `release` (the market pauses; orders still work). */
  hold(): void {
    this.gate.hold();
  }

  release(): void {
    this.gate.release();
  }

  private marketWaits = false;

  /**
   * While on, market orders stay working unfilled (a market with no one on
   * the other side); off fills those working at the last price.
   */
  holdMarketOrders(on: boolean): void {
    this.marketWaits = on;
    if (on || !Number.isFinite(this.last)) return;
    for (const o of this.orders.values()) if (o.type === 1 && o.status === 4) this.fill(o, this.last, this.lastTs);
  }

  /** Refuses the next order with this text. */
  rejectNextOrder(text: string): void {
    this.rejectText = text;
  }

  private ocoRejectText: string | null = null;
  private rejectLeft = 0;

  private rejectAfterOco = 0;

  /**
   * Refuses the next OCO pair with this text (reported for its first order
   * only, as the message's answer), then the `thenOrders` orders after it.
   */
  rejectNextOco(text: string, thenOrders = 0): void {
    this.ocoRejectText = text;
    this.rejectAfterOco = thenOrders;
  }

  /** Refuses the next `count` orders of any kind with this text. */
  rejectOrders(text: string, count: number): void {
    this.rejectText = text;
    this.rejectLeft = count;
  }

  /** Writes bytes as they are to every connection (malformed messages). */
  sendRaw(bytes: Buffer): void {
    for (const c of this.conns) c.socket.write(bytes);
  }

  /** Clients logged on with a subscription to `symbol`. */
  subscribers(symbol = this.symbol): number {
    let n = 0;
    for (const c of this.conns) if (c.loggedOn && c.symbols.has(symbol)) n += 1;
    return n;
  }

  /** The account's position as the peer holds it (signed contracts). */
  get netPosition(): number {
    return this.position;
  }

  /** Sets the account's position as if traded elsewhere (in Sierra Chart, or before a restart); told to the connected clients. */
  holdPosition(qty: number, avgPrice: number): void {
    this.position = qty;
    this.avgPrice = qty === 0 ? 0 : avgPrice;
    for (const c of this.conns) {
      if (c.loggedOn) this.send(c, 306, { RequestID: 0, TotalNumberMessages: 1, MessageNumber: 1, Symbol: this.symbol, Quantity: this.position, AveragePrice: this.avgPrice, TradeAccount: this.account, Unsolicited: 1 });
    }
  }

  /** The account's balance: cash (closed P&L included) and the open positions' P&L, USD (s_AccountBalanceUpdate). */
  private cashUsd = 30_000;
  private openPnlUsd = 0;
  private dailyPnlUsd = 0;

  /** Sets the account's balance (and the day's P&L it books) and tells the connected clients (unsolicited ACCOUNT_BALANCE_UPDATE). */
  setBalance(cashUsd: number, openPnlUsd: number, dailyPnlUsd = this.dailyPnlUsd): void {
    this.cashUsd = cashUsd;
    this.openPnlUsd = openPnlUsd;
    this.dailyPnlUsd = dailyPnlUsd;
    for (const c of this.conns) if (c.loggedOn) this.balance(c, 0, 1);
  }

  private balance(c: Conn, requestId: number, unsolicited: 0 | 1): void {
    this.send(c, 600, { RequestID: requestId, CashBalance: this.cashUsd, AccountCurrency: 'USD', TradeAccount: this.account, TotalNumberMessages: 1, MessageNumber: 1, Unsolicited: unsolicited, OpenPositionsProfitLoss: this.openPnlUsd, DailyProfitLoss: this.dailyPnlUsd });
  }

  /** Orders still working (open or waiting for their parent). */
  workingOrders(): PeerOrder[] {
    return [...this.orders.values()].filter((o) => o.status === 4 || o.status === 3);
  }

  /**
   * Streams ticks to every subscriber: a bid/ask update when the book moved,
   * then the trade, in the variants asked for. `perSecond` paces them
   * (Infinity: as fast as the socket takes them, yielding every 500).
   * Resolves when the last one is written.
   */
  async stream(ticks: readonly PeerTick[], v: { trade: TradeVariant; quote: QuoteVariant; perSecond?: number }): Promise<void> {
    const paced = v.perSecond !== undefined && Number.isFinite(v.perSecond);
    // Timers tick in whole milliseconds: above 1000 a second, a batch goes out each millisecond.
    const batch = paced ? Math.max(1, Math.round((v.perSecond as number) / 1000)) : 500;
    const gapMs = paced ? Math.max(1, 1000 / (v.perSecond as number)) : 0;
    let bid = Number.NaN;
    let ask = Number.NaN;
    for (let i = 0; i < ticks.length; i += 1) {
      await this.gate.passed();
      const t = ticks[i] as PeerTick;
      if (t.bid !== bid || t.ask !== ask) {
        bid = t.bid;
        ask = t.ask;
        this.broadcast(v.quote, quoteValues(v.quote, t));
      }
      this.broadcast(v.trade, tradeValues(v.trade, t));
      this.trade(t.price, t.ts);
      if (i % batch !== batch - 1) continue;
      if (paced) await sleep(gapMs);
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** The book: resting size by price, each side (market depth). */
  private readonly book = { bid: new Map<number, number>(), ask: new Map<number, number>() };

  /** Sets one level of the book (size 0 removes it) and sends it to every depth subscriber as MARKET_DEPTH_UPDATE_LEVEL. */
  depthUpdate(side: 'bid' | 'ask', price: number, size: number): void {
    if (size > 0) this.book[side].set(price, size);
    else this.book[side].delete(price);
    for (const c of this.conns) {
      const id = c.depth.get(this.symbol);
      if (id === undefined) continue;
      this.send(c, 106, { SymbolID: id, Side: side === 'bid' ? 1 : 2, Price: price, Quantity: size, UpdateType: size > 0 ? 1 : 2, DateTime: this.lastTs / 1000, NumOrders: 0, FinalUpdateInBatch: 1, Level: 0 });
    }
  }

  /** The whole book to `c`: one snapshot level a message, the first and last flagged; an empty book is one message with no side. */
  private depthSnapshot(c: Conn): void {
    const id = c.depth.get(this.symbol) ?? 0;
    const levels = [
      ...[...this.book.bid].sort((a, b) => b[0] - a[0]).map(([price, qty], i) => ({ side: 1, price, qty, level: i + 1 })),
      ...[...this.book.ask].sort((a, b) => a[0] - b[0]).map(([price, qty], i) => ({ side: 2, price, qty, level: i + 1 })),
    ];
    if (levels.length === 0) return this.send(c, 122, { SymbolID: id, Side: 0, IsFirstMessageInBatch: 1, IsLastMessageInBatch: 1 });
    levels.forEach((l, i) => {
      this.send(c, 122, { SymbolID: id, Side: l.side, Price: l.price, Quantity: l.qty, Level: l.level, IsFirstMessageInBatch: i === 0 ? 1 : 0, IsLastMessageInBatch: i === levels.length - 1 ? 1 : 0, DateTime: this.lastTs / 1000, NumOrders: 0 });
    });
  }

  /** A trade at the venue: fills what it reaches (also while no client is connected). */
  trade(price: number, ts: number): void {
    this.last = price;
    this.lastTs = ts;
    for (const o of [...this.orders.values()]) {
      if (o.status !== 4 || o.type === 1) continue;
      const hit = o.type === 2 ? (o.side === 1 ? price <= o.price : price >= o.price) : o.side === 1 ? price >= o.price : price <= o.price;
      if (hit) this.fill(o, o.type === 2 ? o.price : price, ts);
    }
  }

  // ------------------------------------------------------------ connections

  private accept(socket: Socket): void {
    const c: Conn = { socket, json: false, pending: Buffer.alloc(0), loggedOn: false, symbols: new Map(), depth: new Map(), heartbeat: null };
    this.conns.add(c);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.read(c, d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (c.heartbeat !== null) clearInterval(c.heartbeat);
      this.conns.delete(c);
    });
  }

  private close(c: Conn): void {
    if (c.heartbeat !== null) clearInterval(c.heartbeat);
    this.conns.delete(c);
    c.socket.destroy();
  }

  private read(c: Conn, d: Buffer): void {
    c.pending = Buffer.concat([c.pending, d]);
    for (;;) {
      let m: Record<string, number | string> & { Type: number };
      if (c.json) {
        const end = c.pending.indexOf(0);
        if (end === -1) return;
        const text = c.pending.toString('utf8', 0, end);
        c.pending = c.pending.subarray(end + 1);
        m = JSON.parse(text) as typeof m;
      } else {
        if (c.pending.length < 4) return;
        const size = c.pending.readUInt16LE(0);
        if (c.pending.length < size) return;
        m = unpack(c.pending.subarray(0, size));
        c.pending = c.pending.subarray(size);
      }
      this.received.push(m);
      this.handle(c, m);
    }
  }

  private send(c: Conn, type: number, values: Record<string, number | string>): void {
    if (this.stalled || c.socket.destroyed) return;
    c.socket.write(c.json ? Buffer.from(`${JSON.stringify({ Type: type, ...values })}\0`) : pack(type, values));
  }

  private broadcast(type: number, values: Record<string, number | string>): void {
    for (const c of this.conns) {
      const id = c.symbols.get(this.symbol);
      if (c.loggedOn && id !== undefined) this.send(c, type, { ...values, SymbolID: id });
    }
  }

  private handle(c: Conn, m: Record<string, number | string> & { Type: number }): void {
    switch (m.Type) {
      case 6: {
        // The response is binary; what follows is in the agreed encoding.
        const json = m.Encoding === 2;
        c.socket.write(pack(7, { ProtocolVersion: 8, Encoding: json ? 2 : 0, ProtocolType: 'DTC' }));
        c.json = json;
        return;
      }
      case 1:
        return this.logon(c, m);
      case 3:
        return;
      case 5:
        this.close(c);
        return;
      case 101: {
        const symbol = String(m.Symbol);
        if (m.RequestAction === 2) {
          c.symbols.delete(symbol);
          return;
        }
        if (symbol !== this.symbol) {
          this.send(c, 103, { SymbolID: Number(m.SymbolID), RejectText: `unknown symbol ${symbol}` });
          return;
        }
        c.symbols.set(symbol, Number(m.SymbolID));
        return;
      }
      case 102: {
        // MARKET_DEPTH_REQUEST: the book now as MARKET_DEPTH_SNAPSHOT_LEVEL messages, then MARKET_DEPTH_UPDATE_LEVEL as it changes.
        const symbol = String(m.Symbol);
        if (m.RequestAction === 2) {
          c.depth.delete(symbol);
          return;
        }
        if (symbol !== this.symbol) return this.send(c, 121, { SymbolID: Number(m.SymbolID), RejectText: `unknown symbol ${symbol}` });
        c.depth.set(symbol, Number(m.SymbolID));
        return this.depthSnapshot(c);
      }
      case 400:
        this.send(c, 401, { TotalNumberMessages: 1, MessageNumber: 1, TradeAccount: this.account, RequestID: Number(m.RequestID) });
        return;
      case 208:
        return this.single(c, m);
      case 201:
        return this.oco(c, m);
      case 203:
        return this.cancel(c, m);
      case 204:
        return this.replace(c, m);
      case 300:
        return this.openOrders(c, m);
      case 305:
        return this.positions(c, m);
      case 303:
        return this.history(c, m);
      case 601:
        return this.balance(c, Number(m.RequestID), 0);
      default:
        return;
    }
  }

  private logon(c: Conn, m: Record<string, number | string>): void {
    const auth = this.opts.auth;
    if (auth !== undefined && (m.Username !== auth.username || m.Password !== auth.password)) {
      this.send(c, 2, { ProtocolVersion: 8, Result: 2, ResultText: 'user name or password incorrect' });
      return;
    }
    c.loggedOn = true;
    this.send(c, 2, {
      ProtocolVersion: 8, Result: 1, ResultText: 'logon successful', ServerName: 'MIA test DTC peer', TradingIsSupported: 1, OCOOrdersSupported: 1,
      OrderCancelReplaceSupported: 1, MarketDepthIsSupported: 1, BracketOrdersSupported: 1, MarketDataSupported: 1, SymbolExchangeDelimiter: '-',
    });
    const sec = Math.max(1, Number(m.HeartbeatIntervalInSeconds) || 10);
    c.heartbeat = setInterval(() => this.send(c, 3, { NumDroppedMessages: 0, CurrentDateTime: Math.floor(Date.now() / 1000) }), sec * 1000);
  }

  // ------------------------------------------------------------ orders

  private newOrder(clientId: string, symbol: string, side: number, type: number, price: number, qty: number, parent: string | null): PeerOrder {
    const o: PeerOrder = { serverId: String(this.nextServerId++), clientId, symbol, side: side === 2 ? 2 : 1, type, price, qty, filled: 0, avg: 0, status: parent === null ? 4 : 3, parent, ocoWith: null };
    this.orders.set(o.serverId, o);
    return o;
  }

  private single(c: Conn, m: Record<string, number | string>): void {
    const clientId = String(m.ClientOrderID);
    if (this.refused(c, clientId, String(m.Symbol))) return;
    const o = this.newOrder(clientId, String(m.Symbol), Number(m.BuySell), Number(m.OrderType), Number(m.Price1), Number(m.Quantity), null);
    this.update(o, 2);
    if (o.type === 1 && Number.isFinite(this.last) && !this.marketWaits) this.fill(o, this.last, this.lastTs);
  }

  private oco(c: Conn, m: Record<string, number | string>): void {
    const parentClient = String(m.ParentTriggerClientOrderID ?? '');
    if (this.ocoRejectText !== null) {
      const text = this.ocoRejectText;
      this.rejectText = text;
      this.ocoRejectText = null;
      const refused = this.refused(c, String(m.ClientOrderID_1), String(m.Symbol));
      if (this.rejectAfterOco > 0) this.rejectOrders(text, this.rejectAfterOco);
      this.rejectAfterOco = 0;
      if (refused) return;
    }
    if (this.refused(c, String(m.ClientOrderID_1), String(m.Symbol))) return;
    const parent = [...this.orders.values()].find((o) => o.clientId === parentClient) ?? null;
    const waiting = parent !== null && parent.status !== 7;
    const a = this.newOrder(String(m.ClientOrderID_1), String(m.Symbol), Number(m.BuySell_1), Number(m.OrderType_1), Number(m.Price1_1), Number(m.Quantity_1), waiting ? parent.serverId : null);
    const b = this.newOrder(String(m.ClientOrderID_2), String(m.Symbol), Number(m.BuySell_2), Number(m.OrderType_2), Number(m.Price1_2), Number(m.Quantity_2), waiting ? parent.serverId : null);
    a.ocoWith = b.serverId;
    b.ocoWith = a.serverId;
    this.update(a, 2);
    this.update(b, 2);
  }

  private refused(c: Conn, clientId: string, symbol: string): boolean {
    const why = this.rejectText ?? (symbol !== this.symbol ? `symbol ${symbol} is not tradable here` : null);
    if (why === null) return false;
    if (this.rejectLeft > 1) this.rejectLeft -= 1;
    else {
      this.rejectLeft = 0;
      this.rejectText = null;
    }
    this.send(c, 301, { ...blankUpdate(), TotalNumMessages: 1, MessageNumber: 1, ClientOrderID: clientId, Symbol: symbol, OrderStatus: 9, OrderUpdateReason: 8, InfoText: why, TradeAccount: this.account });
    return true;
  }

  private cancel(_c: Conn, m: Record<string, number | string>): void {
    const o = this.find(m);
    if (o === undefined || (o.status !== 4 && o.status !== 3)) {
      for (const c of this.conns) this.send(c, 301, { ...blankUpdate(), ClientOrderID: String(m.ClientOrderID), OrderStatus: 0, OrderUpdateReason: 9, InfoText: 'no such working order' });
      return;
    }
    o.status = 8;
    this.update(o, 6);
  }

  private replace(_c: Conn, m: Record<string, number | string>): void {
    const o = this.find(m);
    // An open order, or a bracket's attached order waiting for its parent (Sierra Chart moves those too).
    if (o === undefined || (o.status !== 4 && o.status !== 3)) return;
    if (m.Price1IsSet === 1) o.price = Number(m.Price1);
    if (Number(m.Quantity) > 0) o.qty = Number(m.Quantity);
    this.update(o, 7);
    this.trade(this.last, this.lastTs);
  }

  private find(m: Record<string, number | string>): PeerOrder | undefined {
    return this.orders.get(String(m.ServerOrderID)) ?? [...this.orders.values()].find((o) => o.clientId === m.ClientOrderID);
  }

  private fill(o: PeerOrder, price: number, ts: number): void {
    const qty = o.qty - o.filled;
    o.avg = (o.avg * o.filled + price * qty) / (o.filled + qty);
    o.filled = o.qty;
    o.status = 7;
    const signed = o.side === 1 ? qty : -qty;
    const next = this.position + signed;
    if (this.position === 0 || Math.sign(this.position) === Math.sign(signed)) this.avgPrice = (this.avgPrice * Math.abs(this.position) + price * qty) / Math.abs(next);
    else if (next !== 0 && Math.sign(next) !== Math.sign(this.position)) this.avgPrice = price;
    this.position = next;
    if (this.position === 0) this.avgPrice = 0;
    const execId = `X${this.nextExec++}`;
    this.fills.push({ execId, serverId: o.serverId, clientId: o.clientId, side: o.side, price, qty, ts });
    // LastFillDateTime is t_DateTimeWithMillisecondsInt (the current header).
    this.update(o, 4, { LastFillPrice: price, LastFillQuantity: qty, LastFillDateTime: Math.round(ts), LastFillExecutionID: execId });
    // The bracket's legs start working once their parent filled; an OCO fill cancels its sibling.
    for (const child of this.orders.values()) {
      if (child.parent === o.serverId && child.status === 3) {
        child.status = 4;
        this.update(child, 3);
      }
    }
    const sibling = o.ocoWith === null ? undefined : this.orders.get(o.ocoWith);
    if (sibling !== undefined && (sibling.status === 4 || sibling.status === 3)) {
      sibling.status = 8;
      this.update(sibling, 6);
    }
    for (const c of this.conns) {
      if (c.loggedOn) this.send(c, 306, { RequestID: 0, TotalNumberMessages: 1, MessageNumber: 1, Symbol: this.symbol, Quantity: this.position, AveragePrice: this.avgPrice, TradeAccount: this.account, Unsolicited: 1 });
    }
  }

  private update(o: PeerOrder, reason: number, extra: Record<string, number | string> = {}, to?: Conn, n?: { total: number; no: number; requestId: number }): void {
    const values = {
      ...blankUpdate(),
      RequestID: n?.requestId ?? 0,
      TotalNumMessages: n?.total ?? 1,
      MessageNumber: n?.no ?? 1,
      Symbol: o.symbol,
      ServerOrderID: o.serverId,
      ClientOrderID: o.clientId,
      OrderStatus: o.status,
      OrderUpdateReason: reason,
      OrderType: o.type,
      BuySell: o.side,
      Price1: o.price,
      OrderQuantity: o.qty,
      FilledQuantity: o.filled,
      RemainingQuantity: o.qty - o.filled,
      AverageFillPrice: o.filled > 0 ? o.avg : Number.MAX_VALUE,
      TradeAccount: this.account,
      ParentServerOrderID: o.parent ?? '',
      OCOLinkedOrderServerOrderID: o.ocoWith ?? '',
      ...extra,
    };
    for (const c of to === undefined ? this.conns : [to]) if (c.loggedOn) this.send(c, 301, values);
  }

  private openOrders(c: Conn, m: Record<string, number | string>): void {
    const open = this.workingOrders();
    const requestId = Number(m.RequestID);
    if (open.length === 0) {
      this.send(c, 301, { ...blankUpdate(), RequestID: requestId, TotalNumMessages: 1, MessageNumber: 1, NoOrders: 1, OrderUpdateReason: 1 });
      return;
    }
    open.forEach((o, i) => this.update(o, 1, {}, c, { total: open.length, no: i + 1, requestId }));
  }

  private positions(c: Conn, m: Record<string, number | string>): void {
    const requestId = Number(m.RequestID);
    const all = [...(this.position === 0 ? [] : [{ symbol: this.symbol, qty: this.position, avg: this.avgPrice }]), ...[...this.others].map(([symbol, p]) => ({ symbol, ...p }))];
    if (all.length === 0) {
      this.send(c, 306, { RequestID: requestId, TotalNumberMessages: 1, MessageNumber: 1, NoPositions: 1, TradeAccount: this.account });
      return;
    }
    all.forEach((p, i) => this.send(c, 306, { RequestID: requestId, TotalNumberMessages: all.length, MessageNumber: i + 1, Symbol: p.symbol, Quantity: p.qty, AveragePrice: p.avg, TradeAccount: this.account }));
  }

  /** The account's positions in other contracts (symbol -> signed contracts and average price). */
  private readonly others = new Map<string, { qty: number; avg: number }>();

  /** Holds (or with 0 closes) a position in another contract of the account, as if traded in Sierra Chart; told to the connected clients. */
  holdOtherPosition(symbol: string, qty: number, avgPrice: number): void {
    if (qty === 0) this.others.delete(symbol);
    else this.others.set(symbol, { qty, avg: avgPrice });
    for (const c of this.conns) {
      if (c.loggedOn) this.send(c, 306, { RequestID: 0, TotalNumberMessages: 1, MessageNumber: 1, Symbol: symbol, Quantity: qty, AveragePrice: qty === 0 ? 0 : avgPrice, TradeAccount: this.account, Unsolicited: 1 });
    }
  }

  private history(c: Conn, m: Record<string, number | string>): void {
    const since = Number(m.StartDateTime) * 1000;
    const list = this.fills.filter((f) => f.ts >= since);
    const requestId = Number(m.RequestID);
    if (list.length === 0) {
      this.send(c, 304, { RequestID: requestId, TotalNumberMessages: 1, MessageNumber: 1, NoOrderFills: 1 });
      return;
    }
    list.forEach((f, i) =>
      this.send(c, 304, {
        RequestID: requestId, TotalNumberMessages: list.length, MessageNumber: i + 1, Symbol: this.symbol, ServerOrderID: f.serverId, BuySell: f.side, Price: f.price,
        DateTime: Math.floor(f.ts / 1000), Quantity: f.qty, UniqueExecutionID: f.execId, TradeAccount: this.account,
      }),
    );
  }
}

/** An order update with the header's "unset" defaults (DBL_MAX prices and quantities). */
function blankUpdate(): Record<string, number | string> {
  const MAX = Number.MAX_VALUE;
  return { Price1: MAX, Price2: MAX, OrderQuantity: MAX, FilledQuantity: MAX, RemainingQuantity: MAX, AverageFillPrice: MAX, LastFillPrice: MAX, LastFillQuantity: MAX };
}

function tradeValues(v: TradeVariant, t: PeerTick): Record<string, number | string> {
  switch (v) {
    case 107:
      return { SymbolID: 0, AtBidOrAsk: t.at, Price: t.price, Volume: t.size, DateTime: t.ts / 1000 };
    case 112:
      return { Price: t.price, Volume: t.size, DateTime: Math.floor(t.ts / 1000), AtBidOrAsk: t.at };
    case 137:
      return { SymbolID: 0, AtBidOrAsk: t.at, UnbundledTradeIndicator: t.unbundled ?? 0, Price: t.price, Volume: t.size, DateTime: t.ts / 1000 };
    case 142:
      return { SymbolID: 0, Price: t.price, Volume: t.size, AtBidOrAsk: t.at, UnbundledTradeIndicator: t.unbundled ?? 0 };
    case 146:
      return { SymbolID: 0, Price: t.price, Volume: t.size, DateTime: Math.round(t.ts * 1000), AtBidOrAsk: t.at, UnbundledTradeIndicator: t.unbundled ?? 0 }; // µs
  }
}

function quoteValues(v: QuoteVariant, t: PeerTick): Record<string, number | string> {
  switch (v) {
    case 108:
      return { SymbolID: 0, BidPrice: t.bid, BidQuantity: 10, AskPrice: t.ask, AskQuantity: 12, DateTime: Math.floor(t.ts / 1000) };
    case 117:
      return { BidPrice: t.bid, BidQuantity: 10, AskPrice: t.ask, AskQuantity: 12, DateTime: Math.floor(t.ts / 1000) };
    case 143:
      return { SymbolID: 0, BidPrice: t.bid, BidQuantity: 10, AskPrice: t.ask, AskQuantity: 12 };
    case 144:
      return { SymbolID: 0, BidPrice: t.bid, BidQuantity: 10, AskPrice: t.ask, AskQuantity: 12, DateTime: Math.round(t.ts * 1000) }; // µs
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Every table the peer can read or write (for tests that check coverage). */
export const PEER_TYPES = Object.keys(T).map(Number);
