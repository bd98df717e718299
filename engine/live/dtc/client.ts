/**
 * A Sierra Chart DTC client (DTC protocol version 8, binary or JSON
 * encoding): encoding negotiation, logon, heartbeats, trade and bid/ask
 * updates in every variant Sierra Chart sends (double, compact float, with
 * unbundled indicator, no-timestamp, float with milliseconds), optional
 * market depth, and orders: single, OCO, bracket (a parent order plus an OCO
 * pair triggered by it), cancel, cancel-replace, order updates, positions,
 * trade accounts and historical fills.
 *
 * Sequence (DTC documentation, "Encoding Request", "Logon"): connect, send
 * a binary ENCODING_REQUEST, read the ENCODING_RESPONSE, switch encodings,
 * send LOGON_REQUEST with the heartbeat interval, read LOGON_RESPONSE. Then
 * both sides send HEARTBEAT every interval; silence for three intervals means
 * the link is dead.
 *
 * A dropped link is retried on the shared schedule (../reconnect.ts: 1 s, 2 s, 4 s ... up to 10 s). After every
 * logon the client subscribes its symbols again and reconciles: open orders,
 * positions, and the fills since the link went down (a fill that happened
 * while disconnected is reported, not lost). The broker listener hears
 * `connection(true)` only once that reconciliation has been asked for.
 *
 * A malformed message is reported through `onProtocolError` (plain words,
 * the message type) and skipped; the session goes on.
 */
import { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../clock.js';
import { Reconnect } from '../reconnect.js';
import type { AggressorSide, DepthUpdate } from '../../domain.js';
import { aggressorFromQuote, type LinkState, type LinkStatus, type LiveQuote, type LiveTrade } from '../types.js';
import { type BrokerLink, type BrokerListener, type BrokerOrderReport, type BrokerOrderRequest, type BrokerOrderState } from '../../venue/link.js';
import {
  AT,
  DEPTH_UPDATE,
  FINAL_UPDATE,
  BUY_SELL,
  DBL_MAX,
  DTC,
  DtcFramer,
  ENCODING,
  FLT_MAX,
  LOGON,
  ORDER_STATUS,
  ORDER_TYPE,
  REQUEST,
  TIF,
  IGNORED_TYPES,
  UPDATE_REASON,
  encodeBinary,
  encodeJson,
  type DtcEncoding,
  type DtcMessage,
  type DtcProtocolError,
} from './protocol.js';

/** How to reach a DTC server. */
export interface DtcConfig {
  readonly host: string;
  readonly port: number;
  readonly encoding: DtcEncoding;
  readonly username?: string;
  readonly password?: string;
  /** Seconds between heartbeats (default 5). */
  readonly heartbeatSec?: number;
  /** How long a connected server may take to answer the encoding and logon requests, ms (default 10 s). */
  readonly logonTimeoutMs?: number;
  /** The trade account orders go to; the server's first when empty. */
  readonly tradeAccount?: string;
  /** The contract, as the server names it (e.g. ESZ25-CME). */
  readonly symbol: string;
  readonly exchange?: string;
  /** Ask for market depth too (default false). */
  readonly depth?: boolean;
  /** Retry a dropped link (default true). */
  readonly reconnect?: boolean;
}

/** Listeners of a DTC client; every one is optional. */
export interface DtcHandlers {
  status?(s: LinkStatus): void;
  trade?(t: LiveTrade): void;
  quote?(q: LiveQuote): void;
  /** Changes to the book (a snapshot begins with a clear), at the server's time `tsMs` when it gives one, else the receipt's. */
  depth?(updates: readonly DepthUpdate[], tsMs: number): void;
  protocolError?(message: string): void;
  /** A message the server addressed to the trader (USER_MESSAGE, rejects). */
  notice?(message: string): void;
}

const SYMBOL_ID = 1;
/** Default wait for the logon answer once the socket is connected, ms. */
const LOGON_TIMEOUT_MS = 10_000;

/** A DTC connection: market data for one contract and a broker link for its orders. */
export class DtcClient implements BrokerLink {
  readonly name = 'Sierra Chart DTC';
  private socket: Socket | null = null;
  private framer: DtcFramer | null = null;
  private state: LinkState = 'disconnected';
  private sinceMs: number;
  private lastError: string | null = null;
  private accounts: string[] = [];
  private account = '';
  private listener: BrokerListener | null = null;
  /** Each bracket leg's OCO partner (client order ids), until the pair is refused or accepted. */
  private readonly ocoPartner = new Map<string, string>();
  /** The RequestID of this connection's positions request until its answer is complete (-1: none pending). */
  private positionsRequest = -1;
  /** The answer so far named the traded contract (or said there is no position at all). */
  private ownPositionSeen = false;
  private heartbeat: TimerHandle | null = null;
  private logonTimer: TimerHandle | null = null;
  private lastReceived = 0;
  private readonly reconnect: Reconnect;
  private lostAt: number | null = null;
  private requestId = 1;
  private bid = Number.NaN;
  private ask = Number.NaN;
  /** Server order id -> the workstation's id (fills in history name only the server's). */
  private readonly serverToClient = new Map<string, string>();
  private readonly clientToServer = new Map<string, string>();
  private logonWaiter: { resolve(): void; reject(e: Error): void } | null = null;

  constructor(
    private readonly config: DtcConfig,
    private readonly clock: Clock,
    private readonly on: DtcHandlers = {},
  ) {
    this.sinceMs = clock.now();
    this.reconnect = new Reconnect(clock);
  }

  get symbol(): string {
    return this.config.symbol;
  }

  /** The link's state for the Connections panel. */
  status(): LinkStatus {
    return { state: this.state, sinceMs: this.sinceMs, lastError: this.lastError, accounts: this.accounts };
  }

  setListener(l: BrokerListener): void {
    this.listener = l;
  }

  /**
   * Connects and logs on; resolves once the server accepted the logon.
   * @throws Error naming the host and port when the socket cannot connect, or the server's own words when it refuses the logon.
   */
  connect(): Promise<void> {
    this.reconnect.wanted = true;
    return new Promise((resolve, reject) => {
      this.logonWaiter = { resolve, reject };
      this.open();
    });
  }

  /** Logs off and closes; no retry. */
  disconnect(): void {
    this.reconnect.stop();
    if (this.socket !== null && this.state === 'connected') this.send(DTC.LOGOFF, { Reason: 'workstation closed the connection', DoNotReconnect: 1 });
    this.teardown();
    this.setState('disconnected');
  }

  // ------------------------------------------------------------ orders (BrokerLink)

  placeOrder(o: BrokerOrderRequest): void {
    this.send(DTC.SUBMIT_NEW_SINGLE_ORDER, { ...this.single(o), IsParentOrder: 0 });
  }

  /**
   * DTC's bracket: the entry as a parent order, then the stop and target as
   * an OCO pair whose ParentTriggerClientOrderID names the entry (DTC
   * documentation, "Bracket orders").
   */
  placeBracket(entry: BrokerOrderRequest, stop: BrokerOrderRequest, target: BrokerOrderRequest): void {
    this.send(DTC.SUBMIT_NEW_SINGLE_ORDER, { ...this.single(entry), IsParentOrder: 1 });
    this.oco(stop, target, entry.id);
  }

  /** An OCO pair with no parent: it works at once (s_SubmitNewOCOOrder, ParentTriggerClientOrderID empty). */
  placeOco(stop: BrokerOrderRequest, target: BrokerOrderRequest): void {
    this.oco(stop, target, '');
  }

  /** SUBMIT_NEW_OCO_ORDER: the target as order 1, the stop as order 2; triggered by `parent` when one is named. */
  private oco(stop: BrokerOrderRequest, target: BrokerOrderRequest, parent: string): void {
    this.ocoPartner.set(target.id, stop.id);
    this.ocoPartner.set(stop.id, target.id);
    this.send(DTC.SUBMIT_NEW_OCO_ORDER, {
      Symbol: this.config.symbol,
      Exchange: this.config.exchange ?? '',
      ClientOrderID_1: target.id,
      OrderType_1: ORDER_TYPE[target.type],
      BuySell_1: BUY_SELL[target.side],
      Price1_1: target.price ?? 0,
      Quantity_1: target.qty,
      ClientOrderID_2: stop.id,
      OrderType_2: ORDER_TYPE[stop.type],
      BuySell_2: BUY_SELL[stop.side],
      Price1_2: stop.price ?? 0,
      Quantity_2: stop.qty,
      TimeInForce: TIF.GOOD_TILL_CANCELED,
      TradeAccount: this.account,
      IsAutomatedOrder: 1,
      ParentTriggerClientOrderID: parent,
      FreeFormText: parent === '' ? 'MIA protection' : 'MIA bracket',
      PartialFillHandling: 1,
    });
  }

  modify(id: string, price: number): void {
    this.send(DTC.CANCEL_REPLACE_ORDER, { ServerOrderID: this.clientToServer.get(id) ?? '', ClientOrderID: id, Price1: price, Price1IsSet: 1, Price2IsSet: 0, Quantity: 0, TradeAccount: this.account });
  }

  cancel(id: string): void {
    this.send(DTC.CANCEL_ORDER, { ServerOrderID: this.clientToServer.get(id) ?? '', ClientOrderID: id, TradeAccount: this.account });
  }

  /** DTC has no global cancel message: every open order the server reports is cancelled one by one. */
  globalCancel(): void {
    this.cancelAllOnNextOpenOrders = true;
    this.send(DTC.OPEN_ORDERS_REQUEST, { RequestID: this.nextRequest(), RequestAllOrders: 1, TradeAccount: this.account });
  }

  private cancelAllOnNextOpenOrders = false;

  private single(o: BrokerOrderRequest): Record<string, number | string> {
    return {
      Symbol: this.config.symbol,
      Exchange: this.config.exchange ?? '',
      TradeAccount: this.account,
      ClientOrderID: o.id,
      OrderType: ORDER_TYPE[o.type],
      BuySell: BUY_SELL[o.side],
      Price1: o.price ?? 0,
      Quantity: o.qty,
      TimeInForce: o.type === 'MARKET' ? TIF.DAY : TIF.GOOD_TILL_CANCELED,
      IsAutomatedOrder: 1,
      FreeFormText: 'MIA',
    };
  }

  // ------------------------------------------------------------ link

  private open(): void {
    this.setState(this.reconnect.first ? 'connecting' : 'reconnecting');
    const s = new Socket();
    this.socket = s;
    s.setNoDelay(true);
    this.framer = new DtcFramer(
      (m) => {
        this.lastReceived = this.clock.now(); // alive is a whole message, not any byte
        this.onMessage(m);
      },
      (e: DtcProtocolError) => this.protocolError(e.message),
      (e: DtcProtocolError) => {
        this.protocolError(e.message);
        s.destroy(); // 'close' reconnects: a new connection starts a new frame
      },
    );
    s.on('data', (chunk: Buffer) => this.framer?.push(chunk));
    s.on('error', (e: NodeJS.ErrnoException) => {
      this.lastError = e.code === 'ECONNREFUSED' ? `nothing is listening on ${this.config.host}:${this.config.port} (is Sierra Chart's DTC server enabled?)` : `${e.code ?? ''} ${e.message}`.trim();
    });
    s.on('close', () => {
      if (this.socket === s) this.dropped();
    });
    s.connect(this.config.port, this.config.host, () => {
      // The encoding request is always binary (DTC documentation, "Encoding Request").
      s.write(encodeBinary(DTC.ENCODING_REQUEST, { ProtocolVersion: 8, Encoding: this.config.encoding === 'json' ? ENCODING.JSON : ENCODING.BINARY, ProtocolType: 'DTC' }));
      // A server that takes the connection and never answers the logon is no server: give up on this connection.
      this.logonTimer?.cancel();
      this.logonTimer = this.clock.setTimer(this.clock.now() + (this.config.logonTimeoutMs ?? LOGON_TIMEOUT_MS), () => {
        this.logonTimer = null;
        if (this.socket !== s || this.state === 'connected') return;
        this.lastError = `the DTC server at ${this.config.host}:${this.config.port} took the connection but did not answer the logon within ${(this.config.logonTimeoutMs ?? LOGON_TIMEOUT_MS) / 1000} s`;
        s.destroy();
      });
    });
  }

  private dropped(): void {
    const wasUp = this.state === 'connected';
    this.teardown();
    if (wasUp) {
      this.lostAt = this.clock.now();
      this.listener?.connection(false);
    }
    if (this.logonWaiter !== null && this.reconnect.first && this.lastError !== null && !wasUp) {
      // The first connect failed outright: tell the caller, keep trying in the background.
      const w = this.logonWaiter;
      this.logonWaiter = null;
      w.reject(new Error(this.lastError));
    }
    if (!this.reconnect.wanted || this.config.reconnect === false) {
      this.setState('disconnected');
      return;
    }
    this.setState(this.reconnect.schedule(() => this.open()));
  }

  private teardown(): void {
    this.heartbeat?.cancel();
    this.heartbeat = null;
    this.logonTimer?.cancel();
    this.logonTimer = null;
    const s = this.socket;
    this.socket = null;
    this.framer = null;
    s?.removeAllListeners('data');
    s?.destroy();
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    this.sinceMs = this.clock.now();
    this.on.status?.(this.status());
  }

  private send(type: number, values: Record<string, number | string>): void {
    const s = this.socket;
    if (s === null || s.destroyed) return;
    s.write(this.framer?.encoding === 'json' ? encodeJson(type, values) : encodeBinary(type, values));
  }

  private nextRequest(): number {
    return this.requestId++;
  }

  private protocolError(message: string): void {
    this.lastError = `bad message from the DTC server: ${message}`;
    this.on.protocolError?.(message);
  }

  private beat(): void {
    const sec = this.config.heartbeatSec ?? 5;
    this.heartbeat = this.clock.setTimer(this.clock.now() + sec * 1000, () => {
      this.heartbeat = null;
      if (this.socket === null) return;
      if (this.clock.now() - this.lastReceived > 3 * sec * 1000) {
        this.lastError = `no heartbeat from the DTC server for ${3 * sec} s`;
        this.socket.destroy(); // 'close' retries
        return;
      }
      this.send(DTC.HEARTBEAT, { NumDroppedMessages: 0, CurrentDateTime: Math.floor(this.clock.now() / 1000) });
      this.beat();
    });
  }

  // ------------------------------------------------------------ messages

  private onMessage(m: DtcMessage): void {
    switch (m.Type) {
      case DTC.ENCODING_RESPONSE:
        return this.encodingAgreed(m);
      case DTC.LOGON_RESPONSE:
        return this.loggedOn(m);
      case DTC.HEARTBEAT:
        return;
      case DTC.LOGOFF:
        this.lastError = `the DTC server logged us off: ${str(m, 'Reason')}`;
        if (num(m, 'DoNotReconnect') === 1) this.reconnect.wanted = false;
        this.socket?.destroy();
        return;
      case DTC.TRADE_ACCOUNT_RESPONSE:
        return this.tradeAccount(m);
      case DTC.MARKET_DATA_REJECT:
        this.lastError = `market data refused for ${this.config.symbol}: ${str(m, 'RejectText')}`;
        this.on.notice?.(this.lastError);
        return;
      case DTC.MARKET_DEPTH_REJECT:
        this.on.notice?.(`market depth refused for ${this.config.symbol}: ${str(m, 'RejectText')}`);
        return;
      case DTC.MARKET_DATA_FEED_STATUS:
        this.setState(num(m, 'Status') === 1 ? 'data-farm-down' : 'connected');
        return;
      case DTC.MARKET_DATA_SNAPSHOT:
        return this.snapshot(m);
      // DateTime is seconds in all three: a double with the milliseconds, or whole seconds (compact).
      case DTC.MARKET_DATA_UPDATE_TRADE:
      case DTC.MARKET_DATA_UPDATE_TRADE_COMPACT:
        return this.trade(num(m, 'Price'), num(m, 'Volume'), num(m, 'AtBidOrAsk'), num(m, 'DateTime') * 1000);
      case DTC.MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR:
        return this.trade(num(m, 'Price'), num(m, 'Volume'), num(m, 'AtBidOrAsk'), num(m, 'DateTime') * 1000, num(m, 'UnbundledTradeIndicator'));
      case DTC.MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR_2:
        return this.trade(num(m, 'Price'), num(m, 'Volume'), num(m, 'AtBidOrAsk'), num(m, 'DateTime') / 1000, num(m, 'UnbundledTradeIndicator'));
      case DTC.MARKET_DATA_UPDATE_TRADE_NO_TIMESTAMP:
        return this.trade(num(m, 'Price'), num(m, 'Volume'), num(m, 'AtBidOrAsk'), this.clock.now(), num(m, 'UnbundledTradeIndicator'));
      case DTC.MARKET_DATA_UPDATE_BID_ASK:
        return this.quote(m, num(m, 'DateTime') * 1000, DBL_MAX);
      case DTC.MARKET_DATA_UPDATE_BID_ASK_COMPACT:
        return this.quote(m, num(m, 'DateTime') * 1000, FLT_MAX);
      case DTC.MARKET_DATA_UPDATE_BID_ASK_NO_TIMESTAMP:
        return this.quote(m, this.clock.now(), FLT_MAX);
      case DTC.MARKET_DATA_UPDATE_BID_ASK_FLOAT_WITH_MICROSECONDS:
        return this.quote(m, num(m, 'DateTime') / 1000, FLT_MAX);
      // DateTime: seconds as a double (122, 106), milliseconds as an integer (140), none (145, 141).
      case DTC.MARKET_DEPTH_SNAPSHOT_LEVEL:
        return this.depth(m, num(m, 'IsFirstMessageInBatch') === 1, num(m, 'DateTime') * 1000);
      case DTC.MARKET_DEPTH_SNAPSHOT_LEVEL_FLOAT:
        return this.depth(m, num(m, 'FinalUpdateInBatch') === FINAL_UPDATE.BEGIN_BATCH, this.clock.now());
      case DTC.MARKET_DEPTH_UPDATE_LEVEL:
        return this.depth(m, false, num(m, 'DateTime') * 1000);
      case DTC.MARKET_DEPTH_UPDATE_LEVEL_FLOAT_WITH_MILLISECONDS:
        return this.depth(m, false, num(m, 'DateTime'));
      case DTC.MARKET_DEPTH_UPDATE_LEVEL_NO_TIMESTAMP:
        return this.depth(m, false, this.clock.now());
      case DTC.ORDER_UPDATE:
        return this.orderUpdate(m);
      case DTC.ACCOUNT_BALANCE_UPDATE:
        return this.accountBalance(m);
      case DTC.OPEN_ORDERS_REJECT:
      case DTC.CURRENT_POSITIONS_REJECT:
      case DTC.HISTORICAL_ORDER_FILLS_REJECT:
      case DTC.ACCOUNT_BALANCE_REJECT:
        this.on.notice?.(`the DTC server refused a request: ${str(m, 'RejectText')}`);
        return;
      case DTC.POSITION_UPDATE:
        return this.positionUpdate(m);
      case DTC.HISTORICAL_ORDER_FILL_RESPONSE:
        return this.historicalFill(m);
      case DTC.USER_MESSAGE:
        this.on.notice?.(str(m, 'UserMessage'));
        return;
      default:
        this.unread(m.Type);
        return;
    }
  }

  /** Messages of types this client does not read, by type: counted, and each type said once (a newer server's messages). */
  private readonly unreadTypes = new Map<number, number>();

  /** How many messages of each type this client does not read have arrived. */
  unreadMessages(): ReadonlyMap<number, number> {
    return this.unreadTypes;
  }

  private unread(type: number): void {
    if (IGNORED_TYPES.has(type)) return;
    const n = (this.unreadTypes.get(type) ?? 0) + 1;
    this.unreadTypes.set(type, n);
    if (n === 1) this.on.notice?.(`the DTC server sends message type ${type}, which this workstation does not read: skipped, and counted`);
  }

  private encodingAgreed(m: DtcMessage): void {
    const enc: DtcEncoding = num(m, 'Encoding') === ENCODING.JSON ? 'json' : 'binary';
    if (enc !== this.config.encoding) this.lastError = `the DTC server answered with ${enc} encoding instead of ${this.config.encoding}; continuing in ${enc}`;
    if (this.framer !== null) this.framer.encoding = enc;
    const sec = this.config.heartbeatSec ?? 5;
    this.send(DTC.LOGON_REQUEST, {
      ProtocolVersion: 8,
      Username: this.config.username ?? '',
      Password: this.config.password ?? '',
      HeartbeatIntervalInSeconds: sec,
      TradeAccount: this.config.tradeAccount ?? '',
      ClientName: 'MIA Workstation',
    });
  }

  private loggedOn(m: DtcMessage): void {
    this.logonTimer?.cancel();
    this.logonTimer = null;
    const result = num(m, 'Result');
    if (result !== LOGON.SUCCESS) {
      this.lastError = `logon refused by the DTC server: ${str(m, 'ResultText') || `result ${result}`}`;
      if (result === LOGON.ERROR_NO_RECONNECT) this.reconnect.wanted = false;
      const w = this.logonWaiter;
      this.logonWaiter = null;
      w?.reject(new Error(this.lastError));
      this.socket?.destroy();
      return;
    }
    this.reconnect.succeeded();
    this.lastReceived = this.clock.now();
    this.beat();
    this.send(DTC.TRADE_ACCOUNTS_REQUEST, { RequestID: this.nextRequest() });
    this.send(DTC.MARKET_DATA_REQUEST, { RequestAction: REQUEST.SUBSCRIBE, SymbolID: SYMBOL_ID, Symbol: this.config.symbol, Exchange: this.config.exchange ?? '' });
    if (this.config.depth === true) this.send(DTC.MARKET_DEPTH_REQUEST, { RequestAction: REQUEST.SUBSCRIBE, SymbolID: SYMBOL_ID, Symbol: this.config.symbol, Exchange: this.config.exchange ?? '', NumLevels: 10 });
    this.reconcile();
    this.setState('connected');
    this.listener?.connection(true);
    const w = this.logonWaiter;
    this.logonWaiter = null;
    w?.resolve();
  }

  /** Open orders, positions, and the fills since the link went down (or today's, on a first logon). */
  private reconcile(): void {
    this.account = this.config.tradeAccount ?? this.account;
    this.send(DTC.OPEN_ORDERS_REQUEST, { RequestID: this.nextRequest(), RequestAllOrders: 1, TradeAccount: this.account });
    this.positionsRequest = this.nextRequest();
    this.ownPositionSeen = false;
    this.send(DTC.CURRENT_POSITIONS_REQUEST, { RequestID: this.positionsRequest, TradeAccount: this.account });
    const since = this.lostAt ?? this.clock.now() - 86_400_000;
    this.send(DTC.HISTORICAL_ORDER_FILLS_REQUEST, { RequestID: this.nextRequest(), NumberOfDays: 1, TradeAccount: this.account, StartDateTime: Math.floor(since / 1000) - 60 });
    if (this.account !== '') this.requestBalance();
  }

  /** The account's balance; the server answers with ACCOUNT_BALANCE_UPDATE and then sends changes unsolicited. */
  private requestBalance(): void {
    this.send(DTC.ACCOUNT_BALANCE_REQUEST, { RequestID: this.nextRequest(), TradeAccount: this.account });
  }

  /**
   * ACCOUNT_BALANCE_UPDATE (DTCProtocol.h s_AccountBalanceUpdate), an answer
   * or unsolicited: the account's net liquidation value is its CashBalance
   * plus OpenPositionsProfitLoss (a futures account's value: cash including
   * closed P&L, plus the open positions' P&L; SecuritiesValue, the market
   * value of non-futures holdings, is left out, which errs toward a smaller
   * account for the drawdown rule). DailyProfitLoss is the day's P&L the
   * server books for the account. Another account's balance, or
   * NoAccountBalances, is skipped.
   */
  private accountBalance(m: DtcMessage): void {
    if (num(m, 'NoAccountBalances') === 1) return;
    const account = str(m, 'TradeAccount');
    if (account !== this.account && !(account === '' && this.accounts.length <= 1)) return;
    const usd = num(m, 'CashBalance') + num(m, 'OpenPositionsProfitLoss');
    if (!Number.isFinite(usd)) {
      this.on.protocolError?.(`account balance of ${account || 'the account'} is not a number (CashBalance ${num(m, 'CashBalance')}, OpenPositionsProfitLoss ${num(m, 'OpenPositionsProfitLoss')})`);
      return;
    }
    const daily = num(m, 'DailyProfitLoss');
    this.listener?.accountValue({ account: account || this.account, netLiquidationUsd: usd, dailyPnlUsd: Number.isFinite(daily) ? daily : Number.NaN });
  }

  private tradeAccount(m: DtcMessage): void {
    const a = str(m, 'TradeAccount');
    if (a !== '' && !this.accounts.includes(a)) this.accounts = [...this.accounts, a];
    if (this.account === '' && a !== '') {
      this.account = a;
      this.requestBalance();
    }
    this.on.status?.(this.status());
  }

  private snapshot(m: DtcMessage): void {
    const bid = num(m, 'BidPrice');
    const ask = num(m, 'AskPrice');
    if (bid < 1e37) this.bid = bid;
    if (ask < 1e37) this.ask = ask;
  }

  /**
   * A trade as the server sent it. A field that is not a number is a
   * malformed message, skipped here; a number out of bounds (a zero price,
   * off the tick grid, time going back) goes on: the live run rejects and
   * counts it as it does a file's bad record (engine/run/drivers/live.ts).
   */
  /** A trade; `unbundled` is the message's UnbundledTradeIndicator (1 first, 2 last sub-trade of one exchange trade; 0 or absent whole). */
  private trade(price: number, volume: number, at: number, tsMs: number, unbundled = 0): void {
    if (!Number.isFinite(price) || !Number.isFinite(volume)) {
      this.protocolError(`trade update with price ${price} and volume ${volume} ignored`);
      return;
    }
    const side: AggressorSide = at === AT.ASK ? 'buy' : at === AT.BID ? 'sell' : aggressorFromQuote(price, this.bid, this.ask);
    const subTrade = unbundled === 1 ? 'first' : unbundled === 2 ? 'last' : undefined;
    this.on.trade?.({ symbol: this.config.symbol, tsEvent: tsMs, price, size: volume, side, ...(subTrade === undefined ? {} : { subTrade }) });
  }

  private quote(m: DtcMessage, tsMs: number, unset: number): void {
    const bid = num(m, 'BidPrice');
    const ask = num(m, 'AskPrice');
    // An unset side (DBL_MAX / FLT_MAX) keeps the last known price.
    if (bid < unset * 0.99) this.bid = bid;
    if (ask < unset * 0.99) this.ask = ask;
    this.on.quote?.({ symbol: this.config.symbol, ts: tsMs, bid: this.bid, ask: this.ask, bidSize: num(m, 'BidQuantity'), askSize: num(m, 'AskQuantity') });
  }

  /**
   * A level of the book (DTCProtocol.h s_MarketDepthSnapshotLevel and the
   * update variants): a snapshot's first message clears the book, and a
   * snapshot of an empty book is that one message with no side; an update
   * sets a level (UpdateType INSERT_UPDATE) or removes it (DELETE).
   */
  private depth(m: DtcMessage, first: boolean, tsMs: number): void {
    const side = num(m, 'Side');
    const updates: DepthUpdate[] = first ? [{ side: 'clear', price: 0, size: 0 }] : [];
    if (side === AT.BID || side === AT.ASK) {
      const deleted = num(m, 'UpdateType') === DEPTH_UPDATE.DELETE;
      updates.push({ side: side === AT.BID ? 'bid' : 'ask', price: num(m, 'Price'), size: deleted ? 0 : num(m, 'Quantity') });
    }
    if (updates.length > 0) this.on.depth?.(updates, Number.isFinite(tsMs) && tsMs > 0 ? tsMs : this.clock.now());
  }

  private orderUpdate(m: DtcMessage): void {
    if (num(m, 'NoOrders') === 1) {
      this.cancelAllOnNextOpenOrders = false;
      return;
    }
    const serverId = str(m, 'ServerOrderID');
    const clientId = str(m, 'ClientOrderID') || this.serverToClient.get(serverId) || serverId;
    if (serverId !== '') {
      this.serverToClient.set(serverId, clientId);
      this.clientToServer.set(clientId, serverId);
    }
    const reason = num(m, 'OrderUpdateReason');
    const status = num(m, 'OrderStatus');
    const state = stateOf(status);
    if (reason === UPDATE_REASON.OPEN_ORDERS_REQUEST_RESPONSE && this.cancelAllOnNextOpenOrders) {
      if (state === 'WORKING' || state === 'PENDING' || state === 'PARTIAL') this.cancel(clientId);
      if (num(m, 'MessageNumber') >= num(m, 'TotalNumMessages')) this.cancelAllOnNextOpenOrders = false;
    }
    const lastQty = num(m, 'LastFillQuantity');
    const filled = (reason === UPDATE_REASON.ORDER_FILLED || reason === UPDATE_REASON.ORDER_FILLED_PARTIALLY) && lastQty > 0 && lastQty < 1e300;
    const report: BrokerOrderReport = {
      id: clientId,
      state,
      filledQty: orUnset(num(m, 'FilledQuantity'), 0),
      avgFillPrice: orUnset(num(m, 'AverageFillPrice'), Number.NaN),
      fill: filled ? { execId: str(m, 'LastFillExecutionID') || `${serverId}:${num(m, 'FilledQuantity')}`, price: num(m, 'LastFillPrice'), qty: lastQty, ts: num(m, 'LastFillDateTime') } : null,
      text: str(m, 'InfoText'),
    };
    this.listener?.order(report);
    // SUBMIT_NEW_OCO_ORDER is one message: refused before the server took either order, it refused both,
    // whether or not the server reports the second (a stop the broker never had must not look WORKING).
    const partner = this.ocoPartner.get(clientId);
    if (partner !== undefined && state === 'REJECTED' && reason === UPDATE_REASON.NEW_ORDER_REJECTED && serverId === '' && !this.clientToServer.has(partner)) {
      this.ocoPartner.delete(clientId);
      this.ocoPartner.delete(partner);
      this.listener?.order({ id: partner, state: 'REJECTED', filledQty: 0, avgFillPrice: Number.NaN, fill: null, text: `${report.text || 'rejected'} (with its OCO partner ${clientId})` });
    }
  }

  /**
   * POSITION_UPDATE (DTCProtocol.h s_PositionUpdate): an answer to our
   * CURRENT_POSITIONS_REQUEST carries its RequestID and is numbered
   * MessageNumber of TotalNumberMessages (NoPositions = 1: none at all);
   * `Unsolicited` = 1 marks a change reported as it happens. Positions in
   * other contracts of the account are reported too.
   */
  private positionUpdate(m: DtcMessage): void {
    const answer = num(m, 'Unsolicited') !== 1 && num(m, 'RequestID') === this.positionsRequest;
    const symbol = str(m, 'Symbol');
    if (num(m, 'NoPositions') === 1) {
      this.listener?.position({ symbol: this.config.symbol, qty: 0, avgPrice: Number.NaN });
      this.ownPositionSeen = true;
    } else if (symbol === this.config.symbol) {
      this.listener?.position({ symbol, qty: num(m, 'Quantity'), avgPrice: num(m, 'AveragePrice') });
      if (answer) this.ownPositionSeen = true;
    } else if (symbol !== '' && (str(m, 'TradeAccount') === '' || this.account === '' || str(m, 'TradeAccount') === this.account)) {
      // Another contract of the account: the one-open-position rule counts it.
      this.listener?.position({ symbol, qty: num(m, 'Quantity'), avgPrice: num(m, 'AveragePrice') });
    }
    if (!answer || (num(m, 'NoPositions') !== 1 && num(m, 'MessageNumber') < num(m, 'TotalNumberMessages'))) return;
    this.positionsRequest = -1;
    if (!this.ownPositionSeen) this.listener?.position({ symbol: this.config.symbol, qty: 0, avgPrice: Number.NaN });
    this.listener?.positionsReported();
  }

  private historicalFill(m: DtcMessage): void {
    if (num(m, 'NoOrderFills') === 1) return;
    if (str(m, 'Symbol') !== '' && str(m, 'Symbol') !== this.config.symbol) return;
    const serverId = str(m, 'ServerOrderID');
    this.listener?.order({
      id: this.serverToClient.get(serverId) ?? serverId,
      state: 'PARTIAL',
      filledQty: Number.NaN,
      avgFillPrice: Number.NaN,
      fill: { execId: str(m, 'UniqueExecutionID'), price: num(m, 'Price'), qty: num(m, 'Quantity'), ts: num(m, 'DateTime') * 1000 },
      text: 'fill reported by the server after a reconnect',
    });
  }
}

function num(m: DtcMessage, k: string): number {
  const v = m[k];
  return typeof v === 'number' ? v : v === undefined ? 0 : Number(v);
}

function str(m: DtcMessage, k: string): string {
  const v = m[k];
  return v === undefined ? '' : String(v);
}

function orUnset(v: number, fallback: number): number {
  return v >= 1e300 ? fallback : v;
}

function stateOf(status: number): BrokerOrderState {
  switch (status) {
    case ORDER_STATUS.FILLED:
      return 'FILLED';
    case ORDER_STATUS.PARTIALLY_FILLED:
      return 'PARTIAL';
    case ORDER_STATUS.CANCELED:
      return 'CANCELLED';
    case ORDER_STATUS.REJECTED:
      return 'REJECTED';
    case ORDER_STATUS.PENDING_CHILD:
      return 'PENDING';
    default:
      return 'WORKING';
  }
}
