/**
 * The order vocabulary every venue, the execution path and the journal speak
 * (architecture.md, "Layout": vocabularies live in their own files): sides,
 * types, states and roles of an order, an order request and its state, a
 * fill, a bracket, the checks any venue applies, and the `ExecutionVenue`
 * port the simulated venue and the broker venue implement.
 */
import type { Bar, TradeTick } from '../domain.js';

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT' | 'STOP';
/** PENDING: a bracket leg waiting for its entry to fill. */
export type OrderStatus = 'PENDING' | 'WORKING' | 'FILLED' | 'CANCELLED';
/** What the order is for, for the journal and the chart. */
export type OrderRole = 'entry' | 'stop' | 'target' | 'close';

/** An order as submitted. Prices in points, quantity in contracts. */
export interface OrderRequest {
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly qty: number;
  /** Limit price (LIMIT) or stop price (STOP); ignored for MARKET. */
  readonly price?: number;
  readonly role?: OrderRole;
  /** Orders sharing an OCA group: the first to fill cancels the others. */
  readonly ocaGroup?: string;
  /** The order is PENDING until the order with this id fills. */
  readonly parentId?: string;
}

/** An order and its state. */
export interface Order extends OrderRequest {
  readonly id: string;
  /** Limit or stop price, points; a modify moves it (`ExecutionVenue.modify`). */
  price?: number;
  readonly role: OrderRole;
  status: OrderStatus;
  /** Submission time, Unix ms. */
  readonly submittedTs: number;
  filledTs: number | null;
  fillPrice: number | null;
  cancelReason: string | null;
}

/** One execution. */
export interface Fill {
  readonly orderId: string;
  readonly role: OrderRole;
  readonly side: OrderSide;
  readonly qty: number;
  /** Points, slippage included. */
  readonly price: number;
  /** When, Unix ms: the tick's time, or the bar's open time for a bar fill. */
  readonly ts: number;
  /** Ticks of slippage against the order (0 for limits). */
  readonly slippageTicks: number;
  readonly commissionUsd: number;
  /** The broker's execution id (unique per account and day); absent for a simulated fill. */
  readonly execId?: string;
}

/** A fill's commission as the broker reported it after the fill was booked. USD. */
export interface CommissionCorrection {
  readonly fill: Fill;
  readonly deltaUsd: number;
}

/** A bad order request; names the field. */
export class OrderError extends Error {
  override readonly name = 'OrderError';
}

/**
 * Checks an order request any venue would refuse.
 * @throws OrderError naming the field when qty is not a positive integer, or a LIMIT or STOP has no price on the tick grid (points).
 */
export function validateOrder(req: OrderRequest, tickSize: number): void {
  if (!Number.isInteger(req.qty) || req.qty <= 0) throw new OrderError(`order: "qty" must be a positive whole number of contracts, got ${req.qty}`);
  if (req.type !== 'MARKET') {
    const p = req.price;
    if (p === undefined || !Number.isFinite(p) || p <= 0) throw new OrderError(`order: "price" is required for a ${req.type} order`);
    if (Math.abs(p / tickSize - Math.round(p / tickSize)) > 1e-6) throw new OrderError(`order: "price" ${p} is off the ${tickSize} tick grid`);
  }
}

/**
 * The order a modify may move: open and priced.
 * @throws OrderError naming why not (unknown, no longer open, a market order, the price off the grid).
 */
export function modifiable(o: Order | undefined, id: string, price: number, tickSize: number): Order {
  if (o === undefined) throw new OrderError(`modify: no order ${JSON.stringify(id)}`);
  if (!isOpenOrder(o)) throw new OrderError(`modify: order ${id} is ${o.status}, no longer working`);
  if (o.type === 'MARKET') throw new OrderError(`modify: order ${id} is a market order and has no price to move`);
  validateOrder({ ...o, price }, tickSize);
  return o;
}

