/**
 * The engine watchdog (architecture.md, "Processes"): the host sends the
 * engine a heartbeat every `intervalMs` and expects each one answered; an
 * engine that has answered nothing for `timeoutMs` (default 2 s) is declared
 * dead, and the host restarts it HALTED. Pure Node, shared by Electron main
 * and the headless shell; the host owns the timers, not the engine.
 */

/** How to watch. Times in ms. */
export interface WatchdogOptions {
  /** Sends heartbeat `seq` to the engine. */
  send(seq: number): void;
  /** The engine missed its heartbeats: called once, then the watchdog stops. */
  onDead(silentMs: number): void;
  /** Each answer's round trip from its heartbeat, ms (for benchmarks). */
  onAnswer?(rttMs: number): void;
  intervalMs?: number;
  timeoutMs?: number;
}

/** Heartbeats out, answers in, a verdict when the answers stop. */
export class EngineWatchdog {
  private seq = 0;
  /** When each unanswered heartbeat went out (performance.now, ms), by seq. */
  private readonly sent = new Map<number, number>();
  private lastAnswer = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: WatchdogOptions) {
    this.intervalMs = o.intervalMs ?? 500;
    this.timeoutMs = o.timeoutMs ?? 2000;
  }

  start(): void {
    this.stop();
    this.lastAnswer = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The engine answered heartbeat `seq`. */
  answered(seq: number): void {
    if (seq <= this.seq) this.lastAnswer = Date.now();
    const at = this.sent.get(seq);
    if (at === undefined) return;
    this.sent.delete(seq);
    this.o.onAnswer?.(performance.now() - at);
  }

  private tick(): void {
    const silent = Date.now() - this.lastAnswer;
    if (silent > this.timeoutMs) {
      this.stop();
      this.o.onDead(silent);
      return;
    }
    this.seq += 1;
    if (this.o.onAnswer !== undefined) {
      this.sent.set(this.seq, performance.now());
      // Unanswered beats older than the timeout are forgotten (the engine was restarted or dropped them).
      for (const k of this.sent.keys()) if (k < this.seq - Math.ceil(this.timeoutMs / this.intervalMs) - 1) this.sent.delete(k);
    }
    this.o.send(this.seq);
  }
}

/**
 * Restarts after an engine exits by itself (a crash, an out-of-memory kill,
 * a SIGKILL), like a frozen one, HALTED; at most `maxRestarts` within
 * `windowMs` (a crash loop is reported, not fed). Times from `now` (ms).
 */
export class EngineRestarts {
  private readonly at: number[] = [];

  constructor(
    private readonly maxRestarts = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether another restart is allowed now; counts it when it is. */
  allow(): boolean {
    const t = this.now();
    while (this.at.length > 0 && t - (this.at[0] as number) > this.windowMs) this.at.shift();
    if (this.at.length >= this.maxRestarts) return false;
    this.at.push(t);
    return true;
  }
}

/** Why the engine was restarted after it exited by itself (the `--halted` reason the window shows). */
export function exitReason(code: number | null, signal: string | null): string {
  return `engine restarted after it exited (${signal !== null ? `signal ${signal}` : `code ${code}`})`;
}
