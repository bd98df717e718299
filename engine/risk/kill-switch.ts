/**
 * The kill switch of battle-navale.md section 12: ACTIVE -> REDUCING ->
 * HALTED, latched across restarts, reset only by the trader with a reason.
 *
 * [Note: kill-switch states] A trigger moves ACTIVE to REDUCING: no new
 * entries, only cancels and orders that reduce a position, while the halt
 * sequence (engine/execution/trader.ts) cancels every working order, entries
 * first, and closes every position. Only when the venue confirms the account
 * flat (no position, no working order) does the switch become HALTED with
 * `flat` true. A position that appears while HALTED (a late fill) sends it
 * back to REDUCING. Every state is written to the store before the engine
 * acts on it, so a crash mid-sequence comes back latched and keeps flattening.
 */
import type { Clock } from '../clock.js';

export type KillSwitchState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** What tripped the switch (section 12's triggers). */
export type KillTrigger = 'manual' | 'daily-loss' | 'max-drawdown' | 'critical-error' | 'broker-lost' | 'stale-data' | 'performance';

export const KILL_TRIGGERS: readonly KillTrigger[] = ['manual', 'daily-loss', 'max-drawdown', 'critical-error', 'broker-lost', 'stale-data', 'performance'];

/** The switch as persisted and shown. Times Unix ms. */
export interface KillSwitchStatus {
  readonly state: KillSwitchState;
  readonly trigger: KillTrigger | null;
  readonly detail: string | null;
  readonly trippedAt: number | null;
  /** True once the venue confirmed no position and no working order after the trip. */
  readonly flat: boolean;
  readonly updatedAt: number;
}

/** One transition, for the journal. */
export interface KillSwitchEvent {
  readonly ts: number;
  readonly from: KillSwitchState;
  readonly to: KillSwitchState;
  readonly trigger: KillTrigger | null;
  /** Who acted: 'trader', 'risk', 'venue', 'watchdog', 'engine'. */
  readonly who: string;
  readonly reason: string | null;
}

/** Where the switch lives between restarts. `save` must be durable when it returns. */
export interface KillSwitchStore {
  load(): KillSwitchStatus | null;
  save(status: KillSwitchStatus, event: KillSwitchEvent): void;
}

/** A store for engines without a journal (tests, `--no-journal` runs). */
export class MemoryKillSwitchStore implements KillSwitchStore {
  status: KillSwitchStatus | null = null;
  readonly events: KillSwitchEvent[] = [];
  load(): KillSwitchStatus | null {
    return this.status;
  }
  save(status: KillSwitchStatus, event: KillSwitchEvent): void {
    this.status = status;
    this.events.push(event);
  }
}

/** Refused transition (e.g. a reset without a reason, or while still reducing). */
export class KillSwitchError extends Error {
  override readonly name = 'KillSwitchError';
}

/** The latched state machine. Time from the injected clock. */
export class KillSwitch {
  private s: KillSwitchStatus;
  private readonly listeners: ((s: KillSwitchStatus, e: KillSwitchEvent) => void)[] = [];

  constructor(
    private readonly store: KillSwitchStore,
    private readonly clock: Clock,
  ) {
    this.s = store.load() ?? { state: 'ACTIVE', trigger: null, detail: null, trippedAt: null, flat: true, updatedAt: clock.now() };
  }

  get status(): KillSwitchStatus {
    return this.s;
  }

  get state(): KillSwitchState {
    return this.s.state;
  }

  /** Calls `fn` with the new status and the transition after every transition; returns the unsubscribe. */
  onChange(fn: (s: KillSwitchStatus, e: KillSwitchEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** May an order of this kind go out now? Entries only when ACTIVE; reducing orders and cancels always. */
  allows(kind: 'entry' | 'reduce' | 'cancel'): boolean {
    return kind !== 'entry' || this.s.state === 'ACTIVE';
  }

  /**
   * Trips the switch: ACTIVE -> REDUCING, persisted before it returns. A switch
   * already latched keeps its first trigger. Returns true when this call tripped it.
   */
  trip(trigger: KillTrigger, detail: string, who: string): boolean {
    if (this.s.state !== 'ACTIVE') return false;
    const ts = this.clock.now();
    this.move({ state: 'REDUCING', trigger, detail, trippedAt: ts, flat: false, updatedAt: ts }, who, detail);
    return true;
  }

  /** The venue confirms no position and no working order: REDUCING -> HALTED, flat. */
  confirmFlat(who = 'venue'): void {
    if (this.s.state !== 'REDUCING') return;
    this.move({ ...this.s, state: 'HALTED', flat: true, updatedAt: this.clock.now() }, who, 'venue confirmed flat');
  }

  /** A position or working order exists again while HALTED: back to REDUCING, not flat. */
  exposureSeen(detail: string, who = 'venue'): void {
    if (this.s.state !== 'HALTED') return;
    this.move({ ...this.s, state: 'REDUCING', flat: false, updatedAt: this.clock.now() }, who, detail);
  }

  /**
   * The trader re-arms the switch: HALTED -> ACTIVE. Opens nothing; signals
   * rejected while halted stay rejected.
   * @throws KillSwitchError when `reason` is blank or the account is not yet confirmed flat.
   */
  reset(reason: string, who = 'trader'): void {
    const why = reason.trim();
    if (why === '') throw new KillSwitchError('kill switch reset: a reason is required');
    if (this.s.state === 'ACTIVE') return;
    if (this.s.state !== 'HALTED') throw new KillSwitchError('kill switch reset: the account is not confirmed flat yet (still REDUCING)');
    this.move({ state: 'ACTIVE', trigger: null, detail: null, trippedAt: null, flat: true, updatedAt: this.clock.now() }, who, why);
  }

  private move(next: KillSwitchStatus, who: string, reason: string | null): void {
    const event: KillSwitchEvent = { ts: next.updatedAt, from: this.s.state, to: next.state, trigger: next.trigger ?? this.s.trigger, who, reason };
    this.store.save(next, event);
    this.s = next;
    for (const fn of [...this.listeners]) fn(next, event);
  }
}
