/**
 * An Interactive Brokers client (TWS or IB Gateway) on @stoqey/ib: market
 * data for ES (and NQ), the SPX index and its option chain, and a broker link
 * for the traded contract's orders.
 *
 * Why `IBApi` and not `IBApiNext`: IBApiNext (1.6.10) has no tick-by-tick
 * BidAsk stream, asks tick-by-tick "Last" where the issue needs "AllLast",
 * has no execution stream, and reconnects on its own inside one client. The
 * event-level `IBApi` of the same package gives all of these, and one
 * `IBApi` is built per connection attempt, so a reconnect starts clean
 * (issue 6: "the client is rebuilt").
 *
 * Sequence after every (re)connect (TWS API documentation, "Connectivity"):
 * the handshake and START_API are @stoqey/ib's; TWS answers the managed
 * accounts and the next valid order id. Then: TWS's current time (market
 * time, see `marketNow`), contract details of each root's futures and the
 * front month by the roll rule (contracts.ts, with the two nearest
 * contracts' volumes), tick-by-tick AllLast and BidAsk per root, on the first
 * connect only the session's 1-minute bars (backfill), positions (a
 * subscription), after a drop the executions since the link was lost (a
 * fill made while disconnected is reported, counted once by its execution
 * id), then all open orders, and account P&L. The broker listener hears
 * `connection(true)` once that reconciliation has been asked for.
 *
 * Open orders (EWrapper openOrder, after placeOrder, at connect and for
 * reqAllOpenOrders; decoded by @stoqey/ib as IB's OrderDecoder reads them):
 * an order of this workstation is known by its orderRef, also after an
 * engine restart, and one placed in TWS by hand is reported as TWS holds it
 * (side, type, quantity, price), so either can be cancelled or modified by
 * id. When the open-orders answer of a reconnect ends (openOrderEnd), an
 * order this client had working that TWS no longer lists, and whose
 * executions (asked just before) did not fill it, was cancelled while the
 * link was down: it is reported CANCELLED, never left looking protective.
 * Commission reports (EWrapper commissionReport, after every execution) give
 * the broker's commission of each execution, in USD only.
 *
 * Faults (TWS API "Message Codes"):
 * - 1100 connectivity between TWS and IB lost: state `lost`, orders down;
 *   1101 restored with data lost: market data subscribed again and
 *   reconciled; 1102 restored with data kept: reconciled. 2110 is as 1100.
 * - 2103/2105/2157 a data farm is down: `data-farm-down`; 2104/2106/2158 OK
 *   again. 2107/2108 (farm inactive, available on demand) are not faults.
 * - 326 client id in use: explained, no retry (another id must be chosen).
 * - A socket drop or TWS silent for 3 watchdog intervals (its current time is
 *   asked every interval): the client is torn down and rebuilt, 1 s, 2 s ...
 *   up to 10 s apart.
 * - A message @stoqey/ib cannot decode, or a trade whose price, size or time
 *   is not a number: reported through `protocolError`, skipped. A trade with
 *   numbers out of bounds (a zero price, off the tick grid, time going back)
 *   is passed on: the live run rejects and counts it as it does a file's.
 *
 * Pacing: @stoqey/ib's own rate limiter keeps requests at `maxReqPerSec`
 * (40 here, under IB's 50 and the issue's 45 a second).
 */
import { BarSizeSetting, EventName, IBApi, OrderAction, OrderType as IbOrderType, SecType, TickByTickDataType, WhatToShow, type CommissionReport, type Contract, type Execution, type Order, type OrderState } from '@stoqey/ib';
import type { Clock, TimerHandle } from '../../clock.js';
import { Reconnect } from '../reconnect.js';
import type { Bar, DepthUpdate } from '../../domain.js';
import type { OptionChain } from '../../gamma/chain.js';
import { Zone } from '../../time/zone.js';
import { frontMonth } from '../contracts.js';
import { aggressorFromQuote, type LinkState, type LinkStatus, type LiveQuote, type LiveTrade } from '../types.js';
import { type BrokerLink, type BrokerListener, type BrokerOrderReport, type BrokerOrderRequest, type BrokerOrderShape, type BrokerOrderState } from '../../venue/link.js';
import { ChainRotation, selectOptions, type OptionSpec, type SecDefParams } from './chain.js';
import { IB_BAD_LENGTH, guardIbFraming } from './framing-guard.js';
import { IbDepthRows } from './depth-rows.js';

/** How to reach TWS and what to ask of it. */
export interface IbConfig {
  readonly host: string;
  readonly port: number;
  readonly clientId: number;
  /** Futures roots to stream; the first is traded (default ['ES']). */
  readonly roots?: readonly string[];
  /** The traded contract's local symbol (e.g. ESZ5); the front month by the roll rule when empty. */
  readonly localSymbol?: string;
  /** Backfill the session's 1-minute bars on the first connect (default true). */
  readonly backfill?: boolean;
  /** The SPX chain for gamma levels (default: on, 2 expirations, +-10%, 40 lines, 6 s a line at most, 5 min between passes). */
  readonly chain?: false | { readonly expirations?: number; readonly rangePct?: number; readonly maxLines?: number; readonly lineTimeoutMs?: number; readonly refreshMs?: number };
  /** Requests a second (default 40). */
  readonly maxReqPerSec?: number;
  /** Watchdog interval, ms (default 10 000). */
  readonly watchdogMs?: number;
  /** Retry a dropped link (default true). */
  readonly reconnect?: boolean;
  /** How long a connected port may take to complete the API handshake and send the next order id, ms (default 10 s). */
  readonly handshakeTimeoutMs?: number;
}

/** Account P&L as TWS reports it (reqPnL), USD. */
export interface IbPnl {
  readonly dailyUsd: number;
  readonly unrealizedUsd: number;
  readonly realizedUsd: number;
}

/** Listeners of an IB client; every one is optional. */
export interface IbHandlers {
  status?(s: LinkStatus): void;
  /** A root's contract was resolved (after every connect). */
  contract?(root: string, localSymbol: string): void;
  trade?(t: LiveTrade): void;
  quote?(q: LiveQuote): void;
  /** The traded contract's closed 1-minute bars of the day so far (first connect only; empty when TWS gave none). */
  backfill?(bars: readonly Bar[]): void;
  /** ES minus SPX, points, measured from the last prints of both. */
  basis?(points: number): void;
  /** A full pass over the SPX option chain. */
  chain?(chain: OptionChain): void;
  pnl?(p: IbPnl): void;
  /** Changes to the traded contract's book (reqMktDepth), at the wall time of their receipt (TWS does not stamp them). */
  depth?(updates: readonly DepthUpdate[], tsMs: number): void;
  protocolError?(message: string): void;
  /** Something TWS said the trader should know (order rejects, permissions, pacing). */
  notice?(message: string): void;
}

