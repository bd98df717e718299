/**
 * The CME equity-futures session calendar (battle-navale.md section 6,
 * "Sessions"): Globex runs 18:00 ET to 17:00 ET the next day, a Sunday 18:00
 * open belonging to Monday's session; RTH runs 09:30 to 16:00 ET. VWAP and the
 * volume profile reset at each session's open.
 */
import { Zone, isoDate } from './zone.js';

/** Which session levels are computed over. */
export type SessionKind = 'globex' | 'rth';

/** One trading session. `[openTs, closeTs)` in Unix ms. */
export interface SessionInfo {
  /** The trade date, `YYYY-MM-DD` (the date of the session's close). */
  readonly id: string;
  readonly kind: SessionKind;
  readonly openTs: number;
  readonly closeTs: number;
}

const DAY_MS = 86_400_000;

/**
 * Maps instants to sessions. Caches the current session, so a feed's
 * monotonic timestamps cost one range check each.
 */
export class SessionCalendar {
  readonly kind: SessionKind;
  readonly zone: Zone;
  private current: SessionInfo | null = null;

  /** @throws RangeError when `timeZone` is not an IANA zone. */
  constructor(kind: SessionKind, timeZone = 'America/New_York') {
    this.kind = kind;
    this.zone = new Zone(timeZone);
  }

  /**
   * The session holding instant `ts` (Unix ms), or null when `ts` is outside
   * every session (the 17:00-18:00 ET halt for Globex; outside 09:30-16:00 ET
   * for RTH). Weekend instants map to the next Monday's Globex session.
   */
  sessionAt(ts: number): SessionInfo | null {
    const cur = this.current;
    if (cur !== null && ts >= cur.openTs && ts < cur.closeTs) return cur;
    const s = this.kind === 'globex' ? this.globexAt(ts) : this.rthAt(ts);
    if (s !== null) this.current = s;
    return s;
  }

  private globexAt(ts: number): SessionInfo | null {
    const w = this.zone.wallTime(ts);
    const minutes = w.hour * 60 + w.minute;
    if (minutes >= 17 * 60 && minutes < 18 * 60) return null;
    // From 18:00 the instant belongs to the next calendar day's session.
    const base = Date.UTC(w.year, w.month - 1, w.day) + (minutes >= 18 * 60 ? DAY_MS : 0);
    let trade = new Date(base);
    // Saturday and Sunday (before the 18:00 open) roll to Monday.
    const dow = trade.getUTCDay();
    if (dow === 6) trade = new Date(base + 2 * DAY_MS);
    else if (dow === 0) trade = new Date(base + DAY_MS);
    const y = trade.getUTCFullYear();
    const m = trade.getUTCMonth() + 1;
    const d = trade.getUTCDate();
    const prev = new Date(Date.UTC(y, m - 1, d) - DAY_MS);
    const openTs = this.zone.toUtcMs({
      year: prev.getUTCFullYear(),
      month: prev.getUTCMonth() + 1,
      day: prev.getUTCDate(),
      hour: 18,
      minute: 0,
      second: 0,
      ms: 0,
    });
    const closeTs = this.zone.toUtcMs({ year: y, month: m, day: d, hour: 17, minute: 0, second: 0, ms: 0 });
    if (ts < openTs) return null; // Saturday, or Sunday before the open: no session yet
    return { id: isoDate({ year: y, month: m, day: d }), kind: 'globex', openTs, closeTs };
  }

  private rthAt(ts: number): SessionInfo | null {
    const w = this.zone.wallTime(ts);
    const minutes = w.hour * 60 + w.minute;
    if (minutes < 9 * 60 + 30 || minutes >= 16 * 60) return null;
    const day = { year: w.year, month: w.month, day: w.day };
    return {
      id: isoDate(day),
      kind: 'rth',
      openTs: this.zone.toUtcMs({ ...day, hour: 9, minute: 30, second: 0, ms: 0 }),
      closeTs: this.zone.toUtcMs({ ...day, hour: 16, minute: 0, second: 0, ms: 0 }),
    };
  }
}
