/**
 * Bad records at the data boundary: a named error per record, and a tally of
 * what a run rejected and why (architecture.md: "reject the record, count it,
 * alert"). The run goes on after a rejection.
 */

/** Why a record was rejected; the tally groups by this. */
export type RejectReason =
  | 'malformed'
  | 'not-finite'
  | 'non-positive-price'
  | 'off-tick-grid'
  | 'inconsistent-ohlc'
  | 'negative-volume'
  | 'time-backwards'
  /** Dated ahead of both its neighbours (a forward-dated record in a file): it alone is rejected, not those after it. */
  | 'time-outlier'
  /** A price no ES market makes next to its neighbours (25% away), or a bar whose high or low is that far from its open and close. */
  | 'price-outlier'
  /** A price beyond MAX_PRICE_TICKS ticks (ES: 1,048,576 points): no market trades there, and the volume profile's rows stay bounded. */
  | 'price-out-of-range'
  | 'truncated';

/** One rejected record, located in its file. */
export interface Rejection {
  readonly file: string;
  /** `line N` for text files, `record N` for binary ones (both 1-based). */
  readonly location: string;
  readonly field: string;
  readonly reason: RejectReason;
  readonly message: string;
}

/**
 * A record the feed cannot accept. Its message names the file, the line or
 * record number and the field, e.g.
 * `ES.csv line 12, field "high": 4365.1 is off the 0.25 tick grid`.
 */
export class RecordError extends Error {
  readonly rejection: Rejection;
  constructor(file: string, location: string, field: string, reason: RejectReason, detail: string) {
    const message = `${file} ${location}, field "${field}": ${detail}`;
    super(message);
    this.name = 'RecordError';
    this.rejection = { file, location, field, reason, message };
  }
}

/** A file the feed cannot read at all (missing, wrong header). */
export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedError';
  }
}

/** Counts rejections by reason and keeps the first `sampleLimit` in full. */
export class RejectionLog {
  private total = 0;
  private readonly counts = new Map<RejectReason, number>();
  private readonly kept: Rejection[] = [];
  private readonly listeners: ((r: Rejection) => void)[] = [];

  constructor(private readonly sampleLimit = 100) {}

  /** Record one rejection and notify listeners. */
  add(r: Rejection): void {
    this.total += 1;
    this.counts.set(r.reason, (this.counts.get(r.reason) ?? 0) + 1);
    if (this.kept.length < this.sampleLimit) this.kept.push(r);
    for (const l of this.listeners) l(r);
  }

  /** Calls `l` for each later rejection. */
  onReject(l: (r: Rejection) => void): void {
    this.listeners.push(l);
  }

  get count(): number {
    return this.total;
  }

  /** Counts per reason, as a plain object. */
  byReason(): Partial<Record<RejectReason, number>> {
    return Object.fromEntries(this.counts);
  }

  /** The first rejections, in order, up to the sample limit. */
  samples(): readonly Rejection[] {
    return this.kept;
  }
}
