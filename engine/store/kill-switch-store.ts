/**
 * The kill switch's durable home: one row in `kill_switch` and an event per
 * transition in `kill_switch_events`, written in one transaction before the
 * engine acts on the new state (migration 3). Not batched: safety state is
 * never left in a buffer.
 */
import { storedTrigger, type KillSwitchEvent, type KillSwitchStatus, type KillSwitchStore } from '../risk/kill-switch.js';
import type { Db } from './db.js';

interface Row {
  state: KillSwitchStatus['state'];
  trigger: string | null;
  detail: string | null;
  tripped_at: number | null;
  flat: number;
  updated_at: number;
}

/** The kill switch stored in the journal database. */
export class SqliteKillSwitchStore implements KillSwitchStore {
  private readonly select;
  private readonly upsert;
  private readonly insertEvent;

  constructor(private readonly db: Db) {
    this.select = db.prepare(`SELECT state, trigger, detail, tripped_at, flat, updated_at FROM kill_switch WHERE id = 1`);
    this.upsert = db.prepare(
      `INSERT INTO kill_switch (id, state, trigger, detail, tripped_at, flat, updated_at) VALUES (1, @state, @trigger, @detail, @trippedAt, @flat, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, trigger = excluded.trigger, detail = excluded.detail,
         tripped_at = excluded.tripped_at, flat = excluded.flat, updated_at = excluded.updated_at`,
    );
    this.insertEvent = db.prepare(`INSERT INTO kill_switch_events (ts, from_state, to_state, trigger, who, reason) VALUES (?, ?, ?, ?, ?, ?)`);
  }

  load(): KillSwitchStatus | null {
    const r = this.select.get() as Row | undefined;
    if (r === undefined) return null;
    const trigger = storedTrigger(r.trigger);
    return { state: r.state, trigger, detail: r.detail, trippedAt: r.tripped_at, flat: r.flat === 1, updatedAt: r.updated_at };
  }

  save(s: KillSwitchStatus, e: KillSwitchEvent): void {
    this.db.transaction(() => {
      this.upsert.run({ ...s, flat: s.flat ? 1 : 0 });
      this.insertEvent.run(e.ts, e.from, e.to, e.trigger, e.who, e.reason);
    })();
  }

  /** Every transition, oldest first. */
  events(): KillSwitchEvent[] {
    return (this.db.prepare(`SELECT ts, from_state AS "from", to_state AS "to", trigger, who, reason FROM kill_switch_events ORDER BY seq`).all() as KillSwitchEvent[]).map((e) => ({ ...e }));
  }
}
