/**
 * The SPX option chain from Interactive Brokers, for the gamma levels
 * (engine/gamma/gex.ts): which options to ask for, and a rotation that asks
 * for them a few market-data lines at a time.
 *
 * - Selection: the nearest `expirations` expiries on or after the market's
 *   date, of every trading class IB lists for SPX (SPX monthlies and SPXW
 *   weeklies; a third Friday has both), strikes within `rangePct` of spot
 *   (issue 6: +-10%), calls and puts.
 * - Rotation: IB limits concurrent market-data lines (100 by default per
 *   account, shared with everything else the workstation streams). Each option
 *   holds a line only until its model computation tick (13: IV and gamma) and
 *   its open interest (generic tick 101: tick size 27 calls, 28 puts) arrived,
 *   or `lineTimeoutMs` passed; then the next one takes the line. A line TWS
 *   refuses (error 101, max tickers) halves the lines used and is asked again.
 *   The day's volume (tick size 8, a default tick) is kept when it came
 *   first, for options_flow_bias; the line does not wait for it.
 * - A cycle ends when every option was asked once; the chain is handed over
 *   with the options that gave IV and gamma (open interest and volume 0
 *   where none came).
 */
import type { Clock, TimerHandle } from '../../clock.js';
import type { ChainOption } from '../../gamma/chain.js';

/** One option as IB names it. */
export interface OptionSpec {
  readonly tradingClass: string;
  /** YYYYMMDD. */
  readonly expiry: string;
  /** Index points. */
  readonly strike: number;
  readonly right: 'C' | 'P';
}

/** The option parameters IB lists for an underlying (reqSecDefOptParams, one row per exchange and trading class). */
export interface SecDefParams {
  readonly exchange: string;
  readonly tradingClass: string;
  readonly multiplier: number;
  /** YYYYMMDD. */
  readonly expirations: readonly string[];
  readonly strikes: readonly number[];
}

/**
 * The options of the chain to ask for: the nearest `expirations` expiries on
 * or after `todayYmd` across trading classes, strikes within `rangePct` of
 * `spot`, both rights. Rows of the SMART exchange are used when listed (IB
 * lists the same parameters per exchange), else the first exchange's.
 * @throws RangeError when spot is not a positive number.
 */
export function selectOptions(params: readonly SecDefParams[], spot: number, todayYmd: string, opts: { expirations: number; rangePct: number }): OptionSpec[] {
  if (!(spot > 0)) throw new RangeError(`selectOptions: spot must be a positive index level, got ${spot}`);
  const exchange = params.some((p) => p.exchange === 'SMART') ? 'SMART' : params[0]?.exchange;
  const rows = params.filter((p) => p.exchange === exchange);
  const expiries = [...new Set(rows.flatMap((r) => r.expirations))].filter((e) => e >= todayYmd).sort().slice(0, opts.expirations);
  const lo = spot * (1 - opts.rangePct);
  const hi = spot * (1 + opts.rangePct);
  const out: OptionSpec[] = [];
  for (const expiry of expiries) {
    for (const r of rows) {
      if (!r.expirations.includes(expiry)) continue;
      for (const strike of [...r.strikes].sort((a, b) => a - b)) {
        if (strike < lo || strike > hi) continue;
        out.push({ tradingClass: r.tradingClass, expiry, strike, right: 'C' }, { tradingClass: r.tradingClass, expiry, strike, right: 'P' });
      }
    }
  }
  return out;
}

/** What the rotation needs from the IB link. */
export interface ChainLines {
  /** Asks for the option's market data (model computation and open interest); returns the request id. */
  request(o: OptionSpec): number;
  cancel(reqId: number): void;
}

interface Line {
  readonly spec: OptionSpec;
  iv: number;
  gamma: number;
  openInterest: number;
  /** The day's volume, contracts (tick 8, a default tick); NaN until it arrives. */
  volume: number;
  readonly timer: TimerHandle;
}

/** One pass over a chain, a bounded number of lines at a time (module header). */
export class ChainRotation {
  private queue: OptionSpec[] = [];
  private readonly lines = new Map<number, Line>();
  /** Every request of the pass (a refusal can arrive after its line timed out: requests wait in the pacing queue). */
  private readonly issued = new Map<number, OptionSpec>();
  private readonly got: ChainOption[] = [];
  private asked = 0;
  private maxLines: number;
  private running = false;

  constructor(
    private readonly ib: ChainLines,
    private readonly clock: Clock,
    opts: { readonly maxLines: number; readonly lineTimeoutMs: number },
    private readonly done: (options: ChainOption[], asked: number) => void,
  ) {
    this.maxLines = Math.max(1, opts.maxLines);
    this.lineTimeoutMs = opts.lineTimeoutMs;
  }

  private readonly lineTimeoutMs: number;

