/**
 * The execution venue for LIVE mode: orders go to a broker (IB or Sierra
 * Chart DTC, through a `BrokerLink`) and the broker's reports come back as
 * order states, fills and the account's position.
 *
 * The Trader's execution path is synchronous (engine/execution/trader.ts); a
 * broker is not. So:
 * - `submit`/`submitBracket` validate the order as the simulated venue does,
 *   record it WORKING (a bracket's legs PENDING until the entry fills) and
 *   hand it to the link; the broker's verdict arrives later.
 * - Reports update the orders; each new execution (deduplicated by its
 *   execution id, so a fill reported again after a reconnect counts once)
 *   becomes a `Fill` the Trader takes on its next record or at once through
 *   `onUpdate` (Trader.venueUpdated).
 * - `position()` is the broker's own position report, never a sum of fills:
 *   it alone may confirm "flat" to the kill switch, and only once the broker
 *   answered the positions request of its current connection (`positionKnown`).
 * - An order the broker reports that the workstation did not send (placed in
 *   TWS or Sierra Chart) is tracked too, so a global cancel and the kill
 *   switch see it: as the broker holds it when the report says (TWS's
 *   OPEN_ORDER), else as a market order of unknown side.
 * - A fill's commission is the venue's estimate (`commissionPerSideUsd`)
 *   until the broker reports its own (TWS's COMMISSION_REPORT): before the
 *   Trader took the fill, the fill carries it; after, it comes back as a
 *   `CommissionCorrection`.
 */
import type { Bar, TradeTick } from '../domain.js';
import type { BrokerAccountValue, BrokerLink, BrokerOrderReport, BrokerPosition } from './link.js';
import type { BrokerCommission } from './link.js';
import { OrderError, bracketLegs, isOpenOrder, modifiable, validateOrder, type Bracket, type BracketRequest, type CommissionCorrection, type ExecutionVenue, type Fill, type OcoRequest, type Order, type OrderRequest } from './orders.js';

/** Broker venue settings. */
export interface BrokerVenueConfig {
  /** Points. */
  readonly tickSize: number;
  /** USD per contract per side, for the journal (the broker's statement is the authority). */
  readonly commissionPerSideUsd?: number;
  /** Prefix of the workstation's order ids, unique per run (client order ids must not repeat at the broker). */
  readonly idPrefix: string;
}

/** What the venue tells its owner. */
export interface BrokerVenueEvents {
  /** New fills or order states are waiting (call Trader.venueUpdated). */
  updated(): void;
  /** The broker refused an order, in its words. */
  rejected(order: Order, text: string): void;
  /** The order link went down or came back (reconciled). */
  connection(up: boolean): void;
  /** The broker answered this connection's positions request: `position()` is its word now. */
  positionsReported(): void;
  /** The broker reported the account's value (`accountValue()` holds the latest). */
  accountValue?(v: BrokerAccountValue): void;
}

/** Orders at a broker, seen through its reports. */
export class BrokerVenue implements ExecutionVenue {
  private readonly orders = new Map<string, Order>();
  private readonly filledQty = new Map<string, number>();
  private readonly execIds = new Set<string>();
  private readonly cancelSent = new Set<string>();
  private pendingFills: Fill[] = [];
  /** Fills the Trader took, by execution id (a commission reported later corrects them). */
  private readonly drained = new Map<string, Fill>();
  /** Commissions reported before their execution, USD by execution id. */
  private readonly earlyCommissions = new Map<string, number>();
  private corrections: CommissionCorrection[] = [];
  private seq = 0;
  private net = 0;
  private avg = Number.NaN;
  private up = false;
  /** The broker answered the positions request of the current connection. */
  private known = false;
  private readonly commission: number;