const ET = new Zone('America/New_York');
/** Rows of market depth asked for, each side. */
const DEPTH_ROWS = 20;
/** Default wait for the TWS API handshake once the socket is connected, ms. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

interface Root {
  readonly root: string;
  contract: Contract | null;
  multiplier: number;
  bid: number;
  ask: number;
  last: number;
}

interface Pending {
  readonly resolve: (v: unknown[]) => void;
  readonly reject: (e: Error) => void;
  readonly items: unknown[];
}

interface Placed {
  readonly ibId: number;
  readonly order: Order;
  readonly parentIb: number;
}

/** An IB connection: live data, the SPX chain, and the broker link of the first root's contract. */
export class IbClient implements BrokerLink {
  readonly name = 'Interactive Brokers';
  private api: IBApi | null = null;
  private state: LinkState = 'disconnected';
  private sinceMs: number;
  private lastError: string | null = null;
  private accounts: string[] = [];
  private listener: BrokerListener | null = null;
  private handshakeTimer: TimerHandle | null = null;
  /** Since the last reqPositions, TWS named the traded contract. */
  private ownPositionSeen = false;
  private readonly reconnect: Reconnect;
  private watchdog: TimerHandle | null = null;
  private lastReceived = 0;
  private lostAt: number | null = null;
  private backfilled = false;
  private ready = false;
  private reqId = 1;
  private nextOrderId = 0;
  private offsetMs = 0;
  private connectWaiter: { resolve(): void; reject(e: Error): void } | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly roots: Root[];
  /** reqId -> root and stream kind. */
  private readonly streams = new Map<number, { root: Root; kind: 'last' | 'bidask' }>();
  /** The traded contract's market depth subscription and its rows (IbDepthRows); -1: none. */
  private depthReq = -1;
  private readonly depthRows = new IbDepthRows();
  private readonly wsToIb = new Map<string, Placed>();
  private readonly ibToWs = new Map<number, string>();
  private readonly lastReport = new Map<number, string>();
  private spxReq = 0;
  private spx = Number.NaN;
  /** Chain passes finished since the client was made. */
  private chainPasses = 0;
  /** The last pass gave no option (said once until one does). */
  private chainMissing = false;
  private pnlReq = 0;
  private summaryReq = -1;
  private spxConId = 0;
  private chainTimer: TimerHandle | null = null;
  private readonly rotation: ChainRotation | null;
  private secDef: SecDefParams[] = [];

  constructor(
    private readonly config: IbConfig,
    private readonly clock: Clock,
    private readonly on: IbHandlers = {},
  ) {
    this.sinceMs = clock.now();
    this.reconnect = new Reconnect(clock);
    this.roots = (config.roots ?? ['ES']).map((root) => ({ root, contract: null, multiplier: 50, bid: Number.NaN, ask: Number.NaN, last: Number.NaN }));
    const chain = config.chain === false ? null : (config.chain ?? {});
    this.rotation =
      chain === null
        ? null
        : new ChainRotation(
            { request: (o) => this.requestOption(o), cancel: (id) => this.api?.cancelMktData(id) },
            clock,
            { maxLines: chain.maxLines ?? 40, lineTimeoutMs: chain.lineTimeoutMs ?? 6000 },
            (options, asked) => this.chainDone(options, asked),
          );
  }

  /** The traded contract's local symbol (empty before it is resolved). */
  get symbol(): string {
    return this.roots[0]?.contract?.localSymbol ?? this.config.localSymbol ?? '';
  }

  /** TWS's time now, Unix ms: the wall clock moved by TWS's current-time answer (a test peer replays another day). */
  marketNow(): number {
    return this.clock.now() + this.offsetMs;
  }

  /** The link's state for the Connections panel. */
  status(): LinkStatus {
    return { state: this.state, sinceMs: this.sinceMs, lastError: this.lastError, accounts: this.accounts };
  }

  /** Market-data lines the chain rotation holds now, its limit, and the passes finished. */
  chainLines(): { inUse: number; limit: number; passes: number } {
    return { inUse: this.rotation?.inUse ?? 0, limit: this.rotation?.lineLimit ?? 0, passes: this.chainPasses };
  }

  setListener(l: BrokerListener): void {
    this.listener = l;
  }

  /**
   * Connects; resolves once the accounts, the order id and the contracts are
   * known and the subscriptions are asked for.
   * @throws Error in plain words when nothing listens at host:port, the client id is in use (326), or a contract cannot be resolved.
   */
  connect(): Promise<void> {
    this.reconnect.wanted = true;
    return new Promise((resolve, reject) => {
      this.connectWaiter = { resolve, reject };
      this.open();
    });
  }

  /** Closes the connection; no retry. */
  disconnect(): void {
    this.reconnect.stop();
    this.teardown();
    this.setState('disconnected');
  }

  // ------------------------------------------------------------ orders (BrokerLink)

  placeOrder(o: BrokerOrderRequest): void {
    this.send(o, { transmit: true });
  }

  /**
   * IB's bracket: the entry, then the target and the stop as children of it
   * (parentId) in one OCA group, transmitted by the last (TWS API "Bracket
   * Orders"): TWS holds the legs until the entry fills, and a fill of one leg
   * cancels the other.
   */
  placeBracket(entry: BrokerOrderRequest, stop: BrokerOrderRequest, target: BrokerOrderRequest): void {
    const oca = `MIA-${entry.id}`;
    const parent = this.send(entry, { transmit: false });
    this.send(target, { transmit: false, parentId: parent, ocaGroup: oca });
    this.send(stop, { transmit: true, parentId: parent, ocaGroup: oca });
  }

  /** Target and stop in one OCA group, each transmitted at once: they protect a position already held. */
  placeOco(stop: BrokerOrderRequest, target: BrokerOrderRequest): void {
    const oca = `MIA-${stop.id}`;
    this.send(target, { transmit: true, ocaGroup: oca });
    this.send(stop, { transmit: true, ocaGroup: oca });
  }

  /** A new price for a working limit or stop: the same order id placed again (TWS API "Modifying Orders"). */
  modify(id: string, price: number): void {
    const p = this.wsToIb.get(id);
    const c = this.roots[0]?.contract;
    if (p === undefined || this.api === null || c === null || c === undefined) return;
    if (p.order.orderType === IbOrderType.STP) p.order.auxPrice = price;
    else p.order.lmtPrice = price;
    p.order.transmit = true;
    this.api.placeOrder(p.ibId, c, p.order);
  }

