/**
 * CME equity index futures (ES, NQ): the quarterly contracts and the front
 * month by the usual roll rule.
 *
 * - Contracts expire on the third Friday of March, June, September and
 *   December (CME rulebook, chapters 358 and 359: "Termination of trading").
 * - The front month rolls to the next contract eight calendar days before
 *   expiry (the Thursday of the week before, when most volume moves), or
 *   earlier when the next contract already trades more volume.
 */

/** One quarterly futures contract. */
export interface FuturesContract {
  readonly root: string;
  /** 3, 6, 9 or 12. */
  readonly month: number;
  readonly year: number;
  /** The expiry date, Unix ms at 00:00 UTC of the third Friday. */
  readonly expiryMs: number;
  /** CME month code + one-digit year, IB's local symbol (ESZ3). */
  readonly localSymbol: string;
  /** IB's lastTradeDateOrContractMonth (YYYYMM). */
  readonly contractMonth: string;
  /** Sierra Chart's symbol (ESZ23-CME). */
  readonly sierraSymbol: string;
}

const MONTH_CODE: Readonly<Record<number, string>> = { 3: 'H', 6: 'M', 9: 'U', 12: 'Z' };
const DAY_MS = 86_400_000;
/** Calendar days before expiry the front month rolls. */
export const ROLL_DAYS_BEFORE_EXPIRY = 8;

/** The third Friday of a month, Unix ms at 00:00 UTC. */
export function thirdFriday(year: number, month: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const toFriday = (5 - first.getUTCDay() + 7) % 7;
  return Date.UTC(year, month - 1, 1 + toFriday + 14);
}

/** The contract of `root` for a quarterly `month` of `year`. */
export function contract(root: string, year: number, month: number): FuturesContract {
  const code = MONTH_CODE[month];
  if (code === undefined) throw new Error(`${root}: month ${month} is not a quarterly contract month (3, 6, 9, 12)`);
  return {
    root,
    month,
    year,
    expiryMs: thirdFriday(year, month),
    localSymbol: `${root}${code}${year % 10}`,
    contractMonth: `${year}${String(month).padStart(2, '0')}`,
    sierraSymbol: `${root}${code}${String(year % 100).padStart(2, '0')}-CME`,
  };
}

/** The first quarterly contract of `root` expiring on or after `ms`, and the one after it. */
function listed(root: string, ms: number): [FuturesContract, FuturesContract] {
  const d = new Date(ms);
  let year = d.getUTCFullYear();
  let month = Math.ceil((d.getUTCMonth() + 1) / 3) * 3;
  let c = contract(root, year, month);
  if (c.expiryMs < Date.UTC(year, d.getUTCMonth(), d.getUTCDate())) {
    month += 3;
    if (month > 12) {
      month = 3;
      year += 1;
    }
    c = contract(root, year, month);
  }
  const nextMonth = c.month === 12 ? 3 : c.month + 3;
  return [c, contract(root, c.month === 12 ? c.year + 1 : c.year, nextMonth)];
}

/**
 * The front month of `root` at `nowMs`: the nearest contract until eight
 * days before its expiry, or until the next contract's volume is larger
 * (`volumes`, when known), then the next one.
 */
export function frontMonth(root: string, nowMs: number, volumes?: { readonly nearest: number; readonly next: number }): { readonly front: FuturesContract; readonly next: FuturesContract; readonly rollMs: number; readonly reason: 'calendar' | 'volume' | null } {
  const [nearest, following] = listed(root, nowMs);
  const rollMs = nearest.expiryMs - ROLL_DAYS_BEFORE_EXPIRY * DAY_MS;
  if (nowMs >= rollMs) {
    const [, after] = listed(root, nearest.expiryMs + DAY_MS);
    return { front: following, next: after, rollMs, reason: 'calendar' };
  }
  if (volumes !== undefined && volumes.next > volumes.nearest) return { front: following, next: listed(root, nearest.expiryMs + DAY_MS)[1], rollMs, reason: 'volume' };
  return { front: nearest, next: following, rollMs, reason: null };
}
