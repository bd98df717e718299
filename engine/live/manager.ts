/**
 * The live connections (issue 6): the Connections panel's brokers, where
 * market data comes from and where orders go, the SCID recording of every
 * live trade, and the venue a live run trades on.
 *
 * - Connecting the data source's broker opens a live run (the kernel's
 *   `openRun`), backfilled for the current session, then fed trade by trade.
 *   Every trade is recorded to `<data folder>/<contract>.scid`.
 * - The order route's broker gets a `BrokerVenue`. The live run trades on a
 *   `RoutedVenue`: the simulated venue in PAPER and DATA_COLLECTION, the
 *   broker in LIVE (switched only when flat, see `goLive`).
 * - The broker link going down is told to the Trader (30 s with a position
 *   open trips the kill switch, section 12); its reconnect reconciles.
 * - Interactive Brokers also streams NQ (recorded to its own SCID file, and
 *   built into 1-minute closes for the live run's es_nq_correlation), the
 *   SPX chain whose gamma levels (with the live ES-SPX basis) go to the live
 *   run, and the account's P&L. Its backfill (the session's 1-minute bars)
 *   reaches the run before any live trade: trades that arrive first wait, and
 *   those inside a backfilled minute are dropped (the bar has them).
 *
 * Settings persist in the journal's settings table (passwords excluded: they
 * live only in memory for the session).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { BrokerAccountDTO, BrokerIdDTO, ConnectionsDTO, DtcSettingsDTO, IbPnlDTO, IbSettingsDTO, LinkStatusDTO } from '../contract.js';
import type { Bar, DepthUpdate, Instrument, MarketRecord, TradeTick } from '../domain.js';
import type { OptionChain } from '../gamma/chain.js';
import { gammaLevels, type GammaLevels } from '../gamma/gex.js';
import { openFeed } from '../feeds/index.js';
import { RejectionLog } from '../feeds/rejections.js';
import type { SessionCalendar } from '../time/sessions.js';
import { BrokerVenue } from '../venue/broker.js';
import { RoutedVenue } from '../venue/routed.js';
import { SimulatedVenue } from '../venue/sim.js';
import { OrderError, type ExecutionVenue } from '../venue/orders.js';
import { frontMonth, ROLL_DAYS_BEFORE_EXPIRY } from './contracts.js';
import { DtcClient } from './dtc/client.js';
import { IbClient } from './ib/client.js';
import { DepthRecorder, ScidRecorder } from './recorder.js';
import { DepthBook } from '../book/depth-book.js';
import { LiveNqCloses } from '../feeds/nq.js';
import type { NqCloses } from '../method/context.js';
import type { LinkStatus, LiveRunPort, LiveTrade } from './types.js';
import type { BrokerLink } from '../venue/link.js';
import type { KillSwitch } from '../risk/kill-switch.js';

/** What the manager needs from the kernel. */
export interface LiveManagerDeps {
  readonly wall: Clock;
  readonly instrument: Instrument;
  readonly marketDataDir: string;
  readonly calendar: SessionCalendar;
  /** Saved settings (null when none). */
  readonly load: () => Partial<SavedConnections> | null;
  readonly save: (s: SavedConnections) => void;
  readonly publish: (c: ConnectionsDTO) => void;
  readonly alert: (level: 'info' | 'warning' | 'critical', message: string) => void;
  /** Closes any run and opens a live one on `venue`, with NQ's closes for es_nq_correlation (null: none streamed). */
  readonly openRun: (source: string, venue: ExecutionVenue, nq: NqCloses | null) => Promise<LiveRunPort>;
  /** The live run open now (null when the open run is not a live one). */
  readonly run: () => LiveRunPort | null;
  /** The execution state changed (broker up or down). */
  readonly executionChanged: () => void;
  /** Runs a callback at the end of the current turn (the scheduler's): a burst of trades reaches the run as one push. */
  readonly endOfTurn: (cb: () => void) => void;
  /** New gamma levels (IB's SPX chain) with the ES-SPX basis, points, for the run and the windows. */
  readonly setGamma: (levels: GammaLevels, basisPoints: number) => void;
  /** The workstation's kill switch (the store's: it changes when a backup is restored). */
  readonly killSwitch: () => KillSwitch;
  /**
   * The saved high-water mark of a broker account's net liquidation value
   * (USD, by `<broker>:<account>`; null when none), and saving a new one:
   * the drawdown rule's peak outlives restarts (issue 16).
   */
  readonly brokerPeak?: { get(key: string): number | null; raise(key: string, usd: number): void };
  /** The simulated venue's costs for PAPER on live data (the trader's settings); its defaults when absent. */
  readonly simulatedCosts?: () => { readonly commissionPerSideUsd: number; readonly slippageTicks: number } | undefined;
}

