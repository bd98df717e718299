/**
 * A run driven by a live feed (issue 6): records pushed as the feed delivers
 * them (`pushHistory` for the backfill, then `push`), market time set by the
 * data and running at wall speed between records, on the venue the run was
 * opened with (simulated fills on live data in PAPER, the broker in LIVE).
 * The trading path is the run's node, as for a backtest or a replay.
 *
 * Every record passes the same boundary checks as a file's records
 * (engine/feeds/validate.ts: finite, positive, on the tick grid, consistent
 * OHLC, time never going backwards); a bad one is rejected, counted by
 * reason and journaled with the run, which goes on. Bars close on time even
 * without a later trade, and stale data in a session trips the kill switch
 * (section 12).
 */
import { RecordError } from '../../feeds/rejections.js';
import { RecordValidator, type RecordCursor } from '../../feeds/validate.js';
import type { DepthUpdate, MarketRecord } from '../../domain.js';
import type { ReplayStatusDTO } from '../../contract.js';
import type { TimerHandle } from '../../clock.js';
import type { SessionCalendar } from '../../time/sessions.js';
import type { ExecutionVenue } from '../../venue/orders.js';
import type { LiveRunPort } from '../../live/types.js';
import { OpenRun, startOf, type RunDeps, type RunOptions } from '../run.js';

/** Grace after a bar's end before a live run closes it without a later trade (ms): late trades of the minute still count. */
const LIVE_CLOSE_GRACE_MS = 250;
/** Status events at most this often (wall ms). */
const STATUS_EVERY_MS = 250;

/** A live run. */
export class LiveDriver implements LiveRunPort {
  readonly run: OpenRun;
  private readonly validator: RecordValidator;
  /** Where the record being checked sits in the feed: the run's source, record n (1-based). */
  private readonly at: RecordCursor;
  private closeTimer: TimerHandle | null = null;
  /** The market clock is set by the first record. */
  private anchored = false;

  /** Opens a live run on `venue`: nothing is processed until the feed pushes records. */
  constructor(opts: RunOptions, venue: ExecutionVenue, deps: RunDeps, calendar: SessionCalendar) {
    this.run = new OpenRun(opts, { kind: 'live', venue }, deps);
    this.validator = new RecordValidator(opts.instrument.tickSize);
    this.at = { file: opts.file, unit: 'record', n: 0 };
    const run = this.run;
    run.state = 'playing';
    run.clock.play();
    run.trader.watchStaleData((ts) => calendar.sessionAt(ts) !== null);
    this.armClose();
  }

  status(): ReplayStatusDTO {
    return this.run.status();
  }

  /** Backfilled history (trades, or closed bars, of the session so far): checked, processed and published, never traded. */
  pushHistory(records: readonly MarketRecord[]): void {
    this.run.node.asHistory(() => this.push(records));
  }

  /**
   * Live records as they arrive, in time order. A bad record is rejected and
   * counted; a trade stamped before a bar the clock already closed (a late
   * print of that minute) counts at the bar's end.
   */
  push(records: readonly MarketRecord[]): void {
    const run = this.run;
    if (run.state !== 'playing') return;
    try {
      for (const r of records) {
        if (!this.accept(r)) continue;
        if (!this.anchored) {
          this.anchored = true;
          run.clock.jumpTo(startOf(r));
        }
        run.process(r.kind === 'tick' && r.tsEvent < run.lastBarEndTs ? { ...r, tsEvent: run.lastBarEndTs } : r);
      }
      run.publishForming();
      run.publishProgress(STATUS_EVERY_MS);
    } catch (e) {
      run.fail(e);
    }
  }

  /** The broker reported fills or order states between records. */
  depth(updates: readonly DepthUpdate[], ts: number): void {
    this.run.onDepth(updates, ts);
  }

  venueUpdated(): void {
    this.run.trader.venueUpdated();
    this.run.publishExecution();
  }

  positionQty(): number {
    return this.run.trader.portfolio.qty;
  }

  bookUnknown(qty: number, avgPrice: number, detail: string): void {
    this.run.trader.bookBrokerPosition(qty, avgPrice, detail);
    this.run.publishExecution();
  }

  adopt(qty: number, avgPrice: number, stopTicks: number, targetTicks: number): void {
    try {
      this.run.trader.adoptPosition(qty, avgPrice, stopTicks, targetTicks);
    } finally {
      this.run.publishExecution();
    }
  }

  /** The order link went down or came back (section 12: lost for 30 s with a position open trips the kill switch). */
  venueConnection(up: boolean): void {
    this.run.trader.venueConnection(up);
  }

  async close(): Promise<void> {
    this.closeTimer?.cancel();
    this.closeTimer = null;
    this.run.close();
  }

  /** The boundary checks of a file's records; a rejection goes to the run's log (journaled, counted, shown). */
  private accept(r: MarketRecord): boolean {
    this.at.n += 1;
    try {
      if (r.kind === 'tick') this.validator.tick(this.at, r);
      else this.validator.bar(this.at, r);
      return true;
    } catch (e) {
      if (!(e instanceof RecordError)) throw e;
      this.run.node.rejections.add(e.rejection);
      return false;
    }
  }

  /**
   * Every second: closes live bars whose minute has passed, and writes what
   * the journal holds, so a live run's records reach the disk within a
   * second even when the market is quiet.
   */
  private armClose(): void {
    const run = this.run;
    this.closeTimer = run.clock.setTimer(Math.floor(run.clock.now() / 1000) * 1000 + 1000 + LIVE_CLOSE_GRACE_MS, () => {
      if (run.state !== 'playing') return;
      const before = run.node.bars;
      run.trader.onClock(); // between trades: approvals expire on market time
      run.node.pipeline.closeDue(run.clock.now() - LIVE_CLOSE_GRACE_MS);
      if (run.node.bars !== before) run.publishProgress(0);
      else {
        run.node.flush();
        run.publishExecution();
      }
      this.armClose();
    });
  }
}
