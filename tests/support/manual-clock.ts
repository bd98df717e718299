/**
 * A hand-written wall clock for tests: time moves only when the test says so,
 * and due timers then fire in order (NautilusTrader's TestClock idea).
 */
import type { Clock, TimerHandle } from '../../engine/clock';

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: { at: number; seq: number; cb: () => void; cancelled: boolean }[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(atMs: number, cb: () => void): TimerHandle {
    const timer = { at: atMs, seq: this.seq++, cb, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      if (due.at > this.t) this.t = due.at;
      due.cb();
    }
    this.t = end;
  }
}

/** Polls `check` until it returns without throwing (never sleeps a fixed time). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000, everyMs = 10): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() - start > timeoutMs) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