  cancel(id: string): void {
    const p = this.wsToIb.get(id);
    if (p !== undefined) this.api?.cancelOrder(p.ibId);
  }

  /** IB's global cancel: every open order of the account, whoever placed it. */
  globalCancel(): void {
    this.api?.reqGlobalCancel();
  }

  private send(o: BrokerOrderRequest, link: { transmit: boolean; parentId?: number; ocaGroup?: string }): number {
    const c = this.roots[0]?.contract;
    const ibId = this.nextOrderId++;
    const order: Order = {
      action: o.side === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
      totalQuantity: o.qty,
      orderType: o.type === 'MARKET' ? IbOrderType.MKT : o.type === 'LIMIT' ? IbOrderType.LMT : IbOrderType.STP,
      tif: o.type === 'MARKET' ? 'DAY' : 'GTC',
      orderRef: o.id,
      account: this.accounts[0],
      outsideRth: true,
      transmit: link.transmit,
    };
    if (o.type === 'LIMIT') order.lmtPrice = o.price;
    if (o.type === 'STOP') order.auxPrice = o.price;
    if (link.parentId !== undefined) order.parentId = link.parentId;
    if (link.ocaGroup !== undefined) {
      order.ocaGroup = link.ocaGroup;
      order.ocaType = 1; // cancel the rest of the group, with block
    }
    this.wsToIb.set(o.id, { ibId, order, parentIb: link.parentId ?? 0 });
    this.ibToWs.set(ibId, o.id);
    if (this.api === null || c === null || c === undefined) {
      this.report(ibId, 'REJECTED', 0, Number.NaN, null, 'not connected to Interactive Brokers');
      return ibId;
    }
    this.api.placeOrder(ibId, c, order);
    return ibId;
  }

  // ------------------------------------------------------------ link

  private open(): void {
    guardIbFraming();
    this.setState(this.reconnect.first ? 'connecting' : 'reconnecting');
    this.ready = false;
    const api = new IBApi({ host: this.config.host, port: this.config.port, clientId: this.config.clientId, maxReqPerSec: this.config.maxReqPerSec ?? 40 });
    this.api = api;
    const mine = <A extends unknown[]>(f: (...a: A) => void) => (...a: A): void => {
      if (this.api !== api) return;
      this.lastReceived = this.clock.now();
      f(...a);
    };
    api.on(EventName.error, mine((err: Error, code: number, reqId: number) => this.onError(err.message, code, reqId)));
    // TWS's notices with no request id (1100, 2103, 326 ...) arrive as `info`.
    api.on(EventName.info, mine((message: string, code: number) => this.onError(message, code, -1)));
    api.on(EventName.disconnected, mine(() => this.dropped()));
    api.on(EventName.managedAccounts, mine((list: string) => (this.accounts = list.split(',').filter((a) => a !== ''))));
    api.on(EventName.nextValidId, mine((id: number) => this.onNextValidId(id)));
    api.on(EventName.currentTime, mine((sec: number) => (this.offsetMs = sec * 1000 - this.clock.now())));
    api.on(EventName.contractDetails, mine((reqId: number, d: unknown) => this.pending.get(reqId)?.items.push(d)));
    api.on(EventName.contractDetailsEnd, mine((reqId: number) => this.settle(reqId)));
    api.on(EventName.securityDefinitionOptionParameter, mine((reqId: number, exchange: string, _u: number, tradingClass: string, multiplier: string, expirations: string[], strikes: number[]) =>
      this.pending.get(reqId)?.items.push({ exchange, tradingClass, multiplier: Number(multiplier), expirations, strikes } satisfies SecDefParams)));
    api.on(EventName.securityDefinitionOptionParameterEnd, mine((reqId: number) => this.settle(reqId)));
    api.on(EventName.historicalData, mine((reqId: number, time: string, open: number, high: number, low: number, close: number, volume: number, count: number | undefined) => {
      if (time.startsWith('finished')) this.settle(reqId);
      else this.pending.get(reqId)?.items.push({ time, open, high, low, close, volume, count: count ?? 0 });
    }));
    api.on(EventName.updateMktDepth, mine((reqId: number, position: number, operation: number, side: number, price: number, size: number) => this.onDepthRow(reqId, position, operation, side, price, size)));
    api.on(
      EventName.updateMktDepthL2,
      mine((reqId: number, position: number, _maker: string, operation: number, side: number, price: number, size: number) => this.onDepthRow(reqId, position, operation, side, price, size)),
    );
    api.on(EventName.tickByTickAllLast, mine((reqId: number, _type: number, time: string, price: number, size: number) => this.onTrade(reqId, time, price, size)));
    api.on(EventName.tickByTickBidAsk, mine((reqId: number, time: number, bid: number, ask: number, bidSize: number, askSize: number) => this.onQuote(reqId, String(time), bid, ask, bidSize, askSize)));
    api.on(EventName.tickPrice, mine((reqId: number, tickType: number, price: number) => this.onTickPrice(reqId, tickType, price)));
    api.on(EventName.tickSize, mine((reqId: number, tickType?: number, size?: number) => {
      if (size === undefined) return;
      if (tickType === 27 || tickType === 28) this.rotation?.onOpenInterest(reqId, size);
      else if (tickType === 8 && this.rotation?.onVolume(reqId, size) !== true) this.pending.get(reqId)?.items.push(size);
    }));
    api.on(EventName.tickSnapshotEnd, mine((reqId: number) => this.settle(reqId)));
    api.on(EventName.tickOptionComputation, mine((reqId: number, tickType: number, _attrib: number | undefined, iv?: number, _delta?: number, _price?: number, _pv?: number, gamma?: number) => {
      if (tickType === 13) this.rotation?.onComputation(reqId, iv ?? Number.NaN, gamma ?? Number.NaN);
    }));
    api.on(EventName.orderStatus, mine((id: number, status: string, filled: number, _remaining: number, avg: number, _perm?: number, parentId?: number, _lastFill?: number, _client?: number, whyHeld?: string) =>
      this.onOrderStatus(id, status, filled, avg, parentId ?? 0, whyHeld ?? '')));
    api.on(EventName.execDetails, mine((_reqId: number, contract: Contract, exec: Execution) => this.onExecution(contract, exec)));
    api.on(EventName.openOrder, mine((ibId: number, contract: Contract, order: Order, state: OrderState) => this.onOpenOrder(ibId, contract, order, state)));
    api.on(EventName.openOrderEnd, mine(() => this.onOpenOrderEnd()));
    api.on(EventName.commissionReport, mine((r: CommissionReport) => this.onCommissionReport(r)));
    api.on(EventName.position, mine((account: string, contract: Contract, pos: number, avgCost?: number) => this.onPosition(account, contract, pos, avgCost ?? Number.NaN)));
    api.on(EventName.positionEnd, mine(() => this.onPositionEnd()));
    api.on(EventName.accountSummary, mine((reqId: number, account: string, tag: string, value: string, currency: string) => this.onAccountSummary(reqId, account, tag, value, currency)));
    api.on(EventName.pnl, mine((reqId: number, daily: number, unrealized?: number, realized?: number) => this.onPnl(reqId, daily, unrealized, realized)));
    api.connect();
    // A port that takes the connection and never completes the API handshake (or never sends the order id) is not TWS.
    const timeoutMs = this.config.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.handshakeTimer?.cancel();
    this.handshakeTimer = this.clock.setTimer(this.clock.now() + timeoutMs, () => {
      this.handshakeTimer = null;
      if (this.api !== api || this.ready) return;
      this.lastError = `${this.config.host}:${this.config.port} took the connection but did not complete the TWS API handshake within ${timeoutMs / 1000} s (is it TWS or IB Gateway, with API connections enabled?)`;
      this.dropped();
    });
  }

