/**
 * Injected time (architecture.md, "The kernel": the engine has no clock of its
 * own). Three clocks, one interface:
 * - `LiveClock`: the wall clock. The only place `Date.now` and `setTimeout` appear.
 * - `BacktestClock`: set to each event's timestamp, timers fire as data passes them.
 * - `ReplayClock`: market time paced against a wall clock by a speed factor.
 */

/** A cancellable timer. */
export interface TimerHandle {
  cancel(): void;
}

/** The engine's source of time and timers. Times are Unix ms. */
export interface Clock {
  now(): number;
  /** Calls `cb` once this clock reaches `atMs` (at once, asynchronously, if already past). */
  setTimer(atMs: number, cb: () => void): TimerHandle;
}

/** The wall clock. */
export class LiveClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(atMs: number, cb: () => void): TimerHandle {
    const h = setTimeout(cb, Math.max(0, atMs - Date.now()));
    return { cancel: () => clearTimeout(h) };
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  cb: () => void;
  cancelled: boolean;
}

/**
 * A clock set from the data: `advanceTo(ts)` moves it forward and fires, in
 * time order, every timer due by then. Never moves backwards.
 */
export class BacktestClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(atMs: number, cb: () => void): TimerHandle {
    const timer: PendingTimer = { at: atMs, seq: this.seq++, cb, cancelled: false };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Moves time to `ts` (if later) and fires the timers due by then. */
  advanceTo(ts: number): void {
    while (this.timers.length > 0 && (this.timers[0] as PendingTimer).at <= ts) {
      const timer = this.timers.shift() as PendingTimer;
      if (timer.at > this.t) this.t = timer.at;
      if (!timer.cancelled) timer.cb();
    }
    if (ts > this.t) this.t = ts;
  }
}

/** Replay speeds: market ms per wall ms, or as fast as possible. */
export type ReplaySpeed = 1 | 5 | 25 | 100 | 'max';

/**
 * Market time paced by a speed factor against a wall clock. While playing,
 * `now()` advances `speed` times faster than the wall clock from an anchor;
 * paused, it stands still. At 'max', time is whatever the data last set.
 */
export class ReplayClock implements Clock {
  private anchorWall = 0;
  private anchorMarket: number;
  private running = false;
  private rate: ReplaySpeed = 1;

  constructor(
    private readonly wall: Clock,
    startMs: number,
  ) {
    this.anchorMarket = startMs;
  }

  get speed(): ReplaySpeed {
    return this.rate;
  }

  get playing(): boolean {
    return this.running;
  }

  now(): number {
    if (!this.running || this.rate === 'max') return this.anchorMarket;
    return this.anchorMarket + (this.wall.now() - this.anchorWall) * this.rate;
  }

  /** Wall time (Unix ms) at which market time `atMs` arrives; now when paused or at max. */
  wallTimeOf(atMs: number): number {
    if (!this.running || this.rate === 'max') return this.wall.now();
    return this.anchorWall + (atMs - this.anchorMarket) / this.rate;
  }

  setTimer(atMs: number, cb: () => void): TimerHandle {
    return this.wall.setTimer(this.wallTimeOf(atMs), cb);
  }

  /** Sets market time (data at max speed, a step, or a skipped gap) and re-anchors. */
  jumpTo(marketMs: number): void {
    this.anchorMarket = marketMs;
    this.anchorWall = this.wall.now();
  }

  play(): void {
    if (this.running) return;
    this.anchorWall = this.wall.now();
    this.running = true;
  }

  pause(): void {
    if (!this.running) return;
    this.anchorMarket = this.now();
    this.running = false;
  }

  setSpeed(speed: ReplaySpeed): void {
    this.anchorMarket = this.now();
    this.anchorWall = this.wall.now();
    this.rate = speed;
  }
}
