/**
 * The reconnect schedule both broker links follow (IB and DTC): after a drop
 * the link is opened again 1, 2, 4, 8 then every 10 s; past those first five
 * waits the panel shows "lost" instead of "reconnecting" (it keeps trying).
 * A successful connect starts the schedule over. Time comes from the
 * injected clock.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** Waits between reconnect attempts, ms. */
export const RECONNECT_MS: readonly number[] = [1000, 2000, 4000, 8000, 10000];

/** One link's place in the schedule, and whether the trader still wants it up. */
export class Reconnect {
  /** The trader wants the link up (false after disconnect or a refusal that must not be retried). */
  wanted = false;
  private attempts = 0;
  private timer: TimerHandle | null = null;

  constructor(private readonly clock: Clock) {}

  /** No attempt has failed since the last successful connect (or ever). */
  get first(): boolean {
    return this.attempts === 0;
  }

  /** The link is up: the next drop starts the schedule from its first wait. */
  succeeded(): void {
    this.attempts = 0;
  }

  /**
   * Calls `open` after the next wait of the schedule (if still wanted then).
   * @returns the state the link shows meanwhile.
   */
  schedule(open: () => void): 'reconnecting' | 'lost' {
    const wait = RECONNECT_MS[Math.min(this.attempts, RECONNECT_MS.length - 1)] as number;
    this.attempts += 1;
    this.timer?.cancel();
    this.timer = this.clock.setTimer(this.clock.now() + wait, () => {
      this.timer = null;
      if (this.wanted) open();
    });
    return this.attempts > RECONNECT_MS.length ? 'lost' : 'reconnecting';
  }

  /** Stops trying: not wanted, no attempt pending. */
  stop(): void {
    this.wanted = false;
    this.timer?.cancel();
    this.timer = null;
  }
}