  private dropped(): void {
    const wasUp = this.ready;
    const versioned = (this.api?.serverVersion ?? 0) > 0;
    this.teardown();
    if (wasUp) {
      this.lostAt = this.clock.now();
      this.listener?.connection(false);
    }
    if (this.connectWaiter !== null && !wasUp && this.reconnect.first) {
      const w = this.connectWaiter;
      this.connectWaiter = null;
      this.reconnect.wanted = false;
      this.setState('disconnected');
      // Closed before the server named its version: TWS hangs up on a client whose version range it cannot serve.
      const during = versioned ? '' : ' during the API handshake, before naming its server version (a TWS or Gateway too old or too new for this client hangs up so)';
      w.reject(new Error(this.lastError ?? `Interactive Brokers at ${this.config.host}:${this.config.port} closed the connection${during}`));
      return;
    }
    if (!this.reconnect.wanted || this.config.reconnect === false) {
      this.setState('disconnected');
      return;
    }
    this.setState(this.reconnect.schedule(() => this.open()));
  }

  private teardown(): void {
    this.handshakeTimer?.cancel();
    this.handshakeTimer = null;
    this.watchdog?.cancel();
    this.watchdog = null;
    this.chainTimer?.cancel();
    this.chainTimer = null;
    this.rotation?.stop();
    const api = this.api;
    this.api = null;
    this.ready = false;
    for (const [, p] of this.pending) p.reject(new Error('the connection to Interactive Brokers dropped'));
    this.pending.clear();
    this.streams.clear();
    api?.removeAllListeners();
    api?.disconnect();
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    this.sinceMs = this.clock.now();
    this.on.status?.(this.status());
  }

  /** One row of the book (IbDepthRows) of our depth subscription. */
  private onDepthRow(reqId: number, position: number, operation: number, side: number, price: number, size: number): void {
    if (reqId !== this.depthReq) return;
    const updates = this.depthRows.apply(position, operation, side, price, Number(size));
    if (updates.length > 0) this.on.depth?.(updates, this.clock.now());
  }

  private onError(text: string, code: number, reqId: number): void {
    if (reqId >= 0 && reqId === this.depthReq && !this.ibToWs.has(reqId)) {
      // No depth (no subscription to it, too many depth requests): the ladder goes on without sizes.
      this.depthReq = -1;
      this.on.notice?.(`Interactive Brokers: no market depth for the traded contract: ${text} (${code}); the ladder shows no sizes`);
      return;
    }
    switch (code) {
      case 326:
        this.lastError = `client id ${this.config.clientId} is already in use by another application connected to this TWS: choose another client id`;
        this.reconnect.wanted = false;
        return;
      case IB_BAD_LENGTH:
        this.lastError = text; // the link is dropped and reconnects (framing-guard.ts)
        this.on.protocolError?.(text);
        return;
      case 502:
        this.lastError = `nothing is listening on ${this.config.host}:${this.config.port} (is TWS or IB Gateway running, with "Enable ActiveX and Socket Clients" on and this port?)`;
        return;
      case 1100:
      case 2110:
        this.lastError = `TWS lost its connection to Interactive Brokers (${code}): orders cannot reach the exchange`;
        this.lostAt = this.clock.now();
        this.setState('lost');
        this.listener?.connection(false);
        return;
      case 1101:
        this.lastError = null;
        this.on.notice?.('Interactive Brokers: connectivity restored, market data lost; subscribing again (1101)');
        this.resubscribe();
        this.reconcile();
        this.setState('connected');
        return;
      case 1102:
        this.lastError = null;
        this.reconcile();
        this.setState('connected');
        return;
      case 2103:
      case 2105:
      case 2157:
        this.lastError = `${text} (${code})`;
        if (this.ready) this.setState('data-farm-down');
        return;
      case 2104:
      case 2106:
      case 2158:
        if (this.state === 'data-farm-down') this.setState('connected');
        return;
      case 2107:
      case 2108:
      case 2119:
        return; // a farm inactive but available on demand: not a fault
      default:
        break;
    }
    if (this.pending.has(reqId)) {
      const p = this.pending.get(reqId) as Pending;
      this.pending.delete(reqId);
      p.reject(new Error(`${text} (${code})`));
      return;
    }
    if (code === 101) {
      if (this.rotation?.onRefused(reqId) === true) return;
    } else if (this.rotation?.onFailed(reqId) === true) return;
    const ws = this.ibToWs.get(reqId);
    if (ws !== undefined) {
      // 202 (cancelled) is followed by the order status that reports it.
      if (code === 202) return;
      if (code === 201 || code === 103 || code === 110 || code === 135 || code === 203) this.report(reqId, 'REJECTED', 0, Number.NaN, null, `${text} (${code})`);
      else this.on.notice?.(`Interactive Brokers, order ${ws}: ${text} (${code})`);
      return;
    }
    if (code === 505) {
      // @stoqey/ib could not decode a message (unknown id, underrun): it was skipped.
      this.on.protocolError?.(text);
      return;
    }
    if (code >= 2100 && code < 2200) return; // informational
    this.on.notice?.(`Interactive Brokers: ${text} (${code})`);
  }

