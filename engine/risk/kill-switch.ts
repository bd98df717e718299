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
 * acts on it, so a crash mid-sequence comes back latched and keeps flattening;
 * a state the store could not write (a full disk) is acted on all the same.
 *
 * HALTED with `flat` false means the exposure is unknown: the engine stopped
 * mid-halt, or uncleanly during a live run at a broker, and nothing has read
 * the broker's positions since (`awaitBroker`). Only the broker's complete
 * position report confirms flat (`confirmFlat`) or sends the switch back to
 * REDUCING (`exposureSeen`); until then a reset is refused (issue 16).
 */
import type { Clock } from '../clock.js';

export type KillSwitchState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** What tripped the switch (section 12's triggers). */
export type KillTrigger = 'manual' | 'daily-loss' | 'max-drawdown' | 'critical-error' | 'broker-lost' | 'stale-data' | 'performance';

export const KILL_TRIGGERS: readonly KillTrigger[] = ['manual', 'daily-loss', 'max-drawdown', 'critical-error', 'broker-lost', 'stale-data', 'performance'];

/** A stored trigger read back: null stays null, an unknown one (a newer app's, or a damaged store) is a critical error. */
export function storedTrigger(value: unknown): KillTrigger | null {
  if (value === null || value === undefined) return null;
  return (KILL_TRIGGERS as readonly unknown[]).includes(value) ? (value as KillTrigger) : 'critical-error';
}

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

  /**
   * @param unsaved told when a transition could not be persisted: the switch
   *   acts on it all the same (a halt never waits for a disk), and the caller
   *   raises a critical alert.
   */
  constructor(
    private readonly store: KillSwitchStore,
    private readonly clock: Clock,
    private readonly unsaved: (error: Error, next: KillSwitchStatus) => void = () => undefined,
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

  private readonly venues = new Map<string, () => boolean>();

  /**
   * Registers a venue that may hold the account's exposure (the open run's,
   * the order route's broker) by a probe saying whether it is flat now, as its
   * owner knows it (a broker: only once it reported its positions). Returns
   * the remover.
   */
  watchVenue(name: string, flat: () => boolean): () => void {
    this.venues.set(name, flat);
    return () => this.venues.delete(name);
  }

  /**
   * A venue confirms no position and no working order: REDUCING (or HALTED
   * awaiting the broker) -> HALTED, flat, when every watched venue is flat
   * too (one venue's flat is not the account's); otherwise nothing changes,
   * and the last venue to flatten confirms.
   */
  confirmFlat(who = 'venue'): void {
    if (this.s.state === 'ACTIVE' || (this.s.state === 'HALTED' && this.s.flat)) return;
    for (const flat of this.venues.values()) if (!flat()) return;
    this.move({ ...this.s, state: 'HALTED', flat: true, updatedAt: this.clock.now() }, who, 'venue confirmed flat');
  }

  /**
   * Nothing can flatten or confirm now, and a broker may hold a position
   * (a restart mid-halt, an unclean exit during a live run at a broker):
   * HALTED, not flat, until the broker's positions are read. An ACTIVE
   * switch is tripped with `trigger`; a HALTED one already confirmed flat
   * stays so.
   */
  awaitBroker(trigger: KillTrigger, detail: string, who = 'engine'): void {
    if (this.s.state === 'HALTED') return;
    const ts = this.clock.now();
    const tripped = this.s.state === 'ACTIVE' ? { trigger, detail, trippedAt: ts } : {};
    this.move({ ...this.s, ...tripped, state: 'HALTED', flat: false, updatedAt: ts }, who, detail);
  }

  /** A position or working order exists again while HALTED: back to REDUCING, not flat. */
  exposureSeen(detail: string, who = 'venue'): void {
    if (this.s.state !== 'HALTED') return;
    this.move({ ...this.s, state: 'REDUCING', flat: false, updatedAt: this.clock.now() }, who, detail);
  }

  /**
   * The trader re-arms the switch: HALTED -> ACTIVE. Opens nothing; signals
   * rejected while halted stay rejected.
   * @throws KillSwitchError when `reason` is blank, the switch is still REDUCING, or HALTED awaiting the broker's confirmation.
   */
  reset(reason: string, who = 'trader'): void {
    const why = reason.trim();
    if (why === '') throw new KillSwitchError('kill switch reset: a reason is required');
    if (this.s.state === 'ACTIVE') return;
    if (this.s.state !== 'HALTED') throw new KillSwitchError('kill switch reset: the account is not confirmed flat yet (still REDUCING)');
    if (!this.s.flat) throw new KillSwitchError("kill switch reset: the broker has not confirmed the account flat yet: connect the order route so the engine reads the broker's positions");
    this.move({ state: 'ACTIVE', trigger: null, detail: null, trippedAt: null, flat: true, updatedAt: this.clock.now() }, who, why);
  }

  private move(next: KillSwitchStatus, who: string, reason: string | null): void {
    const event: KillSwitchEvent = { ts: next.updatedAt, from: this.s.state, to: next.state, trigger: next.trigger ?? this.s.trigger, who, reason };
    let failure: Error | null = null;
    try {
      this.store.save(next, event);
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    this.s = next;
    for (const fn of [...this.listeners]) fn(next, event);
    if (failure !== null) this.unsaved(failure, next);
  }
}