  constructor(
    private readonly link: BrokerLink,
    private readonly config: BrokerVenueConfig,
    private readonly events: BrokerVenueEvents,
  ) {
    this.commission = config.commissionPerSideUsd ?? 2.25;
    link.setListener({
      order: (r) => this.onReport(r),
      position: (p) => this.onPosition(p),
      positionsReported: () => {
        this.known = true;
        this.events.positionsReported();
      },
      connection: (up) => {
        this.up = up;
        this.known = false; // a new connection is read afresh
        this.others.clear();
        this.events.connection(up);
      },
      commission: (c) => this.onCommission(c),
      accountValue: (v) => {
        // A report may carry one figure (IB's come from two requests): the other stays as last reported.
        const last = this.value;
        this.value = {
          account: v.account,
          netLiquidationUsd: Number.isNaN(v.netLiquidationUsd) && last?.account === v.account ? last.netLiquidationUsd : v.netLiquidationUsd,
          dailyPnlUsd: Number.isNaN(v.dailyPnlUsd) && last?.account === v.account ? last.dailyPnlUsd : v.dailyPnlUsd,
        };
        this.events.accountValue?.(this.value);
      },
    });
  }

  private value: BrokerAccountValue | null = null;

  /** The account's value as the broker last reported it (kept across a reconnect until it reports again); null before any report. */
  accountValue(): BrokerAccountValue | null {
    return this.value;
  }

  /** Whether the broker link is up. */
  get connected(): boolean {
    return this.up;
  }

  /** The broker's average price of the position, points (NaN when flat or unknown). */
  get averagePrice(): number {
    return this.avg;
  }

  /** @throws OrderError while the broker link is down (nothing can be sent; the Trader retries a closing order). */
  private requireLink(): void {
    if (!this.up) throw new OrderError('the broker connection is down: the order was not sent');
  }

  submit(req: OrderRequest, ts: number): Order {
    validateOrder(req, this.config.tickSize);
    this.requireLink();
    const o = this.record(req, ts, 'WORKING');
    this.link.placeOrder({ id: o.id, symbol: this.link.symbol, side: o.side, type: o.type, qty: o.qty, price: o.price });
    return o;
  }

  submitBracket(b: BracketRequest, ts: number): Bracket {
    const { exit } = bracketLegs(b);
    this.requireLink();
    validateOrder({ side: b.side, type: b.entryType, qty: b.qty, price: b.entryPrice }, this.config.tickSize);
    validateOrder({ side: exit, type: 'STOP', qty: b.qty, price: b.stop }, this.config.tickSize);
    validateOrder({ side: exit, type: 'LIMIT', qty: b.qty, price: b.target }, this.config.tickSize);
    const entry = this.record({ side: b.side, type: b.entryType, qty: b.qty, price: b.entryPrice, role: 'entry' }, ts, 'WORKING');
    const oca = `OCA-${entry.id}`;
    const stop = this.record({ side: exit, type: 'STOP', qty: b.qty, price: b.stop, role: 'stop', ocaGroup: oca, parentId: entry.id }, ts, 'PENDING');
    const target = this.record({ side: exit, type: 'LIMIT', qty: b.qty, price: b.target, role: 'target', ocaGroup: oca, parentId: entry.id }, ts, 'PENDING');
    const s = this.link.symbol;
    this.link.placeBracket(
      { id: entry.id, symbol: s, side: entry.side, type: entry.type, qty: entry.qty, price: entry.price },
      { id: stop.id, symbol: s, side: stop.side, type: 'STOP', qty: stop.qty, price: stop.price },
      { id: target.id, symbol: s, side: target.side, type: 'LIMIT', qty: target.qty, price: target.price },
    );
    return { entry, stop, target };
  }

  /** A stop and a target in one OCA group at the broker, PENDING until it reports them working. @throws OrderError as `submit`. */
  submitOco(r: OcoRequest, ts: number): { stop: Order; target: Order } {
    this.requireLink();
    validateOrder({ side: r.side, type: 'STOP', qty: r.qty, price: r.stop }, this.config.tickSize);
    validateOrder({ side: r.side, type: 'LIMIT', qty: r.qty, price: r.target }, this.config.tickSize);
    this.seq += 1;
    const oca = `OCA-${this.config.idPrefix}${this.seq}`;
    const stop = this.record({ side: r.side, type: 'STOP', qty: r.qty, price: r.stop, role: 'stop', ocaGroup: oca }, ts, 'PENDING');
    const target = this.record({ side: r.side, type: 'LIMIT', qty: r.qty, price: r.target, role: 'target', ocaGroup: oca }, ts, 'PENDING');
    const s = this.link.symbol;
    this.link.placeOco({ id: stop.id, symbol: s, side: stop.side, type: 'STOP', qty: stop.qty, price: stop.price }, { id: target.id, symbol: s, side: target.side, type: 'LIMIT', qty: target.qty, price: target.price });
    return { stop, target };
  }

