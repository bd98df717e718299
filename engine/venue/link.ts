/**
 * The port a broker adapter implements (IB TWS, Sierra Chart DTC) for the
 * broker venue (engine/venue/broker.ts): orders out, order and position
 * reports back, in the engine's own terms. The adapters in engine/live/
 * implement it; the venue never sees a wire message.
 */
import type { OrderSide, OrderType } from './orders.js';

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
  /**
   * The order as the broker holds it, when the report says (TWS OPEN_ORDER):
   * what an order placed outside the workstation, or by an engine before a
   * restart, is tracked as.
   */
  readonly order?: BrokerOrderShape;
}

/** An order as the broker holds it. Prices in points. */
export interface BrokerOrderShape {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Contracts. */
  readonly qty: number;
  /** Limit or stop price; absent for MARKET. */
  readonly price?: number;
}

/** The broker's commission for one execution (TWS COMMISSION_REPORT). */
export interface BrokerCommission {
  /** The execution it is for (BrokerOrderReport.fill.execId). */
  readonly execId: string;
  /** USD, the broker's figure (commission and fees) for the whole execution. */
  readonly commissionUsd: number;
}

/** The broker's position in one contract. */
export interface BrokerPosition {
  readonly symbol: string;
  /** Signed contracts. */
  readonly qty: number;
  /** Points. */
  readonly avgPrice: number;
}

/** The account's value as the broker reports it. */
export interface BrokerAccountValue {
  /** The broker's account id. */
  readonly account: string;
  /** Net liquidation value, USD (IB NetLiquidation; DTC CashBalance + OpenPositionsProfitLoss); NaN when this report has none. */
  readonly netLiquidationUsd: number;
  /** The account's P&L of the day as the broker books it, USD (IB reqPnL dailyPnL; DTC DailyProfitLoss); NaN when this report has none. */
  readonly dailyPnlUsd: number;
}

/** What the broker venue listens to. */
export interface BrokerListener {
  order(r: BrokerOrderReport): void;
  position(p: BrokerPosition): void;
  /**
   * The broker's answer to this connection's positions request is complete
   * (DTC: the last POSITION_UPDATE of the request, or NoPositions; TWS:
   * positionEnd). A contract it did not mention was reported flat just
   * before. Until this, after every connect and reconnect, the position is
   * unknown, and nothing may take it for flat.
   */
  positionsReported(): void;
  /** The order link went up or down (a reconnect reconciles before it says true). */
  connection(up: boolean): void;
  /** The account's value, at connect and as it changes. */
  accountValue(v: BrokerAccountValue): void;
  /**
   * The broker's commission for an execution, which replaces the venue's
   * estimate (TWS sends one after each execution, and again for executions
   * reported after a reconnect; Sierra Chart DTC sends none).
   */
  commission(c: BrokerCommission): void;
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
  /** Stop and target as one OCA group, working at once: they protect a position already held (an adopted one). */
  placeOco(stop: BrokerOrderRequest, target: BrokerOrderRequest): void;
  placeOrder(o: BrokerOrderRequest): void;
  /** A new price for a working limit or stop. */
  modify(id: string, price: number): void;
  cancel(id: string): void;
  /** Cancels every working order of the account. */
  globalCancel(): void;
}
