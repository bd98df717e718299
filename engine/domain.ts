/**
 * Immutable domain types of the engine: the instrument, trade ticks and bars.
 *
 * Every message carries `tsEvent` (when it happened at the exchange, Unix ms)
 * and, once the engine has seen it, `tsInit` (when the engine saw it, Unix ms
 * by the injected clock). See architecture.md, "The kernel".
 */

/** Aggressor side of a trade: `buy` lifted the ask, `sell` hit the bid. */
export type AggressorSide = 'buy' | 'sell' | 'unknown';

/** Bar timeframes the bar builder produces. */
export type Timeframe = '1m' | '5m' | '15m' | '1h';

/** Length of each timeframe in ms. */
export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = Object.freeze({
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
});

/**
 * A futures contract's trading constants.
 * ES: tick 0.25 point, $12.50 a tick, $50 a point (battle-navale.md, preamble).
 */
export interface Instrument {
  readonly symbol: string;
  /** Minimum price increment, points. */
  readonly tickSize: number;
  /** Value of one tick for one contract, USD. */
  readonly tickValueUsd: number;
  /** Value of one point for one contract, USD. */
  readonly pointValueUsd: number;
  /** IANA zone of the exchange's session calendar. */
  readonly timeZone: string;
}

/** E-mini S&P 500 futures (CME). */
export const ES: Instrument = Object.freeze({
  symbol: 'ES',
  tickSize: 0.25,
  tickValueUsd: 12.5,
  pointValueUsd: 50,
  timeZone: 'America/New_York',
});

/** One trade print. Prices in points, sizes in contracts. */
export interface TradeTick {
  readonly kind: 'tick';
  /** Exchange time of the trade, Unix ms; may carry a fractional microsecond part (SCID bumps). */
  readonly tsEvent: number;
  readonly price: number;
  readonly size: number;
  readonly side: AggressorSide;
  /** Best bid at the trade, points (NaN when unknown). */
  readonly bid: number;
  /** Best ask at the trade, points (NaN when unknown). */
  readonly ask: number;
  /**
   * The first or last sub-trade of one exchange trade the feed split into
   * several (DTC's UnbundledTradeIndicator, the SCID Open-field markers);
   * absent for a trade that is whole or when the feed does not say.
   */
  readonly subTrade?: 'first' | 'last';
  /**
   * Changes to the order book that came before this trade, to apply first
   * (a file that records depth with its trades: Sierra Chart's trades with
   * depth, a recording's `.depth` file); absent when the feed has none.
   */
  readonly depth?: readonly DepthUpdate[];
}

/**
 * One change to the order book, market by price (issue 18, item 4): the
 * resting size at a price of one side set to `size` (0 removes the level),
 * or the whole book cleared ('clear': a snapshot follows). Prices points,
 * sizes contracts. Sierra Chart's market depth commands (its `.depth` file
 * and DTC's MARKET_DEPTH_UPDATE_LEVEL) and IB's updateMktDepth map onto it.
 */
export interface DepthUpdate {
  readonly side: 'bid' | 'ask' | 'clear';
  readonly price: number;
  readonly size: number;
}

/**
 * An OHLCV bar. `ts` is the bar's open time (Unix ms); the bar covers
 * [ts, ts + TIMEFRAME_MS[tf]). `bidVolume` is volume that hit the bid (sell
 * aggressor), `askVolume` volume that lifted the ask (buy aggressor);
 * `delta = askVolume - bidVolume`. Where order flow is unknown both are 0 and
 * `hasOrderFlow` is false. `bidVolume + askVolume` may differ from `volume`
 * (unattributed prints).
 */
export interface Bar {
  readonly kind: 'bar';
  readonly tf: Timeframe;
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly bidVolume: number;
  readonly askVolume: number;
  readonly delta: number;
  /** Number of trades, 0 when unknown. */
  readonly trades: number;
  readonly hasOrderFlow: boolean;
}

/** A record a feed yields: a trade or a completed bar from a bar file. */
export type MarketRecord = TradeTick | Bar;

/** True when `price` lies on the tick grid (within float32 rounding of SCID prices). */
export function isOnTickGrid(price: number, tickSize: number): boolean {
  const t = price / tickSize;
  return Math.abs(t - Math.round(t)) < 1e-6;
}