  /** Asks the broker to cancel; the order stays open until the broker confirms. Returns false when it is no longer open. */
  cancel(id: string): boolean {
    const o = this.orders.get(id);
    if (o === undefined || !isOpenOrder(o)) return false;
    if (!this.cancelSent.has(id) && this.up) {
      this.cancelSent.add(id);
      this.link.cancel(id);
    }
    return true;
  }

  /**
   * A new price for a working or pending limit or stop, sent as the broker's
   * modify; the order shows the new price from now on (a broker that refuses
   * the modify reports it as a rejection, in its words, and the old order
   * stands at the broker).
   * @throws OrderError as `modifiable`, or while the link is down, or for an order a cancel was already sent for.
   */
  modify(id: string, price: number): Order {
    const o = modifiable(this.orders.get(id), id, price, this.config.tickSize);
    this.requireLink();
    if (this.cancelSent.has(id)) throw new OrderError(`modify: order ${id} is being cancelled`);
    this.link.modify(id, price);
    o.price = price;
    return o;
  }

  /** Cancels every working order of the account at the broker, ours or not. */
  globalCancel(): void {
    if (!this.up) return;
    for (const o of this.open()) this.cancelSent.add(o.id);
    this.link.globalCancel();
  }

  open(): Order[] {
    return [...this.orders.values()].filter(isOpenOrder);
  }

  order(id: string): Order | undefined {
    return this.orders.get(id);
  }

  position(): number {
    return this.net;
  }

  positionKnown(): boolean {
    return this.up && this.known;
  }

  /** Working orders at the broker the workstation did not send (placed elsewhere, or by an engine before a restart). */
  foreignOpenOrders(): Order[] {
    return this.open().filter((o) => !o.id.startsWith(this.config.idPrefix));
  }

  onTick(_tick: TradeTick): Fill[] {
    return this.drainFills();
  }

  onBar(_bar: Bar): Fill[] {
    return this.drainFills();
  }

  /** The fills reported since the last call. */
  drainFills(): Fill[] {
    const f = this.pendingFills;
    this.pendingFills = [];
    for (const x of f) if (x.execId !== undefined) this.drained.set(x.execId, x);
    return f;
  }

  /** Commissions the broker reported for fills already drained, since the last call. */
  drainCommissionCorrections(): CommissionCorrection[] {
    const c = this.corrections;
    this.corrections = [];
    return c;
  }

  /** The broker's commission for an execution: onto the fill not yet taken, as a correction of one taken, or kept for one not yet reported. */
  private onCommission(c: BrokerCommission): void {
    if (!Number.isFinite(c.commissionUsd)) return;
    const i = this.pendingFills.findIndex((f) => f.execId === c.execId);
    const taken = this.drained.get(c.execId);
    if (i >= 0) this.pendingFills[i] = { ...(this.pendingFills[i] as Fill), commissionUsd: c.commissionUsd };
    else if (taken !== undefined && taken.commissionUsd !== c.commissionUsd) {
      const fill = { ...taken, commissionUsd: c.commissionUsd };
      this.drained.set(c.execId, fill);
      this.corrections.push({ fill, deltaUsd: c.commissionUsd - taken.commissionUsd });
    } else if (taken === undefined) this.earlyCommissions.set(c.execId, c.commissionUsd);
    else return;
    this.events.updated();
  }

  private record(req: OrderRequest, ts: number, status: Order['status']): Order {
    this.seq += 1;
    const o: Order = { ...req, id: `${this.config.idPrefix}${this.seq}`, role: req.role ?? 'entry', status, submittedTs: ts, filledTs: null, fillPrice: null, cancelReason: null };
    this.orders.set(o.id, o);
    return o;
  }