/** The settings kept between sessions. */
export interface SavedConnections {
  ib: IbSettingsDTO;
  dtc: Omit<DtcSettingsDTO, 'password' | 'hasPassword'>;
  dataSource: BrokerIdDTO;
  orderRoute: BrokerIdDTO;
}

const DEFAULTS: SavedConnections = {
  ib: { host: '127.0.0.1', port: 7497, clientId: 17 },
  dtc: { host: '127.0.0.1', port: 11099, encoding: 'binary', username: '', symbol: '' },
  dataSource: 'ib',
  orderRoute: 'ib',
};

const IDLE: LinkStatusDTO = { state: 'disconnected', sinceMs: 0, lastError: null, accounts: [] };

/** What the Connections panel and the run need to know of a link, whichever broker it is. */
type Link = DtcClient | IbClient;

/** Each root's partner streamed beside it (recorded, not traded). */
const SECOND_ROOT: Readonly<Record<string, string>> = { ES: 'NQ', NQ: 'ES' };

/** The live side of the kernel. */
export class LiveManager {
  private saved: SavedConnections;
  private dtcPassword = '';
  private dtc: DtcClient | null = null;
  private dtcStatus: LinkStatusDTO = IDLE;
  private ib: IbClient | null = null;
  private ibStatus: LinkStatusDTO = IDLE;
  private ibPnl: IbPnlDTO | null = null;
  private gamma: { source: string; atMs: number; chain: OptionChain } | null = null;
  private basisPoints: number | null = null;
  private recorder: ScidRecorder | null = null;
  /** The traded contract's book as the data source streams it (market depth), and its recording. */
  private readonly book: DepthBook;
  private depthRecorder: DepthRecorder | null = null;
  /** Recordings of the other contracts streamed (NQ beside ES), by local symbol. */
  /** Recordings of the other streamed contracts, by symbol (null: it could not be opened, and that was said). */
  private readonly others = new Map<string, ScidRecorder | null>();
  /** Live NQ's closes for the live run's es_nq_correlation (IB only). */
  private nq: LiveNqCloses | null = null;
  /** Live trades held until the backfill reached the run (null: not waiting). */
  private held: TradeTick[] | null = null;
  /** IB's backfill when it arrived before the run opened. */
  private heldBackfill: Bar[] | null = null;
  private backfillEnd = Number.NEGATIVE_INFINITY;
  private broker: BrokerVenue | null = null;
  private brokerLink: BrokerLink | null = null;
  private routed: RoutedVenue | null = null;
  private sim: SimulatedVenue | null = null;
  private liveRun: LiveRunPort | null = null;
  private pending: TradeTick[] = [];
  private bid = Number.NaN;
  private ask = Number.NaN;

  constructor(private readonly deps: LiveManagerDeps) {
    this.book = new DepthBook(deps.instrument.tickSize);
    const s = deps.load() ?? {};
    this.saved = { ...DEFAULTS, ...s, ib: { ...DEFAULTS.ib, ...s.ib }, dtc: { ...DEFAULTS.dtc, ...s.dtc } };
  }

  /** The Connections panel's state. */
  connections(): ConnectionsDTO {
    // Judged at the broker's time (TWS reports it; the wall clock otherwise); the contract IB resolved wins (a volume roll).
    const ib = this.ib?.symbol ?? '';
    const f = frontMonth(this.deps.instrument.symbol, this.ib?.marketNow() ?? this.deps.wall.now());
    const front = ib !== '' && ib === f.next.localSymbol ? f.next : f.front;
    return {
      ib: { settings: { ...this.saved.ib }, status: this.ibStatus, pnl: this.ibPnl },
      dtc: { settings: { ...this.saved.dtc, hasPassword: this.dtcPassword !== '' }, status: this.dtcStatus },
      dataSource: this.saved.dataSource,
      orderRoute: this.saved.orderRoute,
      contract: { root: front.root, localSymbol: front.localSymbol, sierraSymbol: front.sierraSymbol, rollMs: front === f.front ? f.rollMs : front.expiryMs - ROLL_DAYS_BEFORE_EXPIRY * 86_400_000 },
      recordings: [this.recorder, ...this.others.values()].filter((r): r is ScidRecorder => r !== null).map((r) => ({ file: r.file, records: r.records })),
      gamma: this.gamma === null ? null : { source: this.gamma.source, atMs: this.gamma.atMs, spot: this.gamma.chain.spot, basisPoints: this.basisPoints },
      account: this.account(),
    };
  }