  private async onNextValidId(id: number): Promise<void> {
    this.nextOrderId = Math.max(this.nextOrderId, id);
    if (this.ready) return;
    this.lastError = null;
    try {
      await this.start();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.lastError = message;
      if (this.connectWaiter !== null) {
        const w = this.connectWaiter;
        this.connectWaiter = null;
        this.reconnect.wanted = false;
        this.teardown();
        this.setState('disconnected');
        w.reject(new Error(message));
      }
    }
  }

  /** Contracts, subscriptions and reconciliation after a (re)connect (module header). */
  private async start(): Promise<void> {
    const api = this.api as IBApi;
    this.lastReceived = this.clock.now();
    await this.askTime(api);
    for (const r of this.roots) await this.resolveContract(r, r === this.roots[0] ? this.config.localSymbol : undefined);
    this.resubscribe();
    if (this.config.backfill !== false && !this.backfilled) {
      this.backfilled = true;
      void this.backfill();
    }
    this.reconcile();
    if (this.accounts[0] !== undefined) {
      this.pnlReq = this.reqId++;
      api.reqPnL(this.pnlReq, this.accounts[0], '');
      // The account's net liquidation value: TWS answers, then sends it again as it changes (every 3 minutes).
      this.summaryReq = this.reqId++;
      api.reqAccountSummary(this.summaryReq, 'All', 'NetLiquidation');
    }
    this.ready = true;
    this.reconnect.succeeded();
    this.setState('connected');
    this.listener?.connection(true);
    this.beat();
    if (this.connectWaiter !== null) {
      const w = this.connectWaiter;
      this.connectWaiter = null;
      w.resolve();
    }
  }