  private onReport(r: BrokerOrderReport): void {
    let o = this.orders.get(r.id);
    if (o === undefined) {
      // An order placed outside the workstation (or before a restart): tracked so the kill switch sees it,
      // as the broker holds it when the report says.
      const k = r.order;
      o = {
        id: r.id, side: k?.side ?? 'BUY', type: k?.type ?? 'MARKET', qty: k?.qty ?? Math.max(1, r.filledQty || 1), ...(k?.price !== undefined ? { price: k.price } : {}),
        role: 'entry', status: 'WORKING', submittedTs: r.fill?.ts ?? 0, filledTs: null, fillPrice: null, cancelReason: null,
      };
      this.orders.set(r.id, o);
    }
    const foreign = !o.id.startsWith(this.config.idPrefix);
    if (r.fill !== null && !this.execIds.has(r.fill.execId) && foreign) {
      // An execution of an order the workstation did not send (placed in TWS or Sierra Chart, or by an engine before a
      // restart, as DTC's historical fills after a logon report): not this run's fill. Its side is not even known here;
      // the broker's position report that follows is the account's word.
      this.execIds.add(r.fill.execId);
      const done = (this.filledQty.get(o.id) ?? 0) + r.fill.qty;
      this.filledQty.set(o.id, done);
      if (done >= o.qty) {
        o.status = 'FILLED';
        o.filledTs = r.fill.ts;
      }
    } else if (r.fill !== null && !this.execIds.has(r.fill.execId)) {
      this.execIds.add(r.fill.execId);
      const before = this.filledQty.get(o.id) ?? 0;
      const done = before + r.fill.qty;
      this.filledQty.set(o.id, done);
      o.fillPrice = o.fillPrice === null ? r.fill.price : (o.fillPrice * before + r.fill.price * r.fill.qty) / done;
      const dir = o.side === 'BUY' ? 1 : -1;
      const slippageTicks = o.type === 'STOP' && o.price !== undefined ? (dir * (r.fill.price - o.price)) / this.config.tickSize : 0;
      // An execution is the broker's word on the position too; its position report follows and has the last say.
      this.net += dir * r.fill.qty;
      this.pendingFills.push({ orderId: o.id, role: o.role, side: o.side, qty: r.fill.qty, price: r.fill.price, ts: r.fill.ts, slippageTicks, commissionUsd: this.earlyCommissions.get(r.fill.execId) ?? this.commission * r.fill.qty, execId: r.fill.execId });
      this.earlyCommissions.delete(r.fill.execId);
      if (done >= o.qty) {
        o.status = 'FILLED';
        o.filledTs = r.fill.ts;
      }
      // The bracket's legs stay PENDING until the broker reports them working: order state is the broker's word only.
    }
    switch (r.state) {
      case 'CANCELLED':
        if (o.status !== 'FILLED') {
          o.status = 'CANCELLED';
          o.cancelReason = r.text || 'cancelled at the broker';
        }
        break;
      case 'REJECTED':
        if (o.status !== 'FILLED') {
          o.status = 'CANCELLED';
          o.cancelReason = `rejected by the broker: ${r.text || 'no reason given'}`;
          for (const c of this.orders.values()) {
            if (c.parentId === o.id && c.status === 'PENDING') {
              c.status = 'CANCELLED';
              c.cancelReason = 'parent rejected';
            }
          }
          this.events.rejected(o, r.text);
        }
        break;
      case 'WORKING':
        if (o.status === 'PENDING') o.status = 'WORKING';
        break;
      case 'FILLED':
        // A fill without its execution (an open-orders snapshot): the execution report carries the price.
        break;
      default:
        break;
    }
    this.events.updated();
  }

  /** Positions of the account in other contracts, by symbol (signed contracts), as the broker reported them on this connection. */
  private readonly others = new Map<string, number>();

  /** Contracts other than the traded one in which the broker holds a position for the account. */
  otherPositions(): number {
    return this.others.size;
  }

  private onPosition(p: BrokerPosition): void {
    if (p.symbol !== this.link.symbol) {
      if (p.qty === 0) this.others.delete(p.symbol);
      else this.others.set(p.symbol, p.qty);
      this.events.updated();
      return;
    }
    this.net = p.qty;
    this.avg = p.qty === 0 ? Number.NaN : p.avgPrice;
    this.events.updated();
  }
}