  /** Whether a broker is the order route (connected or not): its positions, not a run's, decide flat. */
  brokerAttached(): boolean {
    return this.broker !== null;
  }

  /** Whether the order route's broker is connected. */
  brokerConnected(): boolean {
    return this.broker?.connected === true;
  }

  /** The account orders go to (the order route's first account), null when not connected. */
  account(): string | null {
    const status = this.saved.orderRoute === 'dtc' ? this.dtcStatus : this.ibStatus;
    return status.state === 'connected' || status.state === 'data-farm-down' ? (status.accounts[0] ?? null) : null;
  }

  /**
   * Connects the Sierra Chart DTC server.
   * @throws Error with the server's or the socket's words when it fails (the client is stopped, not left retrying).
   */
  async connectDtc(settings: DtcSettingsDTO): Promise<void> {
    this.disconnectDtc();
    if (settings.password !== undefined) this.dtcPassword = settings.password;
    this.saved = { ...this.saved, dtc: { host: settings.host, port: settings.port, encoding: settings.encoding, username: settings.username, symbol: settings.symbol } };
    this.deps.save(this.saved);
    const symbol = settings.symbol.trim() === '' ? frontMonth(this.deps.instrument.symbol, this.deps.wall.now()).front.sierraSymbol : settings.symbol.trim();
    const client = new DtcClient(
      { host: settings.host, port: settings.port, encoding: settings.encoding, username: settings.username, password: this.dtcPassword, symbol, depth: true },
      this.deps.wall,
      {
        status: (s) => this.dtcChanged(s),
        trade: (t) => this.onTrade(t),
        depth: (updates, ts) => {
          if (this.saved.dataSource === 'dtc') this.onDepth(updates, ts);
        },
        quote: (q) => {
          this.bid = q.bid;
          this.ask = q.ask;
        },
        protocolError: (m) => this.deps.alert('warning', `Sierra Chart DTC: bad message skipped (${m})`),
        notice: (m) => this.deps.alert('info', `Sierra Chart: ${m}`),
      },
    );
    this.dtc = client;
    if (this.saved.orderRoute === 'dtc') this.attachBroker(client);
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      this.dtc = null;
      this.detachBroker(client);
      this.dtcChanged({ ...client.status(), state: 'disconnected' });
      throw e;
    }
    if (this.saved.dataSource === 'dtc') await this.startRun(`Sierra Chart DTC · ${symbol}`, symbol);
    this.publish();
  }

  /**
   * Connects Interactive Brokers (TWS or IB Gateway).
   * @throws Error in the client's plain words when it fails (nothing listening, client id in use, contract not listed).
   */
  async connectIb(settings: IbSettingsDTO): Promise<void> {
    this.disconnectIb();
    this.saved = { ...this.saved, ib: { host: settings.host, port: settings.port, clientId: settings.clientId } };
    this.deps.save(this.saved);
    const root = this.deps.instrument.symbol;
    const second = SECOND_ROOT[root];
    const client: IbClient = new IbClient(
      { host: settings.host, port: settings.port, clientId: settings.clientId, roots: second === undefined ? [root] : [root, second] },
      this.deps.wall,
      {
        status: (st) => this.ibChanged(st),
        trade: (t) => {
          if (t.symbol !== client.symbol) this.recordOther(t);
          else if (this.saved.dataSource === 'ib') this.onTrade(t);
        },
        quote: (q) => {
          if (q.symbol !== client.symbol || this.saved.dataSource !== 'ib') return;
          this.bid = q.bid;
          this.ask = q.ask;
        },
        backfill: (bars) => this.onBackfill(bars),
        basis: (points) => (this.basisPoints = points),
        chain: (chain) => this.onChain(chain),
        pnl: (p) => {
          this.ibPnl = { ...p };
          this.publish();
        },
        depth: (updates, ts) => {
          if (this.saved.dataSource === 'ib') this.onDepth(updates, ts);
        },
        protocolError: (m) => this.deps.alert('warning', `Interactive Brokers: bad message skipped (${m})`),
        notice: (m) => this.deps.alert('info', m),
      },
    );
    this.ib = client;
    if (this.saved.orderRoute === 'ib') this.attachBroker(client);
    // Live trades wait for the backfill (the client asks for it on connect).
    if (this.saved.dataSource === 'ib') this.held = [];
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      this.ib = null;
      this.held = null;
      this.detachBroker(client);
      this.ibChanged({ ...client.status(), state: 'disconnected' });
      throw e;
    }
    if (this.saved.dataSource === 'ib') await this.startRun(`Interactive Brokers · ${client.symbol}`, client.symbol);
    this.publish();
  }

  /** Closes the IB connection (and its live run, when it was the data source). */
  disconnectIb(): void {
    const c = this.ib;
    if (c === null) return;
    this.ib = null;
    c.disconnect();
    this.detachBroker(c);
    if (this.saved.dataSource === 'ib') this.dataSourceGone();
    this.ibPnl = null;
    this.ibChanged(c.status());
  }

  /** Closes the DTC connection (and its live run, when it was the data source). */
  disconnectDtc(): void {
    const c = this.dtc;
    if (c === null) return;
    this.dtc = null;
    c.disconnect();
    this.detachBroker(c);
    if (this.saved.dataSource === 'dtc') this.dataSourceGone();
    this.dtcChanged(c.status());
  }

  /**
   * Where data comes from and where orders go.
   * @throws OrderError while LIVE orders or a position are open at the current route.
   */
  setRouting(dataSource: BrokerIdDTO, orderRoute: BrokerIdDTO): void {
    if (orderRoute !== this.saved.orderRoute && this.routed !== null && this.routed.current === this.broker && (this.broker.position() !== 0 || this.broker.open().length > 0)) {
      throw new OrderError('the order route cannot change with a position or working orders at the broker: flatten first');
    }
    this.saved = { ...this.saved, dataSource, orderRoute };
    this.deps.save(this.saved);
    const route = this.link(orderRoute);
    for (const other of [this.dtc, this.ib]) if (other !== null && other !== route) this.detachBroker(other);
    if (route !== null && this.broker === null) this.attachBroker(route);
    this.publish();
  }

  /**
   * Routes the live run's orders to the broker (LIVE).
   * @throws OrderError when no live run is open, the broker is not connected, the account typed does not match, or the paper account is not flat.
   */
  goLive(confirmAccount: string | undefined): void {
    const { broker, routed } = this.liveReady(confirmAccount);
    const unknown = this.unknownQty();
    if (unknown !== 0) throw new OrderError(`LIVE is refused: the broker holds ${unknown} contract(s) the workstation did not open; adopt them (Adopt) or flatten them (Flatten at broker) first`);
    routed.use(broker);
  }

  /**
   * What LIVE needs, whatever else: a connected broker, a live run, and the
   * broker's account id typed exactly.
   * @throws OrderError naming what is missing.
   */
  private liveReady(confirmAccount: string | undefined): { broker: BrokerVenue; routed: RoutedVenue } {
    if (this.broker === null || !this.broker.connected) throw new OrderError('LIVE needs a connected broker: connect Interactive Brokers or Sierra Chart (the order route) first');
    if (this.currentRun() === null || this.routed === null) throw new OrderError('LIVE needs a live run: connect the data source first');
    const account = this.account();
    if (account === null) throw new OrderError('LIVE needs the broker’s account id: the broker has not named one yet');
    if ((confirmAccount ?? '').trim() !== account) throw new OrderError(`LIVE: type the account id ${account} exactly to confirm`);
    return { broker: this.broker, routed: this.routed };
  }

  /**
   * The trader adopts the position the broker holds beyond the
   * workstation's trades (issue 16, item 4): LIVE (the account typed as for
   * LIVE), and the live run takes the position as a trade protected by a
   * stop and a target `stopTicks`/`targetTicks` from the broker's average
   * price, in one OCA group at the broker, then manages it.
   * @throws OrderError as goLive, when the broker's positions are not read or hold nothing unknown, while working
   *   orders placed elsewhere are at the broker (they may protect the same position: cancel them first), or when the
   *   run refuses the pair; the orders go back to the simulated venue then.
   */
  adopt(confirmAccount: string | undefined, stopTicks: number, targetTicks: number): void {
    const { broker, routed } = this.liveReady(confirmAccount);
    if (!broker.positionKnown()) throw new OrderError('adopt: the broker has not reported its positions on this connection yet');
    const unknown = this.unknownQty();
    if (unknown === 0) throw new OrderError('adopt: the broker holds nothing the workstation did not open');
    if (!Number.isFinite(broker.averagePrice)) throw new OrderError('adopt: the broker gave no average price for its position');
    const foreign = broker.foreignOpenOrders().length;
    if (foreign > 0) throw new OrderError(`adopt: ${foreign} working order(s) placed elsewhere are at the broker and may already protect the position; cancel them first`);
    const ks = this.deps.killSwitch().state;
    if (ks !== 'ACTIVE') throw new OrderError(`adopt: the kill switch is ${ks}: it flattens the position instead`);
    const run = this.currentRun() as LiveRunPort;
    const sim = routed.current;
    routed.use(broker);
    try {
      run.adopt(unknown, broker.averagePrice, stopTicks, targetTicks);
    } catch (e) {
      routed.revert(sim); // the position stays unknown, as before: LIVE stays refused
      throw e;
    }
    this.deps.alert('warning', `Adopted ${unknown} contract(s) at ${broker.averagePrice}: LIVE, protected by a stop ${stopTicks} ticks and a target ${targetTicks} ticks away`);
  }

  /** Routes the live run's orders back to the simulated venue. @throws OrderError while the broker holds a position or working orders. */
  goPaper(): void {
    if (this.routed !== null && this.sim !== null) this.routed.use(this.sim);
  }

  /** Stops everything (engine shutdown). */
  close(): void {
    this.disconnectDtc();
    this.disconnectIb();
    this.stopRecording();
  }

  private link(broker: BrokerIdDTO): Link | null {
    return broker === 'ib' ? this.ib : this.dtc;
  }

  // ------------------------------------------------------------ internals

  private currentRun(): LiveRunPort | null {
    const r = this.deps.run();
    return r !== null && r === this.liveRun ? r : null;
  }

  private attachBroker(link: BrokerLink): void {
    this.brokerLink = link;
    this.broker = new BrokerVenue(
      link,
      { tickSize: this.deps.instrument.tickSize, idPrefix: `MIA${this.deps.wall.now().toString(36)}-` },
      {
        updated: () => {
          this.currentRun()?.venueUpdated();
          this.haltAtBroker();
          this.deps.executionChanged(); // the broker's own position is shown
        },
        positionsReported: () => {
          this.currentRun()?.venueUpdated();
          this.reconciled();
          this.haltAtBroker();
          this.deps.executionChanged();
        },
        rejected: (o, text) => this.deps.alert('critical', `The broker rejected order ${o.id} (${o.role}): ${text || 'no reason given'}`),
        accountValue: (v) => {
          const key = this.peakKey(v.account);
          const peak = this.deps.brokerPeak?.get(key) ?? null;
          if (Number.isFinite(v.netLiquidationUsd) && (peak === null || v.netLiquidationUsd > peak)) this.deps.brokerPeak?.raise(key, v.netLiquidationUsd);
          this.deps.executionChanged();
        },
        connection: (up) => {
          if (this.routed?.current === this.broker) this.currentRun()?.venueConnection(up);
          this.deps.executionChanged();
        },
      },
    );
  }

  /** Contracts the broker holds beyond what a LIVE run's trades account for (0 in PAPER: nothing of the workstation is at the broker). */
  private unknownQty(): number {
    const b = this.broker;
    if (b === null || !b.positionKnown()) return 0;
    const run = this.currentRun();
    const known = run !== null && this.routed?.current === b ? run.positionQty() : 0;
    return b.position() - known;
  }

  /** Where a broker account's high-water mark is kept: `<broker>:<account>`. */
  private peakKey(account: string): string {
    return `${this.brokerLink?.name ?? 'broker'}:${account}`;
  }

  /**
   * The drawdown rule's account (issue 16) while the orders go to the
   * broker: its net liquidation value as last reported and the high-water
   * mark of its readings, and the day's P&L it books for the account (null
   * when it reports none), USD. Null in PAPER, or before the broker reported
   * a value: the run's book stands for the account then.
   */
  brokerEquity(): { equityUsd: number; peakEquityUsd: number; dailyPnlUsd: number | null } | null {
    const b = this.broker;
    const v = b?.accountValue() ?? null;
    if (b === null || v === null || this.routed?.current !== b || !Number.isFinite(v.netLiquidationUsd)) return null;
    const peak = this.deps.brokerPeak?.get(this.peakKey(v.account)) ?? v.netLiquidationUsd;
    return { equityUsd: v.netLiquidationUsd, peakEquityUsd: Math.max(peak, v.netLiquidationUsd), dailyPnlUsd: Number.isFinite(v.dailyPnlUsd) ? v.dailyPnlUsd : null };
  }

  /** The order route's broker as it reported itself; null without one. */
  brokerAccount(): BrokerAccountDTO | null {
    const b = this.broker;
    if (b === null) return null;
    const known = b.positionKnown();
    return { positionQty: known ? b.position() : null, avgPrice: known && Number.isFinite(b.averagePrice) ? b.averagePrice : null, unknownQty: this.unknownQty(), unknownOrders: b.foreignOpenOrders().length, otherPositions: b.otherPositions() };
  }

  /**
   * After every connect and reconnect, once the broker answered for its
   * positions (issue 16): a position no trade of the workstation accounts
   * for is alerted, and refuses LIVE until it is flattened; found while LIVE,
   * the run's book takes it (the engine's position is the broker's) and the
   * kill switch trips to flatten it.
   */
  private reconciled(): void {
    const b = this.broker;
    const unknown = this.unknownQty();
    if (b === null || unknown === 0) return;
    const avg = Number.isFinite(b.averagePrice) ? ` at ${b.averagePrice}` : '';
    const detail = `the broker holds ${b.position()} contract(s)${avg}, ${unknown} more than the workstation's trades`;
    const run = this.currentRun();
    if (run !== null && this.routed?.current === b) {
      this.deps.alert('critical', `${detail}: the kill switch flattens them`);
      run.bookUnknown(unknown, b.averagePrice, detail);
    } else this.deps.alert('critical', `${detail}: LIVE is refused until they are adopted (Adopt…) or flattened (Flatten at broker)`);
  }

  /**
   * Cancels every working order at the broker and closes its position at market (the trader's Flatten at broker).
   * @throws OrderError without a connected broker whose positions are read, or in LIVE (the kill switch flattens a live run).
   */
  flattenAtBroker(): void {
    const b = this.broker;
    if (b === null || !b.positionKnown()) throw new OrderError('Flatten at broker needs the order route connected and its positions read');
    if (this.currentRun() !== null && this.routed?.current === b) throw new OrderError('in LIVE the kill switch flattens the account');
    b.globalCancel();
    this.closeAtBroker(b);
  }

  /**
   * Closes the broker's whole position with one market order, unless a
   * closing order is working already.
   * @throws OrderError when the broker venue refuses the order (the link is down).
   */
  private closeAtBroker(b: BrokerVenue): void {
    const qty = b.position();
    if (qty !== 0 && !b.open().some((o) => o.role === 'close')) b.submit({ side: qty > 0 ? 'SELL' : 'BUY', type: 'MARKET', qty: Math.abs(qty), role: 'close' }, this.deps.wall.now());
  }

  /** The kill switch changed: a halt reaches the broker whatever the mode. */
  killSwitchChanged(): void {
    this.haltAtBroker();
  }

  /**
   * Whether the order route's broker holds nothing, by its own word (no
   * broker: nothing held there). A broker whose positions are not read since
   * its last connect is not flat.
   */
  brokerFlat(): boolean {
    const b = this.broker;
    return b === null || (b.positionKnown() && b.position() === 0 && b.open().length === 0);
  }

  private brokerCancelSent = false;

  /**
   * The kill switch at the broker when no live run trades there (PAPER, no
   * run, or a restart mid-halt): the Trader's halt sequence flattens only its
   * own venue. Once the broker has answered this connection's positions
   * request: flat with no working order confirms the switch flat (HALTED
   * awaiting the broker included); otherwise the switch goes back to
   * REDUCING, every working order of the account is cancelled (one global
   * cancel) and the position closed with a market order, until the broker
   * says flat. Issue 16: flat is only ever what the broker's positions say.
   */
  private haltAtBroker(): void {
    if (this.halting) return; // a transition below comes back here through the kill switch's listeners
    this.halting = true;
    try {
      this.haltAtBrokerOnce();
    } finally {
      this.halting = false;
    }
  }

  private halting = false;

  private haltAtBrokerOnce(): void {
    const ks = this.deps.killSwitch();
    const b = this.broker;
    if (ks.state === 'ACTIVE') {
      this.brokerCancelSent = false;
      return;
    }
    if (b === null || !b.positionKnown()) return; // nothing to read the broker's word from yet
    if (this.currentRun() !== null && this.routed?.current === b) return; // LIVE: the run's Trader halts at the broker
    const qty = b.position();
    const working = b.open();
    if (qty === 0 && working.length === 0) {
      this.brokerCancelSent = false;
      ks.confirmFlat('broker');
      return;
    }
    if (ks.state === 'HALTED') ks.exposureSeen(`the broker holds ${qty} contract(s) and ${working.length} working order(s)`, 'broker');
    if (working.some((o) => o.role !== 'close') && !this.brokerCancelSent) {
      this.brokerCancelSent = true;
      b.globalCancel();
    }
    try {
      this.closeAtBroker(b);
    } catch (e) {
      if (!(e instanceof OrderError)) throw e;
      this.deps.alert('critical', `Kill switch: the closing order at the broker was refused: ${e.message}`);
    }
  }

  private detachBroker(link: BrokerLink): void {
    if (this.broker === null || this.brokerLink !== link) return;
    if (this.routed?.current === this.broker) {
      // The broker link is gone while LIVE: the run keeps its broker venue so the kill switch still sees the last position.
      this.currentRun()?.venueConnection(false);
      return;
    }
    link.setListener({ order: () => undefined, position: () => undefined, positionsReported: () => undefined, connection: () => undefined, accountValue: () => undefined, commission: () => undefined });
    this.broker = null;
    this.brokerLink = null;
  }

  /** Opens the live run: backfill from today's recording, then live trades; recording goes on in the same file. */
  private async startRun(source: string, contract: string): Promise<void> {
    this.stopRecording();
    this.sim = new SimulatedVenue({ tickSize: this.deps.instrument.tickSize, ...this.deps.simulatedCosts?.() });
    this.routed = new RoutedVenue(this.sim);
    const file = join(this.deps.marketDataDir, `${contract.replace(/[^A-Za-z0-9._-]/g, '_')}.scid`);
    const backfill = await this.backfillFrom(file);
    this.recorder = this.openRecorder(file);
    this.depthRecorder = new DepthRecorder(file.replace(/\.scid$/, ''), this.deps.instrument.tickSize, this.deps.wall, {
      onTorn: (b) => this.deps.alert('warning', `${file.replace(/\.scid$/, '')}.*.depth: a torn last record (${b} bytes) was cut off`),
    });
    this.pending = [];
    // Live NQ's closes for es_nq_correlation: only Interactive Brokers streams NQ beside the traded contract.
    this.nq = this.ib !== null && SECOND_ROOT[this.deps.instrument.symbol] !== undefined ? new LiveNqCloses('1m') : null;
    this.liveRun = await this.deps.openRun(source, this.routed, this.nq);
    if (!this.book.empty) this.liveRun.depth(this.book.snapshot(), this.deps.wall.now());
    if (backfill.length > 0) this.liveRun.pushHistory(backfill);
    if (this.held !== null && this.heldBackfill !== null) this.releaseHeld();
  }

  /** IB's backfill: to the run first, then the trades held meanwhile (those inside a backfilled minute dropped). */
  private onBackfill(bars: readonly Bar[]): void {
    if (this.held === null) return;
    this.heldBackfill = [...bars];
    if (this.currentRun() !== null) this.releaseHeld();
  }

  private releaseHeld(): void {
    const bars = this.heldBackfill ?? [];
    const held = this.held ?? [];
    this.heldBackfill = null;
    this.held = null;
    const run = this.currentRun();
    if (bars.length > 0) {
      run?.pushHistory(bars);
      const last = bars[bars.length - 1] as Bar;
      this.backfillEnd = last.ts + 60_000;
    }
    const after = held.filter((t) => t.tsEvent >= this.backfillEnd);
    if (after.length > 0) run?.push(after);
  }

  /** An SPX chain pass: its gamma levels in force (the kernel gives them to any run opened later too), moved onto ES by the measured basis. */
  private onChain(chain: OptionChain): void {
    this.gamma = { source: chain.source, atMs: this.deps.wall.now(), chain };
    try {
      this.deps.setGamma(gammaLevels(chain), this.basisPoints ?? 0);
    } catch (e) {
      this.deps.alert('warning', `Interactive Brokers SPX chain: no gamma levels (${e instanceof Error ? e.message : String(e)})`);
    }
    this.publish();
  }

  /**
   * The live recording of a contract, its folder made on a first day; null
   * when it cannot be made or opened, said in a critical alert with the path
   * and what to do (the live run goes on, unrecorded).
   */
  private openRecorder(file: string): ScidRecorder | null {
    try {
      return new ScidRecorder(file, this.deps.wall, { onTorn: (b) => this.deps.alert('warning', `${file}: a torn last record (${b} bytes, a crash while writing) was cut off`) });
    } catch (e) {
      this.deps.alert('critical', `Not recording: ${(e as Error).message}. The live run goes on without a recording to replay.`);
      return null;
    }
  }

  /** A trade of another streamed contract: recorded to its own SCID file. */
  private recordOther(t: LiveTrade): void {
    if (t.symbol.startsWith(SECOND_ROOT[this.deps.instrument.symbol] ?? '\0')) this.nq?.onTrade(t.tsEvent, t.price);
    let r = this.others.get(t.symbol);
    if (r === undefined) {
      r = this.openRecorder(join(this.deps.marketDataDir, `${t.symbol.replace(/[^A-Za-z0-9._-]/g, '_')}.scid`));
      this.others.set(t.symbol, r);
    }
    r?.add({ kind: 'tick', tsEvent: t.tsEvent, price: t.price, size: t.size, side: t.side, bid: Number.NaN, ask: Number.NaN });
  }

  /** The current session's trades from an earlier recording of this contract (the DTC backfill). */
  private async backfillFrom(file: string): Promise<MarketRecord[]> {
    if (!existsSync(file)) return [];
    const session = this.deps.calendar.sessionAt(this.deps.wall.now());
    if (session === null) return [];
    const feed = await openFeed(file, { instrument: this.deps.instrument, barTimeframe: '1m', timeZone: this.deps.instrument.timeZone, rejections: new RejectionLog() });
    const out: MarketRecord[] = [];
    for await (const block of feed.blocks()) for (const r of block as MarketRecord[]) if (r.kind === 'tick' && r.tsEvent >= session.openTs) out.push(r);
    return out;
  }

  /** The data source disconnected: its recording stops, and its book is gone (the next connection starts from its own snapshot). */
  private dataSourceGone(): void {
    this.stopRecording();
    this.book.apply([{ side: 'clear', price: 0, size: 0 }], this.deps.wall.now());
  }

  private stopRecording(): void {
    this.recorder?.close();
    this.recorder = null;
    this.depthRecorder?.close();
    this.depthRecorder = null;
    for (const r of this.others.values()) r?.close();
    this.others.clear();
  }

  /**
   * Market depth of the traded contract (issue 18, item 4): the book, its
   * recording (a `.depth` file beside the SCID one) and the run's ladder.
   * A recording that cannot be written is said once and dropped; the run goes on.
   */
  private onDepth(updates: readonly DepthUpdate[], ts: number): void {
    this.book.apply(updates, ts);
    try {
      this.depthRecorder?.add(updates, ts);
    } catch (e) {
      this.depthRecorder = null;
      this.deps.alert('warning', `Not recording market depth: ${(e as Error).message}`);
    }
    this.currentRun()?.depth(updates, ts);
  }

  /** Trades of one socket read go to the run together (one chart update per read). */
  private onTrade(t: LiveTrade): void {
    const tick: TradeTick = { kind: 'tick', tsEvent: t.tsEvent, price: t.price, size: t.size, side: t.side, bid: this.bid, ask: this.ask, ...(t.subTrade === undefined ? {} : { subTrade: t.subTrade }) };
    this.recorder?.add(tick);
    if (this.held !== null) {
      this.held.push(tick);
      return;
    }
    if (this.pending.push(tick) === 1) this.deps.endOfTurn(() => this.flushTrades());
  }

  private flushTrades(): void {
    const ticks = this.pending;
    this.pending = [];
    this.currentRun()?.push(ticks);
  }

  private ibChanged(s: LinkStatus): void {
    this.ibStatus = { state: s.state, sinceMs: s.sinceMs, lastError: s.lastError, accounts: [...s.accounts] };
    if (s.state === 'lost' || s.state === 'data-farm-down' || (s.state === 'reconnecting' && s.lastError !== null)) this.deps.alert('warning', `Interactive Brokers: ${s.state} (${s.lastError ?? 'no reason given'})`);
    this.deps.executionChanged();
    this.publish();
  }

  private dtcChanged(s: LinkStatus): void {
    this.dtcStatus = { state: s.state, sinceMs: s.sinceMs, lastError: s.lastError, accounts: [...s.accounts] };
    if (s.state === 'lost' || (s.state === 'reconnecting' && s.lastError !== null)) this.deps.alert('warning', `Sierra Chart DTC: ${s.state} (${s.lastError ?? 'no reason given'})`);
    this.deps.executionChanged();
    this.publish();
  }

  private publish(): void {
    this.deps.publish(this.connections());
  }
}
