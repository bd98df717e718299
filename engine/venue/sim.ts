/**
 * The simulated venue (issue 4, item 1): market, limit and stop orders,
 * brackets (an entry whose stop and target become working when it fills, as
 * one OCA pair), fills from trade ticks where there are ticks and from bars
 * where there are only bars. Used by backtest, replay and paper trading.
 *
 * Fill rules:
 * - Market: at the next price (the next tick, or the next bar's open), 1 tick
 *   of slippage against the order.
 * - Stop: triggered when the price reaches its stop price (or opens beyond
 *   it), filled there (or at the gapped price) with 1 tick of slippage.
 * - Limit: filled at its price when the price touches it (or at the better
 *   gapped price when a bar opens beyond it), no slippage.
 * - Bars move open -> nearer extreme -> farther extreme -> close (a tie goes
 *   to the high first); an order fills at the first point of that path that
 *   reaches it, and a bracket's legs start working from the entry's fill point.
 * - A stop and a target of one OCA group that both fall inside one bar
 *   resolve pessimistically: the stop fills, the target is cancelled.
 * - Commission per side per contract (default 2.25 USD).
 */
import type { Bar, TradeTick } from '../domain.js';
import { OrderError, bracketLegs, isOpenOrder, modifiable, validateOrder, type Bracket, type BracketRequest, type ExecutionVenue, type Fill, type Order, type OrderRequest } from './orders.js';

/** Venue settings. */
export interface VenueConfig {
  /** Points. */
  readonly tickSize: number;
  /** Ticks of slippage on market and stop orders (default 1). */
  readonly slippageTicks?: number;
  /** USD per contract per side (default 2.25). */
  readonly commissionPerSideUsd?: number;
}

interface Hit {
  /** Position on the bar's path: segment index + fraction (0 = the open). */
  pos: number;
  price: number;
  slippage: number;
}

/** A matching engine over one instrument. Time comes from the prices it is fed. */
export class SimulatedVenue implements ExecutionVenue {
  private readonly t: number;
  private readonly slip: number;
  private readonly commission: number;
  private readonly orders = new Map<string, Order>();
  /** The orders still WORKING or PENDING, in submission order: what each record is matched against (the run's every order would make a long backtest quadratic). */
  private readonly live = new Map<string, Order>();
  private seq = 0;
  private net = 0;

  constructor(c: VenueConfig) {
    this.t = c.tickSize;
    this.slip = c.slippageTicks ?? 1;
    this.commission = c.commissionPerSideUsd ?? 2.25;
  }

  /**
   * Accepts an order at market time `ts` (Unix ms).
   * @throws OrderError naming the field when qty is not a positive integer, a LIMIT or STOP has no price on the tick grid, or the parent is unknown.
   */
  submit(req: OrderRequest, ts: number): Order {
    validateOrder(req, this.t);
    if (req.parentId !== undefined && !this.orders.has(req.parentId)) throw new OrderError(`order: "parentId" ${req.parentId} is not a known order`);
    this.seq += 1;
    const parent = req.parentId === undefined ? null : this.orders.get(req.parentId)!;
    const order: Order = {
      ...req,
      id: `O${this.seq}`,
      role: req.role ?? 'entry',
      status: parent === null || parent.status === 'FILLED' ? 'WORKING' : 'PENDING',
      submittedTs: ts,
      filledTs: null,
      fillPrice: null,
      cancelReason: null,
    };
    this.orders.set(order.id, order);
    this.live.set(order.id, order);
    return order;
  }

  /**
   * An entry with its protective stop and target, both working once it fills
   * and cancelling each other (OCA).
   */
  submitBracket(b: BracketRequest, ts: number): Bracket {
    const { exit } = bracketLegs(b);
    const entry = this.submit({ side: b.side, type: b.entryType, qty: b.qty, price: b.entryPrice, role: 'entry' }, ts);
    const oca = `OCA-${entry.id}`;
    const stop = this.submit({ side: exit, type: 'STOP', qty: b.qty, price: b.stop, role: 'stop', ocaGroup: oca, parentId: entry.id }, ts);
    const target = this.submit({ side: exit, type: 'LIMIT', qty: b.qty, price: b.target, role: 'target', ocaGroup: oca, parentId: entry.id }, ts);
    return { entry, stop, target };
  }

  /** Cancels a working or pending order (and a bracket's legs with its entry). Returns false when it was no longer open. */
  cancel(id: string, reason = 'cancelled'): boolean {
    const o = this.orders.get(id);
    if (o === undefined || !isOpenOrder(o)) return false;
    o.status = 'CANCELLED';
    o.cancelReason = reason;
    this.live.delete(id);
    for (const child of this.live.values()) if (child.parentId === id && child.status === 'PENDING') this.cancel(child.id, `parent ${reason}`);
    return true;
  }

  /** Moves a working or pending limit or stop to `price` (points) at once: it matches from the next record on. @throws OrderError as `modifiable`. */
  modify(id: string, price: number): Order {
    const o = modifiable(this.orders.get(id), id, price, this.t);
    o.price = price;
    return o;
  }

  /** Orders still WORKING or PENDING, in submission order. */
  open(): Order[] {
    return [...this.live.values()];
  }

  /** An order by id. */
  order(id: string): Order | undefined {
    return this.orders.get(id);
  }

  /** Every order, in submission order. */
  all(): Order[] {
    return [...this.orders.values()];
  }

  /** Signed contracts from every fill so far. */
  position(): number {
    return this.net;
  }

