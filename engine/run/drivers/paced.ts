/**
 * A run driven from recorded data, paced by a speed factor (architecture.md,
 * "The kernel": replay): a data file, or a journaled session
 * (engine/run/recorded.ts). Play, pause, step one bar, 1x / 5x / 25x / 100x
 * / max. The trading path is the run's node; this driver only decides when
 * each record is due.
 *
 * [Note: replay pacing] A record is due when market time reaches it: a trade
 * at its timestamp, a bar from a bar file at its end (a bar is only known
 * once it has closed, so it never shows before its time). Dead time longer
 * than `GAP_SKIP_MS` (the 17:00 ET halt, weekends, the file's start) is
 * skipped. At 'max' records are processed in slices (see [Note: responsive
 * engine] in engine/scheduler.ts), so pause, step, speed changes and
 * heartbeats are served between slices, and the next slice waits while a
 * window is behind with the events (engine/bus.ts `EventFlow`): 'max' is as
 * fast as the windows can show it.
 */
import type { EventFlow } from '../../bus.js';
import type { Clock, ReplaySpeed, TimerHandle } from '../../clock.js';
import type { ReplayStatusDTO } from '../../contract.js';
import type { Instrument, MarketRecord } from '../../domain.js';
import type { FeedFormat } from '../../feeds/index.js';
import { openDataset } from '../../feeds/dataset.js';
import { RejectionLog } from '../../feeds/rejections.js';
import type { Scheduler } from '../../scheduler.js';
import type { RecordedReplay } from '../recorded.js';
import { copyState, restoreState, type IsShared } from '../checkpoint.js';
import { OpenRun, dueOf, startOf, type RunDeps, type RunOptions } from '../run.js';

/** Market-time gap beyond which a replay jumps instead of waiting. */
export const GAP_SKIP_MS = 5 * 60_000;
/** Monotonic time a 'max' slice runs before yielding (ms). */
export const SLICE_MS = 8;
/** Records between two looks at the slice timer. */
const SLICE_CHECK_EVERY = 64;
/**
 * Bars a 'max' slice closes at most: a window applies each slice's events as
 * one batch before the next slice runs, so a batch stays a short task on the
 * window's main thread too and a click gets through.
 */
export const SLICE_BARS = 120;
/** Longest wall wait before the loop wakes to publish the market clock. */
const STATUS_EVERY_MS = 250;
/** Forming-bar events at most this often (wall ms). */
const FORMING_EVERY_MS = 50;

/** Session bars between two checkpoints of a recorded session (issue 19, engine/run/checkpoint.ts). */
export const CHECKPOINT_EVERY_BARS = 50;

/** A recorded session's checkpoints by session bar (each a copy of a driver's state), for its seeks. */
export class RecordedCheckpoints {
  private readonly byBar = new Map<number, PacedDriver>();

  has(bar: number): boolean {
    return this.byBar.has(bar);
  }

  add(bar: number, state: PacedDriver): void {
    this.byBar.set(bar, state);
  }

  /** The checkpoint of the latest bar at or before `bar`, or null. */
  latestAtOrBefore(bar: number): PacedDriver | null {
    let best = -1;
    for (const b of this.byBar.keys()) if (b <= bar && b > best) best = b;
    return best < 0 ? null : this.byBar.get(best)!;
  }

  /** Checkpoints held. */
  get size(): number {
    return this.byBar.size;
  }
}

/** What a paced driver needs beyond the run's own dependencies. */
export interface PacedDeps extends RunDeps {
  readonly scheduler: Scheduler;
  /** The windows' backpressure: a slice waits while one is behind (none: never waits). */
  readonly flow?: EventFlow;
}

/** A file replay or a recorded session, paced. */
export class PacedDriver {
  readonly run: OpenRun;
  private readonly wall: Clock;
  private readonly scheduler: Scheduler;
  private readonly flow: EventFlow | null;
  private readonly iter: AsyncIterator<MarketRecord[]>;
  private block: MarketRecord[] = [];
  private idx = 0;
  private exhausted = false;
  private pumping = false;
  private timer: TimerHandle | null = null;
  /** A MANUAL approval was queued: the replay pauses for the trader. */
  private approvalWaiting = false;
  private lastFormingWall = 0;
  private rateSample = { wall: 0, bars: 0 };
  private barsPerSecond = 0;

