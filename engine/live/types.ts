/**
 * What the live adapters (IB TWS, Sierra Chart DTC) give the engine, in the
 * engine's own terms: connection state, trades with their aggressor and
 * quotes. The broker port the adapters implement (orders,
 * positions, reports) is engine/venue/link.ts. The kernel's live run sees
 * only these, never a wire message.
 */
import type { AggressorSide, DepthUpdate, MarketRecord } from '../domain.js';

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
  /** The first or last sub-trade of an unbundled trade, when the feed says so (TradeTick.subTrade). */
  readonly subTrade?: 'first' | 'last';
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

/**
 * The live run as the live connections feed it (engine/run/drivers/live.ts
 * implements it): records in time order, the backfill first, and the order
 * route's broker news.
 */
export interface LiveRunPort {
  /** The session so far (trades or closed bars): processed and shown, never traded. */
  pushHistory(records: readonly MarketRecord[]): void;
  /** Live records as they arrive. */
  push(records: readonly MarketRecord[]): void;
  /** The broker reported fills or order states between records. */
  venueUpdated(): void;
  /** The order link went down or came back. */
  venueConnection(up: boolean): void;
  /** Signed contracts the run's trades hold, as its book has them. */
  positionQty(): number;
  /**
   * The broker holds `qty` contracts at `avgPrice` (points) beyond what the
   * run's trades account for (found at a reconcile while LIVE): the run's
   * book takes them, so its position is the broker's, and the kill switch
   * trips to flatten them.
   */
  bookUnknown(qty: number, avgPrice: number, detail: string): void;
  /**
   * The trader adopts the broker's position (issue 16): `qty` contracts at
   * `avgPrice` become a trade of the run, protected by a stop and a target
   * `stopTicks` and `targetTicks` from the average price (Trader.adoptPosition).
   * @throws OrderError when the trader refuses it or the broker venue refuses the pair.
   */
  adopt(qty: number, avgPrice: number, stopTicks: number, targetTicks: number): void;
  /** Changes to the broker's book (market depth) at market time `ts`, Unix ms: the ladder's sizes. */
  depth(updates: readonly DepthUpdate[], ts: number): void;
}
