/**
 * The venue a live run trades on: the simulated venue (PAPER: simulated
 * fills on live data) or the broker (LIVE), switched by the mode without
 * rebuilding the run. A switch is refused while the current venue still
 * holds a position or a working order: an open trade ends where it began.
 */
import type { Bar, TradeTick } from '../domain.js';
import { OrderError, type Bracket, type BracketRequest, type CommissionCorrection, type ExecutionVenue, type Fill, type Order, type OrderRequest } from './orders.js';

export class RoutedVenue implements ExecutionVenue {
  constructor(private target: ExecutionVenue) {}

  /** The venue orders go to now. */
  get current(): ExecutionVenue {
    return this.target;
  }

  /**
   * Routes the next orders to `next`.
   * @throws OrderError when the current venue still holds a position or a working order.
   */
  use(next: ExecutionVenue): void {
    if (next === this.target) return;
    const qty = this.target.position();
    const working = this.target.open().length;
    if (qty !== 0 || working > 0) throw new OrderError(`the venue cannot change with ${qty} contract(s) open and ${working} working order(s): flatten first`);
    this.target = next;
  }

  /**
   * Routes back to `previous` whatever the current venue holds: only for
   * undoing a `use` whose purpose failed at once (an adoption the broker
   * refused), when what the current venue holds was never this run's.
   */
  revert(previous: ExecutionVenue): void {
    this.target = previous;
  }

  submit(req: OrderRequest, ts: number): Order {
    return this.target.submit(req, ts);
  }
  submitBracket(b: BracketRequest, ts: number): Bracket {
    return this.target.submitBracket(b, ts);
  }
  get submitOco(): ExecutionVenue['submitOco'] {
    const t = this.target;
    return t.submitOco === undefined ? undefined : (o, ts) => t.submitOco!(o, ts);
  }
  cancel(id: string, reason?: string): boolean {
    return this.target.cancel(id, reason);
  }
  modify(id: string, price: number): Order {
    return this.target.modify(id, price);
  }
  open(): Order[] {
    return this.target.open();
  }
  order(id: string): Order | undefined {
    return this.target.order(id);
  }
  position(): number {
    return this.target.position();
  }
  positionKnown(): boolean {
    return this.target.positionKnown?.() ?? true;
  }
  otherPositions(): number {
    return this.target.otherPositions?.() ?? 0;
  }
  onTick(tick: TradeTick): Fill[] {
    return this.target.onTick(tick);
  }
  onBar(bar: Bar): Fill[] {
    return this.target.onBar(bar);
  }
  drainFills(): Fill[] {
    return this.target.drainFills?.() ?? [];
  }
  drainCommissionCorrections(): CommissionCorrection[] {
    return this.target.drainCommissionCorrections?.() ?? [];
  }
  get globalCancel(): (() => void) | undefined {
    const t = this.target;
    return t.globalCancel === undefined ? undefined : () => t.globalCancel?.();
  }
}
