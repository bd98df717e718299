/**
 * What the live adapters (IB TWS, Sierra Chart DTC) give the engine, in the
 * engine's own terms: connection state, trades with their aggressor, quotes,
 * and broker order/position reports. The kernel's live run and the broker
 * venue (engine/venue/broker.ts) see only these, never a wire message.
 */
import type { AggressorSide } from '../domain.js';
import type { OrderSide, OrderType } from '../venue/sim.js';

/**
 * A connection's state as the Connections panel shows it:
 * - `connecting`: the socket or the logon is under way;
 * - `connected`: logged on, data and orders flow;
 * - `data-farm-down`: connected, but the broker says a market-data farm is down (IB 2103/2105);
 * - `reconnecting`: the link dropped and the adapter is trying again;
 * - `lost`: the broker's own link to its servers is down (IB 1100), or retries go on failing.
 */
export type LinkState = 'disconnected' | 'connecting' | 'connected' | 'data-farm-down' | 'reconnecting' | 'lost';

/** A connection's state and when it began, with the last error in plain words. */
export interface LinkStatus {
  readonly state: LinkState;
  /** When this state began, Unix ms. */
  readonly sinceMs: number;
  readonly lastError: string | null;
  /** The accounts the server offers (IB managed accounts, DTC trade accounts). */
  readonly accounts: readonly string[];
}

/** One trade from a live feed. */
export interface LiveTrade {
  /** The contract as the feed names it (e.g. ESZ5). */
  readonly symbol: string;
  /** Exchange time, Unix ms (a feed with whole seconds gives whole seconds). */
  readonly tsEvent: number;
  /** Points. */
  readonly price: number;
  /** Contracts. */
  readonly size: number;
  readonly side: AggressorSide;
}

/** The best bid and ask. Prices in points, sizes in contracts. */
export interface LiveQuote {
  readonly symbol: string;
  readonly ts: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

/**
 * The aggressor of a trade from the last quote (the usual rule, as IB's
 * tick-by-tick AllLast carries none): at or above the ask a buyer lifted
 * it, at or below the bid a seller hit it, between them unknown.
 */
export function aggressorFromQuote(price: number, bid: number, ask: number): AggressorSide {
  if (Number.isFinite(ask) && price >= ask) return 'buy';
  if (Number.isFinite(bid) && price <= bid) return 'sell';
  return 'unknown';
}

/** An order as the workstation sends it to a broker. Prices in points. */
export interface BrokerOrderRequest {
  /** The workstation's order id (the client order id at the broker). */
  readonly id: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly qty: number;
  /** Limit or stop price; absent for MARKET. */
  readonly price?: number;
}

/** The broker's word on an order. */
export type BrokerOrderState = 'WORKING' | 'PENDING' | 'FILLED' | 'PARTIAL' | 'CANCELLED' | 'REJECTED';

/** An order report from the broker. */
export interface BrokerOrderReport {
  /** The workstation's order id, or the broker's own for an order placed elsewhere. */
  readonly id: string;
  readonly state: BrokerOrderState;
  readonly filledQty: number;
  /** Points; NaN before any fill. */
  readonly avgFillPrice: number;
  /** The execution this report carries, if any. */
  readonly fill: { readonly execId: string; readonly price: number; readonly qty: number; readonly ts: number } | null;
  /** The broker's reason for a reject or cancel, in its words. */
  readonly text: string;
}

/** The broker's position in one contract. */
export interface BrokerPosition {
  readonly symbol: string;
  /** Signed contracts. */
  readonly qty: number;
  /** Points. */
  readonly avgPrice: number;
}

/** What the broker venue listens to. */
export interface BrokerListener {
  order(r: BrokerOrderReport): void;
  position(p: BrokerPosition): void;
  /** The order link went up or down (a reconnect reconciles before it says true). */
  connection(up: boolean): void;
}

/**
 * A broker that takes orders (IB or DTC). Calls return at once; the broker's
 * answers come through the listener.
 */
export interface BrokerLink {
  readonly name: string;
  /** The contract orders are for. */
  readonly symbol: string;
  setListener(l: BrokerListener): void;
  /** Entry plus stop and target as one OCA group, the legs active once the entry fills. */
  placeBracket(entry: BrokerOrderRequest, stop: BrokerOrderRequest, target: BrokerOrderRequest): void;
  placeOrder(o: BrokerOrderRequest): void;
  /** A new price for a working limit or stop. */
  modify(id: string, price: number): void;
  cancel(id: string): void;
  /** Cancels every working order of the account. */
  globalCancel(): void;
}
