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

/**
 * Validates a feed's records in order. One instance per file: it remembers
 * the last accepted timestamp.
 */
export class RecordValidator {
  private lastTs = -Infinity;

  constructor(private readonly tickSize: number) {}

  /** @throws RecordError naming the first bad field. */
  price(at: RecordCursor, field: string, value: number): void {
    if (!Number.isFinite(value)) throw errorAt(at, field, 'not-finite', `${value} is not a number`);
    if (value <= 0) throw errorAt(at, field, 'non-positive-price', `${value} is not a positive price`);
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
        `${new Date(ts).toISOString()} is not after the previous record's ${new Date(this.lastTs).toISOString()}`,
      );
    }
    this.lastTs = ts;
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
    this.volume(at, 'volume', bar.volume);
    this.volume(at, 'bidVolume', bar.bidVolume);
    this.volume(at, 'askVolume', bar.askVolume);
    this.time(at, 'timestamp', bar.ts, true);
  }

  /** Full check of a trade; accepts its time last. @throws RecordError */
  tick(at: RecordCursor, tick: TradeTick): void {
    this.price(at, 'price', tick.price);
    if (!Number.isFinite(tick.size) || tick.size <= 0) {
      throw errorAt(at, 'size', 'negative-volume', `${tick.size} is not a positive trade size`);
    }
    this.time(at, 'ts', tick.tsEvent, false);
  }
}