  /** Asks TWS's time and waits for it (3 s at most: TWS's time is then taken as the wall clock's). */
  private askTime(api: IBApi): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(this.clock.now() + 3000, () => done());
      const done = (): void => {
        timer.cancel();
        api.off(EventName.currentTime, done);
        resolve();
      };
      api.on(EventName.currentTime, done);
      api.reqCurrentTime();
    });
  }

  /** Sends a request whose answers are collected until its end message (`settle`) or an error. */
  private request<T>(send: (reqId: number) => void): Promise<T[]> {
    const id = this.reqId++;
    return new Promise<T[]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown[]) => void, reject, items: [] });
      send(id);
    });
  }

  private settle(reqId: number): void {
    const p = this.pending.get(reqId);
    if (p === undefined) return;
    this.pending.delete(reqId);
    p.resolve(p.items);
  }

  /**
   * The root's front month: TWS's listed futures, the roll rule of
   * contracts.ts at TWS's time, with the two nearest contracts' volumes.
   * @throws Error when TWS lists none, or not the contract the rule names.
   */
  private async resolveContract(r: Root, localSymbol: string | undefined): Promise<void> {
    const api = this.api as IBApi;
    const details = await this.request<{ contract: Contract; contractMonth?: string }>((id) =>
      api.reqContractDetails(id, { symbol: r.root, secType: SecType.FUT, exchange: 'CME', currency: 'USD', includeExpired: false }),
    );
    if (details.length === 0) throw new Error(`Interactive Brokers lists no ${r.root} futures`);
    const byLocal = new Map(details.map((d) => [d.contract.localSymbol ?? '', d.contract]));
    let want = localSymbol !== undefined && localSymbol.trim() !== '' ? localSymbol.trim() : '';
    if (want === '') {
      const now = this.marketNow();
      const calendar = frontMonth(r.root, now);
      const volumes = await this.volumes(byLocal.get(calendar.front.localSymbol), byLocal.get(calendar.next.localSymbol));
      want = frontMonth(r.root, now, volumes ?? undefined).front.localSymbol;
    }
    const c = byLocal.get(want);
    if (c === undefined) throw new Error(`Interactive Brokers does not list ${want} (listed: ${[...byLocal.keys()].join(', ')})`);
    r.contract = { conId: c.conId, symbol: c.symbol, secType: SecType.FUT, exchange: c.exchange ?? 'CME', currency: 'USD', localSymbol: c.localSymbol, lastTradeDateOrContractMonth: c.lastTradeDateOrContractMonth };
    r.multiplier = Number(c.multiplier) || r.multiplier;
    this.on.contract?.(r.root, c.localSymbol ?? want);
  }

  /** The day's volume of two contracts (snapshots, tick 8); null when either gives none within 3 s. */
  private async volumes(nearest: Contract | undefined, next: Contract | undefined): Promise<{ nearest: number; next: number } | null> {
    if (nearest === undefined || next === undefined) return null;
    const api = this.api as IBApi;
    const snap = (c: Contract): Promise<number[]> =>
      this.request<number>((id) => {
        api.reqMktData(id, c, '', true, false);
        this.clock.setTimer(this.clock.now() + 3000, () => this.settle(id));
      }).catch(() => []);
    const [a, b] = await Promise.all([snap(nearest), snap(next)]);
    if (a.length === 0 || b.length === 0) return null;
    return { nearest: a[a.length - 1] as number, next: b[b.length - 1] as number };
  }

  /** Tick-by-tick AllLast and BidAsk per root, the SPX index, the chain rotation. */
  private resubscribe(): void {
    const api = this.api;
    if (api === null) return;
    for (const [id] of this.streams) api.cancelTickByTickData(id);
    this.streams.clear();
    for (const r of this.roots) {
      if (r.contract === null) continue;
      const last = this.reqId++;
      const quote = this.reqId++;
      this.streams.set(last, { root: r, kind: 'last' });
      this.streams.set(quote, { root: r, kind: 'bidask' });
      api.reqTickByTickData(last, r.contract, TickByTickDataType.AllLast, 0, false);
      api.reqTickByTickData(quote, r.contract, TickByTickDataType.BidAsk, 0, false);
    }
    // The traded contract's book (the first root's), 20 rows a side at its exchange (not SMART-aggregated).
    const traded = this.roots[0]?.contract ?? null;
    if (this.depthReq >= 0) api.cancelMktDepth(this.depthReq, false);
    this.depthReq = -1;
    if (traded !== null) {
      this.depthReq = this.reqId++;
      this.on.depth?.(this.depthRows.reset(), this.clock.now());
      api.reqMktDepth(this.depthReq, traded, DEPTH_ROWS, false, []);
    }
    if (this.rotation !== null) void this.startChain();
  }

  /**
   * Positions, the executions since the link was lost, then open orders: TWS
   * answers requests in the order it gets them, so a fill made while
   * disconnected is known before the open-orders answer that no longer lists
   * its order ends (onOpenOrderEnd).
   */
  private reconcile(): void {
    const api = this.api;
    if (api === null) return;
    this.ownPositionSeen = false;
    api.reqPositions();
    if (this.lostAt !== null) {
      const since = new Date(this.lostAt + this.offsetMs - 60_000);
      const p = (n: number): string => String(n).padStart(2, '0');
      const time = `${since.getUTCFullYear()}${p(since.getUTCMonth() + 1)}${p(since.getUTCDate())}-${p(since.getUTCHours())}:${p(since.getUTCMinutes())}:${p(since.getUTCSeconds())}`;
      api.reqExecutions(this.reqId++, { time });
      this.lostAt = null;
    }
    this.openOrdersSeen = new Set();
    api.reqAllOpenOrders();
  }

  /** The session's closed 1-minute bars of the traded contract (first connect). */
  private async backfill(): Promise<void> {
    const api = this.api;
    const c = this.roots[0]?.contract;
    if (api === null || c === null || c === undefined) return;
    try {
      const rows = await this.request<{ time: string; open: number; high: number; low: number; close: number; volume: number; count: number }>((id) =>
        api.reqHistoricalData(id, c, '', '1 D', BarSizeSetting.MINUTES_ONE, WhatToShow.TRADES, 0, 2, false),
      );
      const bars: Bar[] = [];
      for (const r of rows) {
        const ts = Number(r.time) * 1000;
        if (!Number.isFinite(ts) || !(r.low > 0) || r.high < r.low) {
          this.on.protocolError?.(`historical bar with time "${r.time}" and low ${r.low} skipped`);
          continue;
        }
        bars.push({ kind: 'bar', tf: '1m', ts, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, bidVolume: 0, askVolume: 0, delta: 0, trades: r.count > 0 ? r.count : 0, hasOrderFlow: false });
      }
      this.on.backfill?.(bars);
    } catch (e) {
      this.on.notice?.(`Interactive Brokers: no backfill (${e instanceof Error ? e.message : String(e)})`);
      this.on.backfill?.([]);
    }
  }

  private beat(): void {
    const every = this.config.watchdogMs ?? 10_000;
    this.watchdog = this.clock.setTimer(this.clock.now() + every, () => {
      this.watchdog = null;
      const api = this.api;
      if (api === null) return;
      if (this.clock.now() - this.lastReceived > 3 * every) {
        this.lastError = `TWS has not answered for ${Math.round((3 * every) / 1000)} s`;
        this.dropped();
        return;
      }
      api.reqCurrentTime();
      this.beat();
    });
  }

  // ------------------------------------------------------------ market data

  private onTrade(reqId: number, time: string, price: number, size: number): void {
    const s = this.streams.get(reqId);
    if (s === undefined) return;
    const ts = Number(time) * 1000;
    // A field that is not a number is a malformed message; numbers out of bounds go on: the live run rejects and counts them (engine/run/drivers/live.ts).
    if (!Number.isFinite(price) || !Number.isFinite(size) || !Number.isFinite(ts)) {
      this.on.protocolError?.(`tick-by-tick trade of ${s.root.root} with price "${price}", size "${size}", time "${time}" skipped`);
      return;
    }
    this.on.trade?.({ symbol: s.root.contract?.localSymbol ?? s.root.root, tsEvent: ts, price, size, side: aggressorFromQuote(price, s.root.bid, s.root.ask) });
    if (!(price > 0) || !Number.isFinite(price)) return;
    s.root.last = price;
    if (s.root === this.roots[0] && Number.isFinite(this.spx)) this.on.basis?.(price - this.spx);
  }

  private onQuote(reqId: number, time: string, bid: number, ask: number, bidSize: number, askSize: number): void {
    const s = this.streams.get(reqId);
    if (s === undefined) return;
    if (!(bid > 0) || !(ask > 0) || ask < bid) {
      this.on.protocolError?.(`tick-by-tick quote of ${s.root.root} with bid "${bid}" and ask "${ask}" skipped`);
      return;
    }
    s.root.bid = bid;
    s.root.ask = ask;
    this.on.quote?.({ symbol: s.root.contract?.localSymbol ?? s.root.root, ts: Number(time) * 1000, bid, ask, bidSize, askSize });
  }

  private onTickPrice(reqId: number, tickType: number, price: number): void {
    if (reqId !== this.spxReq || !(price > 0)) return;
    // 4 last; 9 the prior close, until the index prints.
    if (tickType !== 4 && !(tickType === 9 && !Number.isFinite(this.spx))) return;
    this.spx = price;
    const es = this.roots[0]?.last ?? Number.NaN;
    if (Number.isFinite(es)) this.on.basis?.(es - price);
  }

  // ------------------------------------------------------------ SPX chain

  private async startChain(): Promise<void> {
    const api = this.api;
    if (api === null || this.rotation === null) return;
    try {
      if (this.spxConId === 0) {
        const d = await this.request<{ contract: Contract }>((id) => api.reqContractDetails(id, { symbol: 'SPX', secType: SecType.IND, exchange: 'CBOE', currency: 'USD' }));
        this.spxConId = d[0]?.contract.conId ?? 0;
        if (this.spxConId === 0) throw new Error('Interactive Brokers lists no SPX index');
      }
      if (this.spxReq !== 0) api.cancelMktData(this.spxReq);
      this.spxReq = this.reqId++;
      api.reqMktData(this.spxReq, { conId: this.spxConId, symbol: 'SPX', secType: SecType.IND, exchange: 'CBOE', currency: 'USD' }, '', false, false);
      this.secDef = await this.request<SecDefParams>((id) => api.reqSecDefOptParams(id, 'SPX', '', SecType.IND, this.spxConId));
      this.nextPass(0);
    } catch (e) {
      this.on.notice?.(`Interactive Brokers: no SPX option chain (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** The next pass over the chain in `inMs` (once the SPX index has printed). */
  private nextPass(inMs: number): void {
    this.chainTimer?.cancel();
    this.chainTimer = this.clock.setTimer(this.clock.now() + inMs, () => {
      this.chainTimer = null;
      if (this.rotation === null || this.api === null) return;
      if (!Number.isFinite(this.spx)) {
        this.nextPass(1000);
        return;
      }
      const chain = this.config.chain === false ? {} : (this.config.chain ?? {});
      this.rotation.start(selectOptions(this.secDef, this.spx, this.marketDate().replaceAll('-', ''), { expirations: chain.expirations ?? 2, rangePct: chain.rangePct ?? 0.1 }));
    });
  }

  private requestOption(o: OptionSpec): number {
    const id = this.reqId++;
    this.api?.reqMktData(id, { symbol: 'SPX', secType: SecType.OPT, lastTradeDateOrContractMonth: o.expiry, strike: o.strike, right: o.right === 'C' ? 'C' : 'P', exchange: 'SMART', currency: 'USD', multiplier: 100, tradingClass: o.tradingClass } as Contract, '101', false, false);
    return id;
  }

  private chainDone(options: OptionChain['options'], asked: number): void {
    this.chainPasses += 1;
    if (options.length > 0 && Number.isFinite(this.spx)) {
      this.chainMissing = false;
      this.on.chain?.({ source: `Interactive Brokers SPX chain (${options.length} of ${asked} options)`, spot: this.spx, date: this.marketDate(), ts: this.marketNow(), options, rejected: [] });
    } else if (!this.chainMissing) {
      // Said once, not at every refresh, until a pass gives options again.
      this.chainMissing = true;
      this.on.notice?.(`Interactive Brokers: the SPX chain gave no option with IV and gamma (${asked} asked); gamma levels keep their last source`);
    }
    const chain = this.config.chain === false ? {} : (this.config.chain ?? {});
    this.nextPass(chain.refreshMs ?? 300_000);
  }

  /** The market's date in New York, YYYY-MM-DD (SPX expiries and time to expiry count from it). */
  private marketDate(): string {
    return ET.formatIso(this.marketNow()).slice(0, 10);
  }

  // ------------------------------------------------------------ orders and positions

  private onOrderStatus(ibId: number, status: string, filled: number, avg: number, parentId: number, whyHeld: string): void {
    const parent = parentId > 0 ? this.ibToWs.get(parentId) : undefined;
    const held = status === 'PreSubmitted' && parentId > 0 && parent !== undefined;
    const state: BrokerOrderState =
      status === 'Filled' ? 'FILLED'
      : status === 'Cancelled' || status === 'ApiCancelled' ? 'CANCELLED'
      : status === 'Inactive' ? 'REJECTED'
      : status === 'PendingSubmit' || status === 'ApiPending' || status === 'PendingCancel' || held ? 'PENDING'
      : 'WORKING';
    this.report(ibId, state, filled, filled > 0 ? avg : Number.NaN, null, whyHeld ?? '');
  }

  /** Open orders TWS listed since our last reqAllOpenOrders (null when none is being answered). */
  private openOrdersSeen: Set<number> | null = null;

  /**
   * EWrapper openOrder: an order of ours is known again by its orderRef (an
   * engine restart forgets the TWS ids), and any order not yet known is
   * registered as TWS holds it, so cancel and modify reach it by id. A
   * status follows in orderStatus.
   */
  private onOpenOrder(ibId: number, contract: Contract, order: Order, state: OrderState): void {
    this.openOrdersSeen?.add(ibId);
    if (this.wsToIb.has(this.ibToWs.get(ibId) ?? '')) return;
    const id = order.orderRef !== undefined && order.orderRef !== '' ? order.orderRef : `IB${ibId}`;
    this.ibToWs.set(ibId, id);
    this.wsToIb.set(id, { ibId, order: { ...order, transmit: true }, parentIb: order.parentId ?? 0 });
    const shape = orderShape(contract, order);
    if (shape === null) {
      this.on.protocolError?.(`open order ${ibId} (${order.action ?? '?'} ${order.totalQuantity ?? '?'} ${order.orderType ?? '?'}) is not an order the workstation can read`);
      return;
    }
    const status = String(state.status ?? '');
    const filled = order.filledQuantity ?? 0;
    const st: BrokerOrderState = status === 'Filled' ? 'FILLED' : status === 'Cancelled' || status === 'ApiCancelled' ? 'CANCELLED' : status === 'Inactive' ? 'REJECTED' : status.startsWith('Pending') || status === 'ApiPending' ? 'PENDING' : 'WORKING';
    this.lastReport.set(ibId, `${st}|${filled}|NaN|`);
    this.listener?.order({ id, state: st, filledQty: filled, avgFillPrice: Number.NaN, fill: null, text: order.orderRef ? '' : 'placed outside the workstation', order: shape });
  }

  /**
   * EWrapper openOrderEnd of our reqAllOpenOrders: every order this client
   * had working that TWS did not list was cancelled (or expired) while the
   * link was down; the executions asked before it reported any fill.
   */
  private onOpenOrderEnd(): void {
    const seen = this.openOrdersSeen;
    if (seen === null) return;
    this.openOrdersSeen = null;
    for (const [ibId, key] of this.lastReport) {
      const state = key.slice(0, key.indexOf('|'));
      if (seen.has(ibId) || (state !== 'WORKING' && state !== 'PENDING' && state !== 'PARTIAL')) continue;
      // Filled whole while the link was down (its executions came first): TWS no longer lists it, and it was not cancelled.
      const filled = Number(key.split('|')[1]) || 0;
      const total = Number(this.wsToIb.get(this.ibToWs.get(ibId) ?? '')?.order.totalQuantity ?? Number.NaN);
      if (filled > 0 && filled >= total) continue;
      this.report(ibId, 'CANCELLED', filled, Number.NaN, null, 'no longer working at TWS after the reconnect (cancelled or expired while the link was down)');
    }
  }

  /** EWrapper commissionReport: the broker's commission of one execution, USD only. */
  private onCommissionReport(r: CommissionReport): void {
    const usd = r.commission ?? Number.NaN;
    if (r.execId === undefined || r.execId === '') return;
    if (r.currency !== 'USD' || !Number.isFinite(usd) || Math.abs(usd) > 1e12) {
      this.on.protocolError?.(`commission report for execution ${r.execId} is ${String(r.commission)} ${String(r.currency)}: not a USD amount, the estimate stays`);
      return;
    }
    this.listener?.commission({ execId: r.execId, commissionUsd: usd });
  }

  private onExecution(contract: Contract, exec: Execution): void {
    const ibId = exec.orderId ?? 0;
    if (contract.conId !== this.roots[0]?.contract?.conId || exec.execId === undefined) return;
    const qty = exec.shares ?? 0;
    const price = exec.price ?? Number.NaN;
    if (!(qty > 0) || !(price > 0)) {
      this.on.protocolError?.(`execution ${exec.execId} with ${qty} contracts at ${price} skipped`);
      return;
    }
    // An order placed elsewhere is named by its reference when it has one of ours.
    if (!this.ibToWs.has(ibId) && exec.orderRef !== undefined && exec.orderRef !== '') this.ibToWs.set(ibId, exec.orderRef);
    this.report(ibId, 'PARTIAL', exec.cumQty ?? qty, exec.avgPrice ?? price, { execId: exec.execId, price, qty, ts: parseIbTime(exec.time ?? '', this.marketNow()) }, '', true);
  }

  /**
   * accountSummary (EWrapper: reqId, account, tag, value, currency) of our
   * reqAccountSummary: the traded account's NetLiquidation, in USD only (a
   * value in another currency is not the drawdown rule's USD: it is reported
   * as a protocol error and not used).
   */
  private onAccountSummary(reqId: number, account: string, tag: string, value: string, currency: string): void {
    if (reqId !== this.summaryReq || tag !== 'NetLiquidation' || account !== this.accounts[0]) return;
    const usd = Number(value);
    if (currency !== 'USD' || value.trim() === '' || !Number.isFinite(usd)) {
      this.on.protocolError?.(`NetLiquidation of ${account} is ${JSON.stringify(value)} ${currency}: not a USD amount, not used`);
      return;
    }
    this.listener?.accountValue({ account, netLiquidationUsd: usd, dailyPnlUsd: Number.NaN });
  }

  /**
   * pnl (EWrapper: reqId, dailyPnL, unrealizedPnL, realizedPnL) of our
   * reqPnL: shown as it is, and the day's P&L goes to the broker venue too
   * (the daily loss limit takes the broker's figure when it is worse). TWS
   * writes Double.MAX_VALUE for a value it does not have: not a figure.
   */
  private onPnl(reqId: number, daily: number, unrealized: number | undefined, realized: number | undefined): void {
    const figure = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) && Math.abs(v) < 1e15 ? v : Number.NaN);
    this.on.pnl?.({ dailyUsd: daily, unrealizedUsd: unrealized ?? Number.NaN, realizedUsd: realized ?? Number.NaN });
    const account = this.accounts[0];
    if (reqId === this.pnlReq && account !== undefined && !Number.isNaN(figure(daily))) this.listener?.accountValue({ account, netLiquidationUsd: Number.NaN, dailyPnlUsd: figure(daily) });
  }

  /** TWS's positionEnd: the positions snapshot of reqPositions is complete; a contract it did not name is flat. */
  private onPositionEnd(): void {
    if (!this.ownPositionSeen) this.listener?.position({ symbol: this.symbol, qty: 0, avgPrice: Number.NaN });
    this.ownPositionSeen = false;
    this.listener?.positionsReported();
  }

  /**
   * TWS's position (EWrapper: account, contract, position, avgCost): the
   * traded contract's is the venue's position; another contract of the
   * account is reported under its local symbol, for the one-open-position
   * rule. Other accounts (an advisor's) are not this workstation's.
   */
  private onPosition(account: string, contract: Contract, pos: number, avgCost: number): void {
    if (this.accounts[0] !== undefined && account !== '' && account !== this.accounts[0]) return;
    const r = this.roots.find((x) => x.contract?.conId === contract.conId);
    if (r === undefined || r !== this.roots[0]) {
      const symbol = contract.localSymbol ?? contract.symbol ?? `conId ${contract.conId ?? '?'}`;
      if (symbol !== this.symbol) this.listener?.position({ symbol, qty: pos, avgPrice: Number.NaN });
      return;
    }
    this.ownPositionSeen = true;
    this.listener?.position({ symbol: this.symbol, qty: pos, avgPrice: pos === 0 ? Number.NaN : avgCost / r.multiplier });
  }

  private report(ibId: number, state: BrokerOrderState, filledQty: number, avgFillPrice: number, fill: BrokerOrderReport['fill'], text: string, always = false): void {
    const id = this.ibToWs.get(ibId) ?? `IB${ibId}`;
    const key = `${state}|${filledQty}|${avgFillPrice}|${text}`;
    if (!always && this.lastReport.get(ibId) === key) return; // TWS repeats order status
    this.lastReport.set(ibId, key);
    this.listener?.order({ id, state, filledQty, avgFillPrice, fill, text });
  }
}

/**
 * An order as TWS holds it, in the workstation's terms: MKT, LMT and STP
 * (STP LMT as its stop, TRAIL as a stop at its current trail price); null
 * for anything else or a quantity that is not whole contracts.
 */
function orderShape(contract: Contract, o: Order): BrokerOrderShape | null {
  const side = o.action === OrderAction.BUY ? 'BUY' : o.action === OrderAction.SELL ? 'SELL' : null;
  const qty = Number(o.totalQuantity);
  if (side === null || !Number.isInteger(qty) || qty <= 0) return null;
  const symbol = contract.localSymbol ?? contract.symbol ?? '';
  const price = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) && Math.abs(v) < 1e300 ? v : undefined);
  switch (o.orderType) {
    case IbOrderType.MKT:
      return { symbol, side, type: 'MARKET', qty };
    case IbOrderType.LMT:
      return price(o.lmtPrice) === undefined ? null : { symbol, side, type: 'LIMIT', qty, price: price(o.lmtPrice) as number };
    case IbOrderType.STP:
    case IbOrderType.STP_LMT:
      return price(o.auxPrice) === undefined ? null : { symbol, side, type: 'STOP', qty, price: price(o.auxPrice) as number };
    case IbOrderType.TRAIL:
      return price(o.trailStopPrice) === undefined ? null : { symbol, side, type: 'STOP', qty, price: price(o.trailStopPrice) as number };
    default:
      return null;
  }
}

/**
 * An execution time as TWS writes it: "yyyymmdd-hh:mm:ss" (UTC) or
 * "yyyymmdd hh:mm:ss[ zone]" (the zone's wall time; New York when none is
 * named). Unix ms; `fallback` when unreadable.
 */
export function parseIbTime(s: string, fallback: number): number {
  const m = /^(\d{4})(\d{2})(\d{2})([- ]+)(\d{2}):(\d{2}):(\d{2})\s*(\S*)/.exec(s.trim());
  if (m === null) return fallback;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[5], m[6], m[7]].map(Number) as [number, number, number, number, number, number];
  if (m[4] === '-') return Date.UTC(y, mo - 1, d, h, mi, se);
  try {
    return new Zone(m[8] !== undefined && m[8] !== '' ? m[8] : 'America/New_York').toUtcMs({ year: y, month: mo, day: d, hour: h, minute: mi, second: se, ms: 0 } as never);
  } catch {
    return fallback;
  }
}
