/**
 * A CSV line's fields read from their character codes (issue 19, parsing
 * speed): the offsets of the comma-separated fields, their decimals and
 * their date and time, with no split, substring, trim or regular
 * expression per line. It only ever answers what the plain reader
 * (bar-files.ts: split, trim, parseDecimal, parseCsvTimestamp) answers, or
 * says it cannot: a line with a character it leaves to String.trim, a
 * number with an exponent or more than 15 significant digits, a date or
 * time in another shape. The reader then reads that line the plain way, so
 * values and the errors naming a bad field stay the same.
 *
 * Decimals: an integer mantissa m below 10^15 and k fraction digits give
 * m / 10^k, one IEEE division of two exact doubles, which rounds the exact
 * decimal as Number() does (ECMA-262 Number::toString's inverse rounds to
 * nearest; so does the division): the same double.
 */

/** Fields a line may have on the fast path. */
const MAX_FIELDS = 64;
/** Powers of ten exact as doubles (10^0 to 10^22). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const COMMA = 44;
const SPACE = 32;
const TAB = 9;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const ZERO = 48;
const SLASH = 47;
const COLON = 58;

/** A wall time as a file writes it, before its zone. */
export interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const isDigit = (c: number): boolean => c >= ZERO && c <= ZERO + 9;

/** The fields of one line at a time (reused: `read` replaces what the last line left). */
export class LineFields {
  private line = '';
  private readonly starts = new Int32Array(MAX_FIELDS);
  private readonly ends = new Int32Array(MAX_FIELDS);
  /** Fields of the line read. */
  count = 0;

  /**
   * Takes `line`: its fields at the commas, each without the spaces and tabs
   * around it. False when the fast path leaves the line to the plain reader
   * (a character outside printable ASCII, or more than 64 fields).
   */
  read(line: string): boolean {
    this.line = line;
    let n = 0;
    let start = 0;
    const len = line.length;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? line.charCodeAt(i) : COMMA;
      if (c === COMMA) {
        if (n === MAX_FIELDS) return false;
        let s = start;
        let e = i;
        while (s < e && (line.charCodeAt(s) === SPACE || line.charCodeAt(s) === TAB)) s++;
        while (e > s && (line.charCodeAt(e - 1) === SPACE || line.charCodeAt(e - 1) === TAB)) e--;
        this.starts[n] = s;
        this.ends[n] = e;
        n++;
        start = i + 1;
      } else if ((c < SPACE && c !== TAB) || c > 126) return false;
    }
    this.count = n;
    return true;
  }

  /** Whether field `i` is absent or blank. */
  blank(i: number): boolean {
    return i >= this.count || this.starts[i] === this.ends[i];
  }

  /** Field `i`'s text (for a message or the plain path). */
  text(i: number): string {
    return i >= this.count ? '' : this.line.slice(this.starts[i], this.ends[i]);
  }

  /**
   * Field `i` as a plain decimal (`[+-]digits[.digits]`, at most 15
   * significant digits), exactly as parseDecimal reads it; NaN when the
   * field is not one of those (parseDecimal then decides: an exponent, a long
   * mantissa, or no number at all).
   */
  decimal(i: number): number {
    const line = this.line;
    let p = this.starts[i]!;
    const e = this.ends[i]!;
    let sign = 1;
    const c0 = line.charCodeAt(p);
    if (c0 === MINUS || c0 === PLUS) {
      if (c0 === MINUS) sign = -1;
      p++;
    }
    let m = 0;
    let digits = 0;
    let significant = 0;
    let frac = -1;
    for (; p < e; p++) {
      const c = line.charCodeAt(p);
      if (isDigit(c)) {
        m = m * 10 + (c - ZERO);
        digits++;
        if (m !== 0) significant++;
        if (frac >= 0) frac++;
      } else if (c === DOT && frac < 0) frac = 0;
      else return Number.NaN;
    }
    if (digits === 0 || significant > 15) return Number.NaN;
    return (sign * m) / POW10[frac < 0 ? 0 : frac]!;
  }

  /**
   * Fields `date` and `time` as Sierra Chart writes them (`2014/12/23`,
   * `18:00:00`) into `out`; false for any other shape.
   */
  sierraDateTime(date: number, time: number, out: WallFields): boolean {
    const line = this.line;
    let p = this.starts[date]!;
    const end = this.ends[date]!;
    const year = this.digitsAt(p, 4);
    if (year < 0 || line.charCodeAt(p + 4) !== SLASH) return false;
    p += 5;
    const month = this.upTo2(p, end);
    if (month < 0) return false;
    p += this.width;
    if (line.charCodeAt(p) !== SLASH) return false;
    p += 1;
    const day = this.upTo2(p, end);
    if (day < 0 || p + this.width !== end) return false;
    out.year = year;
    out.month = month;
    out.day = day;
    return this.clock(this.starts[time]!, this.ends[time]!, out, false);
  }

  /** Field `i` as `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS.fff` (no zone) into `out`; false for any other shape. */
  isoDateTime(i: number, out: WallFields): boolean {
    const line = this.line;
    const s = this.starts[i]!;
    const e = this.ends[i]!;
    const year = this.digitsAt(s, 4);
    const month = this.digitsAt(s + 5, 2);
    const day = this.digitsAt(s + 8, 2);
    const sep = line.charCodeAt(s + 10);
    if (year < 0 || month < 0 || day < 0 || line.charCodeAt(s + 4) !== MINUS || line.charCodeAt(s + 7) !== MINUS || (sep !== SPACE && sep !== 84 /* T */)) return false;
    out.year = year;
    out.month = month;
    out.day = day;
    return this.clock(s + 11, e, out, true);
  }

  /** `HH:MM:SS` (two-digit hour) or, with `fraction`, `.fff` after it, filling `out`'s time. */
  private clock(s: number, e: number, out: WallFields, fraction: boolean): boolean {
    const line = this.line;
    const hour = this.digitsAt(s, 2);
    const minute = this.digitsAt(s + 3, 2);
    const second = this.digitsAt(s + 6, 2);
    if (hour < 0 || minute < 0 || second < 0 || line.charCodeAt(s + 2) !== COLON || line.charCodeAt(s + 5) !== COLON) return false;
    let ms = 0;
    if (e === s + 12 && fraction && line.charCodeAt(s + 8) === DOT) {
      ms = this.digitsAt(s + 9, 3);
      if (ms < 0) return false;
    } else if (e !== s + 8) return false;
    out.hour = hour;
    out.minute = minute;
    out.second = second;
    out.ms = ms;
    return true;
  }

  /** The `n` digits at `p` as a number, -1 when they are not all digits. */
  private digitsAt(p: number, n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const c = this.line.charCodeAt(p + k);
      if (!isDigit(c)) return -1;
      v = v * 10 + (c - ZERO);
    }
    return v;
  }

  /** How many digits the last upTo2 read. */
  private width = 0;

  /** One or two digits at `p` (before `end`), -1 when none; `width` says how many. */
  private upTo2(p: number, end: number): number {
    const a = this.line.charCodeAt(p);
    if (p >= end || !isDigit(a)) return -1;
    const b = this.line.charCodeAt(p + 1);
    const two = p + 1 < end && isDigit(b);
    this.width = two ? 2 : 1;
    return two ? (a - ZERO) * 10 + (b - ZERO) : a - ZERO;
  }
}
