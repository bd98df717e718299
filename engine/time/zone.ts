/**
 * Wall time <-> Unix ms in an IANA time zone, DST-correct, built on `Intl`.
 *
 * Feeds call this once per record (CSV timestamps are zone-less ET wall time),
 * so UTC offsets are cached per zone and UTC hour: an offset can only change
 * on an hour boundary in every zone the exchanges use.
 */

/** Calendar fields of a wall time. `month` is 1..12. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Milliseconds, 0..999. */
  readonly ms: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Offsets by zone name (UTC hour index -> ms), shared by every Zone of that name: each zone of each run asked Intl again. */
const OFFSETS = new Map<string, Map<number, number>>();

/**
 * Converts between Unix ms and wall time in one zone. Build once per zone and
 * reuse: it owns an `Intl.DateTimeFormat` and an offset cache.
 * @throws RangeError when `timeZone` is not a valid IANA zone name.
 */
export class Zone {
  readonly name: string;
  private readonly fmt: Intl.DateTimeFormat;
  /** UTC hour index -> offset (ms, wall minus UTC); shared by every Zone of the same name (OFFSETS). */
  private readonly offsets: Map<number, number>;

  constructor(timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    this.name = this.fmt.resolvedOptions().timeZone;
    let shared = OFFSETS.get(this.name);
    if (shared === undefined) OFFSETS.set(this.name, (shared = new Map()));
    this.offsets = shared;
  }

  /**
   * Offset of wall time from UTC at instant `utcMs`, in ms (ET: -4 h or -5 h).
   * Intl is asked once for an hour and once for the same hour a day later:
   * when both agree, the day between holds no transition (no zone the
   * exchanges use changes twice within a day) and its 24 hours share the
   * offset; on a transition day each hour is asked on its own. Ten years of
   * bars ask Intl about 3,000 times a zone instead of 75,000.
   */
  offsetAt(utcMs: number): number {
    const hourKey = Math.floor(utcMs / HOUR_MS);
    const cached = this.offsets.get(hourKey);
    if (cached !== undefined) return cached;
    const off = this.computeOffset(hourKey);
    const dayLater = this.offsets.get(hourKey + 24) ?? this.computeOffset(hourKey + 24);
    this.offsets.set(hourKey + 24, dayLater);
    if (dayLater === off) {
      for (let h = hourKey; h < hourKey + 24; h++) if (!this.offsets.has(h)) this.offsets.set(h, off);
    } else this.offsets.set(hourKey, off);
    return off;
  }

  /** The offset (ms) at the start of UTC hour `hourKey`, from Intl. */
  private computeOffset(hourKey: number): number {
    const probe = hourKey * HOUR_MS;
    const w = this.partsOf(probe);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - probe;
  }

  /** Wall time in this zone of the instant `utcMs`. */
  wallTime(utcMs: number): WallTime {
    const d = new Date(utcMs + this.offsetAt(utcMs));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
    };
  }

  /**
   * The instant of a wall time in this zone. A wall time skipped by a spring-
   * forward gap maps as if the clock had not jumped (02:30 -> 03:30 EDT); an
   * ambiguous fall-back wall time maps to its first (daylight) occurrence.
   */
  toUtcMs(w: WallTime): number {
    return this.instantsOf(w)[0] as number;
  }

  /**
   * Every instant that reads as wall time `w` in this zone, earliest first:
   * two in the hour a fall-back repeats (01:30 EDT, then 01:30 EST), one
   * otherwise (a wall time skipped by a spring-forward gap reads as if the
   * clock had not jumped).
   */
  instantsOf(w: WallTime): number[] {
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
    // The offsets in force a day either side bound every real transition.
    const before = this.offsetAt(asUtc - DAY_MS);
    const after = this.offsetAt(asUtc + DAY_MS);
    const a = asUtc - before;
    const b = asUtc - after;
    const aValid = this.offsetAt(a) === before;
    const bValid = this.offsetAt(b) === after;
    if (aValid && bValid) return a === b ? [a] : [Math.min(a, b), Math.max(a, b)];
    if (aValid) return [a];
    if (bValid) return [b];
    return [a]; // in a spring-forward gap: read with the offset before the jump
  }

  /** ISO 8601 with this zone's offset, second precision: `2023-09-24T18:00:00-04:00`. */
  formatIso(utcMs: number): string {
    const off = this.offsetAt(utcMs);
    const w = this.wallTime(utcMs);
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off) / 60_000;
    return (
      `${w.year}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}` +
      `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
    );
  }

  private partsOf(utcMs: number): WallTime {
    const p = this.fmt.formatToParts(new Date(utcMs));
    const get = (type: Intl.DateTimeFormatPartTypes): number => {
      const part = p.find((x) => x.type === type);
      return part ? Number(part.value) : 0;
    };
    return {
      year: get('year'),
      month: get('month'),
      day: get('day'),
      hour: get('hour'),
      minute: get('minute'),
      second: get('second'),
      ms: 0,
    };
  }
}

/** Two-digit zero padding. */
export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD` of a wall time. */
export function isoDate(w: Pick<WallTime, 'year' | 'month' | 'day'>): string {
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
}