  /** Matches working orders against one trade. */
  onTick(tick: TradeTick): Fill[] {
    const fills: Fill[] = [];
    if (this.live.size === 0) return fills;
    // Orders activated by a fill at this tick wait for the next one.
    for (const o of this.open().filter((x) => x.status === 'WORKING')) {
      if (o.status !== 'WORKING') continue; // cancelled by an OCA fill above
      const hit = this.hitAt(o, tick.price);
      if (hit !== null) fills.push(this.fill(o, hit.price, hit.slippage, tick.tsEvent));
    }
    return fills;
  }

  /** Matches working orders along a bar's path (module header). */
  onBar(bar: Bar): Fill[] {
    const fills: Fill[] = [];
    if (this.live.size === 0) return fills;
    const path = barPath(bar);
    // Each order's entry point on the path: working orders from the open, bracket legs from their entry's fill.
    const from = new Map<string, number>();
    for (const o of this.open()) if (o.status === 'WORKING') from.set(o.id, 0);
    for (;;) {
      let best: { o: Order; hit: Hit } | null = null;
      for (const [id, start] of from) {
        const o = this.orders.get(id)!;
        if (o.status !== 'WORKING') continue;
        const hit = this.hitOnPath(o, path, start);
        if (hit !== null && (best === null || hit.pos < best.hit.pos)) best = { o, hit };
      }
      if (best === null) break;
      let { o, hit } = best;
      // Pessimism: a target whose OCA stop is also reached inside this bar loses to the stop.
      if (o.role === 'target' && o.ocaGroup !== undefined) {
        const stop = [...from.keys()].map((id) => this.orders.get(id)!).find((x) => x.ocaGroup === o.ocaGroup && x.role === 'stop' && x.status === 'WORKING');
        const stopHit = stop === undefined ? null : this.hitOnPath(stop, path, from.get(stop.id)!);
        if (stop !== undefined && stopHit !== null) {
          o = stop;
          hit = stopHit;
        }
      }
      fills.push(this.fill(o, hit.price, hit.slippage, bar.ts));
      from.delete(o.id);
      for (const child of this.live.values()) if (child.parentId === o.id && child.status === 'WORKING') from.set(child.id, hit.pos);
    }
    return fills;
  }

  private fill(o: Order, price: number, slippage: number, ts: number): Fill {
    o.status = 'FILLED';
    this.live.delete(o.id);
    this.net += o.side === 'BUY' ? o.qty : -o.qty;
    o.filledTs = ts;
    o.fillPrice = price;
    if (o.ocaGroup !== undefined) {
      for (const other of this.live.values()) if (other.ocaGroup === o.ocaGroup) this.cancel(other.id, `OCA: ${o.id} filled`);
    }
    for (const child of this.live.values()) if (child.parentId === o.id && child.status === 'PENDING') child.status = 'WORKING';
    return { orderId: o.id, role: o.role, side: o.side, qty: o.qty, price, ts, slippageTicks: slippage, commissionUsd: this.commission * o.qty };
  }

  /** A fill at a single trade price, or null. */
  private hitAt(o: Order, p: number): { price: number; slippage: number } | null {
    const dir = o.side === 'BUY' ? 1 : -1;
    const s = this.slip * this.t;
    switch (o.type) {
      case 'MARKET':
        return { price: p + dir * s, slippage: this.slip };
      case 'LIMIT':
        return dir * (p - o.price!) <= 1e-9 ? { price: o.price!, slippage: 0 } : null;
      case 'STOP':
        return dir * (p - o.price!) >= -1e-9 ? { price: p + dir * s, slippage: this.slip } : null;
    }
  }

  /** The first point at or after `start` on the bar's path where `o` fills. */
  private hitOnPath(o: Order, path: readonly number[], start: number): Hit | null {
    const dir = o.side === 'BUY' ? 1 : -1;
    const s = this.slip * this.t;
    const seg = Math.floor(start);
    const frac = start - seg;
    // The price at `start` (interpolated inside a segment).
    const startPrice = seg >= path.length - 1 ? path[path.length - 1]! : path[seg]! + frac * (path[seg + 1]! - path[seg]!);
    if (o.type === 'MARKET') return { pos: start, price: startPrice + dir * s, slippage: this.slip };
    const level = o.price!;
    // Already beyond the level at the start point: a gap fills at that price.
    const beyond = o.type === 'LIMIT' ? dir * (startPrice - level) <= 1e-9 : dir * (startPrice - level) >= -1e-9;
    if (beyond) return o.type === 'LIMIT' ? { pos: start, price: start === 0 ? startPrice : level, slippage: 0 } : { pos: start, price: (start === 0 ? startPrice : level) + dir * s, slippage: this.slip };
    for (let i = seg; i < path.length - 1; i++) {
      const a = i === seg ? startPrice : path[i]!;
      const b = path[i + 1]!;
      if ((a - level) * (b - level) <= 0 && a !== b) {
        const f = (level - path[i]!) / (b - path[i]!);
        const pos = Math.max(start, i + Math.min(1, Math.max(0, f)));
        return o.type === 'LIMIT' ? { pos, price: level, slippage: 0 } : { pos, price: level + dir * s, slippage: this.slip };
      }
    }
    return null;
  }
}

/** Open, nearer extreme, farther extreme, close (a tie goes to the high first). */
export function barPath(b: Pick<Bar, 'open' | 'high' | 'low' | 'close'>): number[] {
  const highFirst = b.high - b.open <= b.open - b.low;
  return highFirst ? [b.open, b.high, b.low, b.close] : [b.open, b.low, b.high, b.close];
}