  /** A recorded session's checkpoints (shared by the drivers its seeks open), and what they share with the run; null for a file replay. */
  private readonly checkpoints: RecordedCheckpoints | null;
  private readonly shared: IsShared;

  private constructor(run: OpenRun, records: AsyncIterable<MarketRecord[]>, deps: PacedDeps, checkpoints: RecordedCheckpoints | null = null) {
    this.run = run;
    this.checkpoints = checkpoints;
    // What the run was given is shared with its checkpoints, never copied: the kernel's services, the recorded session's data.
    const given = new Set<object>([checkpoints ?? {}, ...Object.values(deps).filter((v): v is object => typeof v === 'object' && v !== null)]);
    const rec = run.recorded?.recorded;
    if (rec !== undefined) for (const v of [rec, ...Object.values(rec)]) if (typeof v === 'object' && v !== null) given.add(v);
    this.shared = (o) => given.has(o);
    this.wall = deps.wall;
    this.scheduler = deps.scheduler;
    this.flow = deps.flow ?? null;
    this.iter = records[Symbol.asyncIterator]();
    run.driverStatus = () => ({ barsPerSecond: this.barsPerSecond, checkpoints: this.checkpoints?.size ?? 0 });
    run.onQueued = () => {
      this.approvalWaiting = true;
    };
  }

  /**
   * Opens `opts.file`, paused before its first record, or before the first
   * record due after market time `resumeAt` (Unix ms): the records before it
   * are processed unseen (published in the snapshot, not as events).
   * @throws FeedError when the file cannot be opened or its header is bad.
   */
  static async open(opts: RunOptions, deps: PacedDeps, resumeAt: number | null = null): Promise<PacedDriver> {
    const rejections = new RejectionLog();
    // A folder or a glob of contract files plays as one front-month series (issue 19, engine/feeds/dataset.ts).
    const data = await openDataset({ file: opts.file, instrument: opts.instrument, timeframe: opts.timeframe, timeZone: opts.timeZone, rejections });
    const run = new OpenRun(opts, { kind: 'replay', format: data.format, rejections }, deps);
    const blocks = data.blocks((roll) => run.node.contractChanged(roll));
    const driver = new PacedDriver(run, blocks, deps);
    // The first block is read now, before the windows hear of the run: what it rejects is told once they have (OpenRun.opened).
    run.muted = true;
    try {
      await driver.prime();
    } finally {
      run.muted = false;
    }
    if (resumeAt !== null) await driver.skipTo(resumeAt);
    return driver;
  }

  /**
   * Opens a recorded session paused with `bar` of its bars shown (0: at its
   * first record), the run's earlier records processed unseen. Publishes
   * nothing while it gets there.
   */
  static async openRecorded(recorded: RecordedReplay, instrument: Instrument, deps: PacedDeps, bar = 0, checkpoints = new RecordedCheckpoints()): Promise<PacedDriver> {
    const { run: r } = recorded;
    const format: FeedFormat = r.format === 'scid' || r.format === 'jsonl' || r.format === 'depth' ? r.format : 'csv';
    const opts: RunOptions = {
      file: r.source,
      instrument,
      timeframe: r.timeframe,
      timeZone: r.timeZone,
      sessionKind: r.sessionKind,
      method: r.config.method,
      gamma: null,
      execution: r.config.execution,
      risk: r.config.risk,
    };
    const run = new OpenRun(opts, { kind: 'recorded', format, recorded }, deps);
    const records = recorded.records as MarketRecord[];
    const driver = new PacedDriver(
      run,
      (async function* () {
        yield records;
      })(),
      deps,
      checkpoints,
    );
    // From the latest checkpoint at or before the bar when there is one (issue 19), else from the run's first record.
    const from = checkpoints.latestAtOrBefore(bar);
    if (from === null) {
      await driver.prime();
      // The session's start: every seek can begin here instead of at the run's first record.
      if (!checkpoints.has(0)) driver.checkpoint();
    } else {
      await driver.peek(); // the records' one block, as the checkpoint had read it
      restoreState(driver, from, driver.shared);
      driver.settle();
    }
    await driver.fastForward(bar);
    return driver;
  }

