/**
 * Portfolio (issue 4, item 2): the position in one instrument with its
 * average price, realized and unrealized P&L, commissions, equity and
 * drawdown, in USD at the instrument's point value (ES: $50 a point).
 *
 * Realized P&L is booked on the part of a fill that reduces the position:
 * (exit - average) x contracts x point value, sign by side; a fill through
 * zero closes the old position and opens the rest at the fill price.
 * Equity = starting equity + realized - commissions + unrealized.
 */
import type { Fill } from '../venue/orders.js';

/** What a portfolio needs. */
export interface PortfolioConfig {
  /** USD per point per contract (ES 50). */
  readonly pointValueUsd: number;
  /** Points (ES 0.25). */
  readonly tickSize: number;
  /** Account equity at the start, USD. */
  readonly startingEquityUsd: number;
}

/** The position after a fill. */
export interface PositionUpdate {
  /** Signed contracts: + long, - short, 0 flat. */
  readonly qty: number;
  /** Average entry price of the open contracts, points; NaN when flat. */
  readonly avgPrice: number;
  /** P&L this fill realized, USD, before commission. */
  readonly realizedUsd: number;
  /** Points per contract this fill realized (0 when it only added). */
  readonly realizedPoints: number;
  /** Contracts this fill closed. */
  readonly closedQty: number;
}

/** Position, P&L and equity of one instrument's account. */
export class Portfolio {
  private readonly c: PortfolioConfig;
  qty = 0;
  avgPrice = Number.NaN;
  /** Realized P&L, USD, before commissions. */
  realizedUsd = 0;
  commissionsUsd = 0;
  /** Highest equity seen at a mark or fill, USD. */
  peakEquityUsd: number;
  /** Largest peak-to-trough fall of equity, USD (>= 0). */
  maxDrawdownUsd = 0;
  private lastPrice = Number.NaN;

  constructor(c: PortfolioConfig) {
    this.c = c;
    this.peakEquityUsd = c.startingEquityUsd;
  }

  /** Books a fill. */
  onFill(f: Fill): PositionUpdate {
    const signed = f.side === 'BUY' ? f.qty : -f.qty;
    this.commissionsUsd += f.commissionUsd;
    let closedQty = 0;
    let realizedPoints = 0;
    if (this.qty !== 0 && Math.sign(signed) !== Math.sign(this.qty)) {
      closedQty = Math.min(Math.abs(signed), Math.abs(this.qty));
      realizedPoints = Math.sign(this.qty) * (f.price - this.avgPrice);
    }
    const realizedUsd = realizedPoints * closedQty * this.c.pointValueUsd;
    this.realizedUsd += realizedUsd;
    const next = this.qty + signed;
    if (next === 0) this.avgPrice = Number.NaN;
    else if (this.qty === 0 || Math.sign(next) !== Math.sign(this.qty)) this.avgPrice = f.price; // opened, or flipped through zero
    else if (Math.abs(next) > Math.abs(this.qty)) this.avgPrice = (this.avgPrice * Math.abs(this.qty) + f.price * Math.abs(signed)) / Math.abs(next);
    this.qty = next;
    this.mark(f.price);
    return { qty: this.qty, avgPrice: this.avgPrice, realizedUsd, realizedPoints, closedQty };
  }

  /** Marks the open position at `price` (points) and updates the drawdown. */
  mark(price: number): void {
    this.lastPrice = price;
    const eq = this.equityUsd();
    if (eq > this.peakEquityUsd) this.peakEquityUsd = eq;
    this.maxDrawdownUsd = Math.max(this.maxDrawdownUsd, this.peakEquityUsd - eq);
  }

  /** Unrealized P&L at the last mark, USD. */
  unrealizedUsd(): number {
    return this.qty === 0 || Number.isNaN(this.lastPrice) ? 0 : this.qty * (this.lastPrice - this.avgPrice) * this.c.pointValueUsd;
  }

  /** Unrealized P&L in ticks per contract at the last mark. */
  unrealizedTicks(): number {
    return this.qty === 0 || Number.isNaN(this.lastPrice) ? 0 : (Math.sign(this.qty) * (this.lastPrice - this.avgPrice)) / this.c.tickSize;
  }

  /** Starting equity + carried + realized - commissions + unrealized, USD. */
  equityUsd(): number {
    return this.c.startingEquityUsd + this.carriedUsd + this.realizedUsd - this.commissionsUsd + this.unrealizedUsd();
  }

  /** Net P&L of earlier runs of the account carried into this one (`carryIn`), USD. */
  carriedUsd = 0;

  /**
   * Books what earlier runs did on the account today (issue 16: a restart
   * must not start the drawdown over): their net P&L `pnlUsd` joins the
   * equity, and the peak is at least the equity now plus `peakPnlUsd`, the
   * highest their running net P&L reached (>= 0). USD.
   */
  carryIn(pnlUsd: number, peakPnlUsd: number): void {
    const before = this.equityUsd();
    this.carriedUsd += pnlUsd;
    this.peakEquityUsd = Math.max(this.peakEquityUsd, before + peakPnlUsd);
    this.maxDrawdownUsd = Math.max(this.maxDrawdownUsd, this.peakEquityUsd - this.equityUsd());
  }

  /** Current fall from the peak, USD. */
  drawdownUsd(): number {
    return this.peakEquityUsd - this.equityUsd();
  }
}