  /** Lines in use now. */
  get inUse(): number {
    return this.lines.size;
  }

  /** The most lines the rotation uses (halved by each refusal). */
  get lineLimit(): number {
    return this.maxLines;
  }

  get active(): boolean {
    return this.running;
  }

  /** Starts a pass over `specs` (a pass under way is dropped). */
  start(specs: readonly OptionSpec[]): void {
    this.stop();
    this.running = true;
    this.queue = [...specs];
    this.got.length = 0;
    this.asked = specs.length;
    this.fill();
  }

  /** Cancels every line; no chain is handed over. */
  stop(): void {
    for (const [reqId, l] of this.lines) {
      l.timer.cancel();
      this.ib.cancel(reqId);
    }
    this.lines.clear();
    this.issued.clear();
    this.queue = [];
    this.running = false;
  }

  /** The model computation tick (13) of a line: IV as a fraction, gamma per index point (NaN: not computed). */
  onComputation(reqId: number, iv: number, gamma: number): boolean {
    const l = this.lines.get(reqId);
    if (l === undefined) return false;
    if (Number.isFinite(iv) && iv >= 0) l.iv = iv;
    if (Number.isFinite(gamma) && gamma >= 0) l.gamma = gamma;
    this.check(reqId, l);
    return true;
  }

  /** Open interest (tick size 27 or 28) of a line, contracts. */
  onOpenInterest(reqId: number, oi: number): boolean {
    const l = this.lines.get(reqId);
    if (l === undefined) return false;
    if (Number.isFinite(oi) && oi >= 0) l.openInterest = oi;
    this.check(reqId, l);
    return true;
  }

  /**
   * The option's volume today (tick size 8), for options_flow_bias. Not
   * waited for: a line is done with IV, gamma and open interest, and an
   * option that has not traded may never send it (volume 0).
   * @returns false when `reqId` is not one of the rotation's lines.
   */
  onVolume(reqId: number, volume: number): boolean {
    const l = this.lines.get(reqId);
    if (l === undefined) return false;
    if (Number.isFinite(volume) && volume >= 0) l.volume = volume;
    return true;
  }

  /** TWS refused the line (max tickers): half the lines in use become the limit, and the option is asked again. */
  onRefused(reqId: number): boolean {
    const spec = this.issued.get(reqId);
    if (spec === undefined) return false;
    this.issued.delete(reqId);
    const l = this.lines.get(reqId);
    l?.timer.cancel();
    this.lines.delete(reqId);
    if (!this.running) return true;
    // Half the lines TWS granted: refusals of one burst shrink the limit once, not once each.
    this.maxLines = Math.max(1, Math.min(this.maxLines, Math.floor(this.lines.size / 2)));
    this.queue.unshift(spec);
    this.fill();
    return true;
  }

  /** TWS answered the line with an error (no such option): it is skipped. */
  onFailed(reqId: number): boolean {
    const l = this.lines.get(reqId);
    if (l === undefined) return false;
    this.release(reqId, l, false);
    return true;
  }

  private check(reqId: number, l: Line): void {
    if (Number.isFinite(l.iv) && Number.isFinite(l.gamma) && Number.isFinite(l.openInterest)) this.release(reqId, l, true);
  }

  private release(reqId: number, l: Line, keep: boolean): void {
    l.timer.cancel();
    this.lines.delete(reqId);
    this.ib.cancel(reqId);
    if (keep && Number.isFinite(l.iv) && Number.isFinite(l.gamma)) {
      const e = l.spec.expiry;
      this.got.push({
        kind: l.spec.right === 'C' ? 'call' : 'put',
        expiry: `${e.slice(0, 4)}-${e.slice(4, 6)}-${e.slice(6, 8)}`,
        strike: l.spec.strike,
        iv: l.iv,
        gamma: l.gamma,
        openInterest: Number.isFinite(l.openInterest) ? l.openInterest : 0,
        volume: Number.isFinite(l.volume) ? l.volume : 0,
      });
    }
    this.fill();
  }

  private fill(): void {
    while (this.running && this.lines.size < this.maxLines && this.queue.length > 0) {
      const spec = this.queue.shift() as OptionSpec;
      const reqId = this.ib.request(spec);
      this.issued.set(reqId, spec);
      const timer = this.clock.setTimer(this.clock.now() + this.lineTimeoutMs, () => {
        const l = this.lines.get(reqId);
        if (l !== undefined) this.release(reqId, l, true);
      });
      this.lines.set(reqId, { spec, iv: Number.NaN, gamma: Number.NaN, openInterest: Number.NaN, volume: Number.NaN, timer });
    }
    if (this.running && this.lines.size === 0 && this.queue.length === 0) {
      this.running = false;
      this.done([...this.got], this.asked);
    }
  }
}
