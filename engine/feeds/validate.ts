/**
 * Boundary checks shared by every feed: finite, positive, on the tick grid,
 * consistent OHLC, time never going backwards (architecture.md, "Fail fast on
 * bad data at the boundary").
 */
import { isOnTickGrid, type Bar, type TradeTick } from '../domain.js';
import { RecordError, type RejectReason } from './rejections.js';

/**
 * Where the record being read sits. Readers keep one cursor and move `n`
 * along, so a valid record costs no allocation; the text of the location is
 * built only for an error.
 */
export interface RecordCursor {
  readonly file: string;
  readonly unit: 'line' | 'record';
  /** 1-based line or record number. */
  n: number;
}

/** `line 12` / `record 5`. */
export function locationOf(at: RecordCursor): string {
  return `${at.unit} ${at.n}`;
}

/** A RecordError at the cursor. */
export function errorAt(at: RecordCursor, field: string, reason: RejectReason, detail: string): RecordError {
  return new RecordError(at.file, locationOf(at), field, reason, detail);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/;

/**
 * A plain decimal number from text (surrounding blanks allowed), NaN for
 * anything else: Number() would read "0x110D" as 4365, " " as 0 and
 * "Infinity" as a number (issue 16).
 */
export function parseDecimal(text: string): number {
  const t = text.trim();
  return DECIMAL.test(t) ? Number(t) : Number.NaN;
}

/** Earliest and latest market times a record may carry, Unix ms (1970 to 2100): beyond them a time is a corrupt field. */
const EARLIEST_TS = 0;
const LATEST_TS = Date.UTC(2100, 0, 1);

/** A time for a message: ISO 8601, or the raw number when no date can show it (never "Invalid time value"). */
export function isoTime(ts: number): string {
  return Number.isFinite(ts) && Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : `${ts} ms`;
}
const iso = isoTime;

/**
 * Validates a feed's records in order. One instance per file: it remembers
 * the last accepted timestamp.
 */
/** A price this far (as a share) from the last accepted one, or a bar's high or low this far from its open and close, is an outlier. */
export const PRICE_OUTLIER_SHARE = 0.25;
/** Outliers in a row that agree with each other: the market is there, the reference was the outlier (a bad first record). */
const OUTLIERS_TO_MOVE = 3;

/**
 * The largest price taken, in ticks: 2^22 (ES at 0.25: 1,048,576 points, 150
 * times its price today). Without a bound, a bad first record (which has no
 * neighbour to be an outlier against) made the session's volume profile span
 * up to 1.6e11 rows (issue 16: "Invalid typed array length"), and above
 * 2^53 ticks a row index stops counting (a loop that never ended).
 */
export const MAX_PRICE_TICKS = 2 ** 22;

export class RecordValidator {
  private lastTs = -Infinity;
  /** The last accepted price (points): the reference for outliers. */
  private reference = Number.NaN;
  /** Outliers in a row, and the first of them. */
  private outliers = 0;
  private outlierPrice = Number.NaN;

  /**
   * @param checksTime false when the caller orders the records in time itself
   *   (a file's reader, through `TimeOrder`); the live feed checks each
   *   record as it comes (true).
   */
  constructor(
    private readonly tickSize: number,
    private readonly checksTime = true,
  ) {}

  /** @throws RecordError naming the first bad field. */
  price(at: RecordCursor, field: string, value: number): void {
    if (!Number.isFinite(value)) throw errorAt(at, field, 'not-finite', `${value} is not a number`);
    if (value <= 0) throw errorAt(at, field, 'non-positive-price', `${value} is not a positive price`);
    if (value / this.tickSize > MAX_PRICE_TICKS) {
      throw errorAt(at, field, 'price-out-of-range', `${value} is above ${MAX_PRICE_TICKS * this.tickSize}, the largest price taken (${MAX_PRICE_TICKS} ticks)`);
    }
    if (!isOnTickGrid(value, this.tickSize)) {
      throw errorAt(at, field, 'off-tick-grid', `${value} is off the ${this.tickSize} tick grid`);
    }
  }

  /** @throws RecordError when a volume is not finite or negative. */
  volume(at: RecordCursor, field: string, value: number): void {
    if (!Number.isFinite(value)) throw errorAt(at, field, 'not-finite', `${value} is not a number`);
    if (value < 0) throw errorAt(at, field, 'negative-volume', `${value} is negative`);
  }

  /**
   * Accepts `ts` if it does not go back in time (equal is allowed for ticks,
   * not for bars). Call last, after every other check passed.
   * @throws RecordError when time goes backwards.
   */
  time(at: RecordCursor, field: string, ts: number, strictlyIncreasing: boolean): void {
    if (!Number.isFinite(ts)) throw errorAt(at, field, 'not-finite', `${ts} is not a time`);
    if (ts < this.lastTs || (strictlyIncreasing && ts === this.lastTs)) {
      throw errorAt(at, field,
        'time-backwards',
        `${iso(ts)} is not after the previous record's ${iso(this.lastTs)}`,
      );
    }
    this.lastTs = ts;
  }

  /**
   * A price 25% away from the last accepted one is an outlier (ES moved
   * under 20% in its worst day; a price of 2e8 spread a session's volume
   * profile over 8e8 rows). Three in a row that agree move the reference
   * instead: the market is there, and it was the reference that was wrong.
   * @throws RecordError 'price-outlier'.
   */
  private near(at: RecordCursor, field: string, price: number): void {
    const ref = this.reference;
    if (Number.isNaN(ref) || Math.abs(price / ref - 1) <= PRICE_OUTLIER_SHARE) {
      this.reference = price;
      this.outliers = 0;
      return;
    }
    const agrees = this.outliers > 0 && Math.abs(price / this.outlierPrice - 1) <= PRICE_OUTLIER_SHARE;
    this.outliers = agrees ? this.outliers + 1 : 1;
    if (!agrees) this.outlierPrice = price;
    if (this.outliers >= OUTLIERS_TO_MOVE) {
      this.reference = price;
      this.outliers = 0;
      return;
    }
    throw errorAt(at, field, 'price-outlier', `${price} is more than ${100 * PRICE_OUTLIER_SHARE}% from the previous price ${ref}`);
  }

  /** Full check of a bar; accepts its time last. @throws RecordError */
  bar(at: RecordCursor, bar: Bar): void {
    this.price(at, 'open', bar.open);
    this.price(at, 'high', bar.high);
    this.price(at, 'low', bar.low);
    this.price(at, 'close', bar.close);
    if (bar.high < Math.max(bar.open, bar.close, bar.low) || bar.low > Math.min(bar.open, bar.close)) {
      throw errorAt(at, 'high',
        'inconsistent-ohlc',
        `high ${bar.high} / low ${bar.low} do not contain open ${bar.open} and close ${bar.close}`,
      );
    }
    const body = Math.min(bar.open, bar.close);
    if (bar.high > Math.max(bar.open, bar.close) * (1 + PRICE_OUTLIER_SHARE) || bar.low < body * (1 - PRICE_OUTLIER_SHARE)) {
      throw errorAt(at, bar.high > Math.max(bar.open, bar.close) * (1 + PRICE_OUTLIER_SHARE) ? 'high' : 'low', 'price-outlier', `high ${bar.high} / low ${bar.low} are more than ${100 * PRICE_OUTLIER_SHARE}% from open ${bar.open} and close ${bar.close}`);
    }
    this.volume(at, 'volume', bar.volume);
    this.volume(at, 'bidVolume', bar.bidVolume);
    this.volume(at, 'askVolume', bar.askVolume);
    if (!Number.isFinite(bar.ts)) throw errorAt(at, 'timestamp', 'not-finite', `${bar.ts} is not a time`);
    if (bar.ts < EARLIEST_TS || bar.ts >= LATEST_TS) throw errorAt(at, 'timestamp', 'malformed', `${iso(bar.ts)} is not a time between 1970 and 2100`);
    this.near(at, 'close', bar.close);
    if (this.checksTime) this.time(at, 'timestamp', bar.ts, true);
  }

  /** Full check of a trade; accepts its time last. @throws RecordError */
  tick(at: RecordCursor, tick: TradeTick): void {
    this.price(at, 'price', tick.price);
    if (!Number.isFinite(tick.size) || tick.size <= 0) {
      throw errorAt(at, 'size', 'negative-volume', `${tick.size} is not a positive trade size`);
    }
    if (!Number.isFinite(tick.tsEvent)) throw errorAt(at, 'ts', 'not-finite', `${tick.tsEvent} is not a time`);
    if (tick.tsEvent < EARLIEST_TS || tick.tsEvent >= LATEST_TS) throw errorAt(at, 'ts', 'malformed', `${iso(tick.tsEvent)} is not a time between 1970 and 2100`);
    this.near(at, 'price', tick.price);
    if (this.checksTime) this.time(at, 'ts', tick.tsEvent, false);
  }
}

/** Without a record before it, the first one is an outlier only if the second is this much (ms) earlier. */
export const HOLD_FORWARD_MS = 3_600_000;


/**
 * A file's records in time order, with one record of lookahead (issue 16):
 * a record dated ahead of both its neighbours (e.g. a year typed wrong, or a
 * timestamp byte flipped) is rejected alone ('time-outlier'), instead of
 * being accepted and every good record after it rejected as going back in
 * time. Each record is held until the next one: when that one falls between
 * the last record emitted and the held one, and the held one stands further
 * above it than it stands above the last one emitted, the held record was
 * the outlier; otherwise the held record goes out and a next one that goes
 * back in time is rejected itself ('time-backwards'). Nothing throws: every
 * rejection goes to `reject`.
 */
export class TimeOrder<T> {
  private lastTs = Number.NEGATIVE_INFINITY;
  /** The record held for one record of lookahead (no allocation per record), with its line or record number. */
  private holding = false;
  private heldRec: T | undefined = undefined;
  private heldTs = 0;
  private heldAt = 0;
  private heldField = '';

  /** @param strict bars: each after the last; ticks may share a timestamp. @param unit how the file counts its records. */
  constructor(
    private readonly file: string,
    private readonly unit: RecordCursor['unit'],
    private readonly strict: boolean,
    private readonly reject: (r: RecordError) => void,
  ) {}

  /** Offers the next record (every other check passed); pushes the records to emit now onto `out`, in order. */
  offer(at: RecordCursor, field: string, rec: T, ts: number, out: T[]): void {
    if (this.holding) {
      this.holding = false;
      const last = this.lastTs;
      const h = this.heldTs;
      const sticksOut = Number.isFinite(last) ? h - ts > ts - last : h - ts > HOLD_FORWARD_MS;
      if (this.follows(ts, last) && ts < h && sticksOut) {
        const where = locationOf({ file: this.file, unit: this.unit, n: this.heldAt });
        this.reject(new RecordError(this.file, where, this.heldField, 'time-outlier', `${iso(h)} is ahead of both its neighbours (${Number.isFinite(last) ? iso(last) : 'the start'} and ${iso(ts)})`));
      } else {
        out.push(this.heldRec as T);
        this.lastTs = h;
      }
    }
    if (!this.follows(ts, this.lastTs)) {
      this.reject(errorAt(at, field, 'time-backwards', `${iso(ts)} is not after the previous record's ${iso(this.lastTs)}`));
      return;
    }
    this.holding = true;
    this.heldRec = rec;
    this.heldTs = ts;
    this.heldAt = at.n;
    this.heldField = field;
  }

  /** The end of the file: a record still held goes out (nothing came after it to contradict it). */
  end(): T[] {
    if (!this.holding) return [];
    this.holding = false;
    this.lastTs = this.heldTs;
    return [this.heldRec as T];
  }

  private follows(ts: number, prev: number): boolean {
    return this.strict ? ts > prev : ts >= prev;
  }
}