/** Whether an order can still fill or be cancelled (WORKING, or PENDING on its parent). */
export function isOpenOrder(o: Order): boolean {
  return o.status === 'WORKING' || o.status === 'PENDING';
}

/** The exit side of a bracket's stop and target. @throws OrderError when the target is not on the profit side of the stop. */
export function bracketLegs(b: BracketRequest): { readonly exit: OrderSide } {
  const dir = b.side === 'BUY' ? 1 : -1;
  if (!(dir * (b.target - b.stop) > 0)) throw new OrderError(`bracket: "target" ${b.target} must be on the profit side of "stop" ${b.stop}`);
  return { exit: b.side === 'BUY' ? 'SELL' : 'BUY' };
}

/** A bracket: entry plus stop and target legs in one OCA group. */
export interface Bracket {
  readonly entry: Order;
  readonly stop: Order;
  readonly target: Order;
}

/**
 * What the execution path needs from a venue: the simulated one here, a
 * broker adapter later. Fills come back from `onTick`/`onBar` (simulated) or
 * from the broker's execution reports; `position()` is the venue's own view
 * of the account, the only thing that may confirm "flat".
 */
export interface ExecutionVenue {
  /** @throws OrderError when the venue refuses the order. */
  submit(req: OrderRequest, ts: number): Order;
  /** @throws OrderError when the venue refuses the bracket. */
  submitBracket(b: BracketRequest, ts: number): Bracket;
  /**
   * A stop and a target in one OCA group for `qty` contracts already held
   * (`side` is the exit's), both working at once; a broker's only (absent
   * on the simulated venue).
   * @throws OrderError when the venue refuses them.
   */
  submitOco?(o: OcoRequest, ts: number): { readonly stop: Order; readonly target: Order };
  cancel(id: string, reason?: string): boolean;
  /**
   * A new price (points) for a working or pending limit or stop, same id:
   * the simulated venue moves it at once; a broker's is sent as its modify
   * (TWS: the order placed again under its id; DTC: CANCEL_REPLACE_ORDER).
   * @throws OrderError when the order is not open, is a market order, the price is off the tick grid, or the venue cannot send it.
   */
  modify(id: string, price: number): Order;
  open(): Order[];
  order(id: string): Order | undefined;
  /** Signed contracts the venue holds for the account. */
  position(): number;
  /**
   * Whether `position()` is the venue's word now: a broker's only once it
   * answered the positions request of its current connection (absent: always,
   * as for the simulated venue, whose book is the position).
   */
  positionKnown?(): boolean;
  /**
   * Contracts other than the traded one in which the account holds a
   * position, by the broker's word (absent: none, as for the simulated
   * venue). The one-open-position rule counts them (issue 16).
   */
  otherPositions?(): number;
  onTick(tick: TradeTick): Fill[];
  onBar(bar: Bar): Fill[];
  /** A broker's fills reported between records (the simulated venue fills only on records). */
  drainFills?(): Fill[];
  /**
   * Fills already drained whose commission the broker has since reported
   * (the broker's figure replaces the venue's estimate): each is the whole
   * fill again with its new `commissionUsd`, and `deltaUsd` is new - old.
   * Absent on the simulated venue.
   */
  drainCommissionCorrections?(): CommissionCorrection[];
  /** Cancels every working order of the account in one request (a broker's global cancel). */
  globalCancel?(): void;
}

/** A stop and a target protecting a position: the exit side, contracts, prices in points. */
export interface OcoRequest {
  readonly side: OrderSide;
  readonly qty: number;
  readonly stop: number;
  readonly target: number;
}

/** An entry with its protective stop and its target. Prices in points. */
export interface BracketRequest {
  readonly side: OrderSide;
  readonly qty: number;
  readonly entryType: 'MARKET' | 'LIMIT' | 'STOP';
  readonly entryPrice?: number;
  readonly stop: number;
  readonly target: number;
}