  /** The checkpoints of a recorded session, for the drivers a seek opens on it (engine/api/replay.ts). */
  get recordedCheckpoints(): RecordedCheckpoints | null {
    return this.checkpoints;
  }

  status(): ReplayStatusDTO {
    return this.run.status();
  }

  play(): void {
    const run = this.run;
    if (run.state !== 'paused') return;
    run.state = 'playing';
    run.clock.play();
    this.rateSample = { wall: this.wall.now(), bars: run.node.bars };
    run.publishStatus();
    this.schedule();
  }

  pause(): void {
    const run = this.run;
    if (run.state !== 'playing') return;
    run.clock.pause();
    this.cancelTimer();
    run.state = 'paused';
    this.barsPerSecond = 0;
    run.node.flush();
    run.publishForming();
    run.publishStatus();
  }

  setSpeed(speed: ReplaySpeed): void {
    this.run.clock.setSpeed(speed);
    if (this.run.state === 'playing') {
      this.cancelTimer();
      this.schedule();
    }
    this.run.publishStatus();
  }

  /** Processes records until one more bar completes (or the data ends). Paused only. */
  async step(): Promise<void> {
    const run = this.run;
    if (run.state !== 'paused' || this.pumping) return;
    this.pumping = true;
    try {
      const target = run.node.bars + 1;
      while (run.node.bars < target) {
        const r = await this.next();
        if (r === null) {
          run.finish();
          return;
        }
        this.process(r);
      }
      this.approvalWaiting = false;
      run.publishForming();
      run.publishProgress(0);
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  /** Stops the replay and journals how far it got. */
  async close(): Promise<void> {
    this.cancelTimer();
    this.run.close();
    await this.iter.return?.(undefined);
  }

  // ---------------------------------------------------------------- loop

  /** Reads the first block so the market clock starts at the first record; a recorded session warms up to its start. */
  private async prime(): Promise<void> {
    const run = this.run;
    const first = await this.peek();
    if (first !== null) run.clock.jumpTo(startOf(first));
    const rec = run.recorded;
    if (rec === null) return;
    const start = rec.recorded.session.startTs;
    // The actions recorded before the first record apply first, unseen too.
    await this.processUnseenWhile((r) => startOf(r) < start, () => rec.applyScript(run.clock.now()));
    const next = await this.peek();
    if (next !== null) run.clock.jumpTo(startOf(next));
  }

  /** Processes records unseen until `bar` bars of the recorded session are shown (or the data ends). */
  private async fastForward(bar: number): Promise<void> {
    const run = this.run;
    const rec = run.recorded;
    if (rec === null) return;
    run.muted = true;
    try {
      while (rec.bar < bar) {
        const r = await this.next();
        if (r === null) {
          run.finish();
          break;
        }
        this.process(r);
      }
    } finally {
      run.muted = false;
    }
  }

  /** Processes records unseen while they are due by market time `ts` (or the data ends). */
  private async skipTo(ts: number): Promise<void> {
    const run = this.run;
    await this.processUnseenWhile((r) => dueOf(r) <= ts);
    const next = await this.peek();
    if (next === null) run.finish();
    else run.clock.jumpTo(Math.max(run.clock.now(), ts));
  }

  /** Runs `first`, then processes the records for which `more` holds, publishing nothing (a warm-up or a resume). */
  private async processUnseenWhile(more: (r: MarketRecord) => boolean, first: () => void = () => {}): Promise<void> {
    const run = this.run;
    run.muted = true;
    try {
      first();
      for (let r = await this.peek(); r !== null && more(r); r = await this.peek()) {
        this.idx += 1;
        this.process(r);
      }
    } finally {
      run.muted = false;
    }
  }

  /** The next pump once every window has caught up with the events, after pending I/O. */
  private schedule(): void {
    let io: TimerHandle | null = null;
    const next = (): void => {
      io = this.scheduler.afterIo(() => void this.pump());
    };
    const stopWaiting = this.flow === null ? (next(), null) : this.flow.whenCaughtUp(next);
    this.timer = {
      cancel: () => {
        stopWaiting?.();
        io?.cancel();
      },
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    this.timer = null;
    const run = this.run;
    const wall = this.wall;
    try {
      const sliceEnd = this.scheduler.monotonicMs() + SLICE_MS;
      const barsEnd = run.node.bars + SLICE_BARS;
      let n = 0;
      while (run.state === 'playing') {
        const r = await this.peek();
        if (r === null) {
          run.finish();
          return;
        }
        if (run.clock.speed !== 'max') {
          const now = run.clock.now();
          if (startOf(r) - now > GAP_SKIP_MS) run.clock.jumpTo(startOf(r));
          const due = dueOf(r);
          if (due > run.clock.now()) {
            run.trader.onClock(); // between bars: approvals expire on market time
            const wakeAt = Math.min(run.clock.wallTimeOf(due), wall.now() + STATUS_EVERY_MS);
            this.timer = wall.setTimer(wakeAt, () => void this.pump());
            break;
          }
        }
        this.idx += 1;
        this.process(r);
        if (this.approvalWaiting) {
          this.approvalWaiting = false;
          this.pause();
          break;
        }
        if (run.node.bars >= barsEnd || (++n % SLICE_CHECK_EVERY === 0 && this.scheduler.monotonicMs() >= sliceEnd)) {
          this.schedule();
          break;
        }
      }
      this.afterSlice();
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  private afterSlice(): void {
    const run = this.run;
    const now = this.wall.now();
    if (now - this.lastFormingWall >= FORMING_EVERY_MS) {
      this.lastFormingWall = now;
      run.publishForming();
    }
    const dt = now - this.rateSample.wall;
    if (dt >= 1000) {
      this.barsPerSecond = Math.round(((run.node.bars - this.rateSample.bars) * 1000) / dt);
      this.rateSample = { wall: now, bars: run.node.bars };
    }
    run.publishProgress(STATUS_EVERY_MS);
  }

  /** The next record without consuming it; null at the end of data. */
  private async peek(): Promise<MarketRecord | null> {
    while (this.idx >= this.block.length) {
      if (this.exhausted) return null;
      const res = await this.iter.next();
      if (res.done === true) {
        this.exhausted = true;
        return null;
      }
      this.block = res.value;
      this.idx = 0;
    }
    return this.block[this.idx] as MarketRecord;
  }

  /** The next record, consumed. */
  private async next(): Promise<MarketRecord | null> {
    const r = await this.peek();
    if (r !== null) this.idx += 1;
    return r;
  }

  /** Processes one record (its index already moved past), then takes a checkpoint where one is due. */
  private process(r: MarketRecord): void {
    this.run.process(r);
    const bar = this.run.recorded?.bar ?? 0;
    // Right after the record that showed every CHECKPOINT_EVERY_BARS-th session bar.
    if (bar > 0 && bar % CHECKPOINT_EVERY_BARS === 0 && this.checkpoints?.has(bar) === false) this.checkpoint();
  }

  /**
   * A checkpoint of this recorded session's state at its bar now, between
   * records. Not while a timer is pending (its handle would point here), nor
   * while the market clock runs against the wall (1x to 100x): its time then
   * depends on when the wall was read, where a paused or 'max' clock stands
   * at the last record's time, as a seek's fast-forward leaves it.
   */
  private checkpoint(): void {
    const cps = this.checkpoints;
    const rec = this.run.recorded;
    const clock = this.run.clock;
    if (cps === null || rec === null || this.run.state === 'ended' || this.run.state === 'error' || !this.run.node.trader.timersIdle()) return;
    if (clock.playing && clock.speed !== 'max') return;
    cps.add(rec.bar, copyState(this as PacedDriver, this.shared));
  }

  /** After a restore: paused at 1x as a new replay opens, unmuted, no pump or timer of the checkpointed driver's. */
  private settle(): void {
    this.pumping = false;
    this.timer = null;
    this.approvalWaiting = false;
    this.barsPerSecond = 0;
    this.run.muted = false;
    this.run.state = 'paused';
    // The clock stood at its market time (paused, or at max): pausing keeps it.
    this.run.clock.pause();
    this.run.clock.setSpeed(1);
  }

  private fail(e: unknown): void {
    this.cancelTimer();
    this.run.fail(e);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
