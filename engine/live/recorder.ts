/**
 * Records live trades in Sierra Chart's intraday file format (.scid), one
 * file per contract, so a live session can be replayed later and opened by
 * Sierra Chart itself (format: engine/feeds/scid.ts), and the live book in
 * its market depth format (.depth, DepthRecorder).
 *
 * Crash safety:
 * - Trades are buffered and written in batches (every `flushMs` of the
 *   injected clock, or at `maxBuffered` trades), each batch one append of
 *   whole 40-byte records followed by fdatasync.
 * - A crash in the middle of a write can leave a torn last record. Readers
 *   skip it (readScidRecords), and the recorder cuts it off when it opens the
 *   file again, so new records stay aligned.
 * - Times never go backwards in the file: a trade stamped at or before the
 *   last record moves 1 microsecond after it (Sierra Chart's own rule for
 *   trades in the same millisecond).
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, TimerHandle } from '../clock.js';
import { DepthBook } from '../book/depth-book.js';
import type { DepthUpdate, TradeTick } from '../domain.js';
import { DEPTH_HEADER_BYTES, DEPTH_RECORD_BYTES, encodeDepthBatch, encodeDepthHeader } from '../feeds/depth-file.js';
import { SCID_RECORD_BYTES, encodeScidHeader, encodeScidTick, parseScidHeader, readScidRecord, scidTimeToUnixMs, SCID_HEADER_BYTES } from '../feeds/scid.js';

/** Recorder settings. */
export interface RecorderOptions {
  /** Wall ms between flushes (default 250). */
  readonly flushMs?: number;
  /** Trades buffered before a flush is forced (default 4096). */
  readonly maxBuffered?: number;
  /** Told when an existing file ended in a torn record that was cut off. */
  readonly onTorn?: (bytes: number) => void;
}

/** Appends trades to one SCID file. */
export class ScidRecorder {
  private fd: number | null;
  private buffer: Buffer;
  private count = 0;
  private lastMs = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | null = null;
  private written = 0;
  private readonly flushMs: number;
  private readonly max: number;

  /**
   * Opens (or creates, with its folder) `file` for appending.
   * @throws FeedError when an existing file is not a SCID file (it is left untouched).
   * @throws Error naming the file and what to do when the folder or the file cannot be made or opened.
   */
  constructor(
    readonly file: string,
    private readonly clock: Clock,
    opts: RecorderOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 250;
    this.max = opts.maxBuffered ?? 4096;
    this.buffer = Buffer.alloc(this.max * SCID_RECORD_BYTES);
    const fresh = !existsSync(file);
    let fd: number;
    try {
      mkdirSync(dirname(file), { recursive: true }); // the market data folder, on a first day
      fd = openSync(file, fresh ? 'w+' : 'r+');
    } catch (e) {
      throw new Error(`the live recording ${file} cannot be ${fresh ? 'created' : 'opened'} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): make its folder ${dirname(file)} writable, or choose another market data folder`);
    }
    try {
      if (fresh) {
        writeSync(fd, encodeScidHeader(), 0, SCID_HEADER_BYTES, 0);
      } else {
        const head = Buffer.alloc(SCID_HEADER_BYTES);
        readSync(fd, head, 0, SCID_HEADER_BYTES, 0);
        const header = parseScidHeader(file, head);
        const size = fstatSync(fd).size;
        const torn = (size - header.headerSize) % SCID_RECORD_BYTES;
        if (torn > 0) {
          ftruncateSync(fd, size - torn);
          opts.onTorn?.(torn);
        }
        const records = Math.floor((size - header.headerSize) / SCID_RECORD_BYTES);
        this.written = records;
        if (records > 0) {
          const last = Buffer.alloc(SCID_RECORD_BYTES);
          readSync(fd, last, 0, SCID_RECORD_BYTES, header.headerSize + (records - 1) * SCID_RECORD_BYTES);
          this.lastMs = scidTimeToUnixMs(readScidRecord(last, 0).dateTimeUs);
        }
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
  }

  /** Records written to the file so far (flushed). */
  get records(): number {
    return this.written;
  }

  /** Buffers one trade; the next flush writes it. */
  add(tick: TradeTick): void {
    if (this.fd === null) return;
    const ts = tick.tsEvent > this.lastMs ? tick.tsEvent : this.lastMs + 0.001;
    this.lastMs = ts;
    encodeScidTick(this.buffer, this.count * SCID_RECORD_BYTES, ts === tick.tsEvent ? tick : { ...tick, tsEvent: ts });
    this.count += 1;
    if (this.count >= this.max) this.flush();
    else if (this.timer === null) this.timer = this.clock.setTimer(this.clock.now() + this.flushMs, () => this.flush());
  }

  /** Appends the buffered trades as whole records and syncs them to disk. */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.fd === null || this.count === 0) return;
    const bytes = this.count * SCID_RECORD_BYTES;
    const at = fstatSync(this.fd).size;
    writeSync(this.fd, this.buffer, 0, bytes, at);
    fdatasyncSync(this.fd);
    this.written += this.count;
    this.count = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Records the live book in Sierra Chart's market depth format (.depth, format:
 * engine/feeds/depth-file.ts), one file a UTC day, `<stem>.<YYYY-MM-DD>.depth`
 * beside the contract's SCID file, so a replay of the recording shows the
 * ladder's sizes as they were. Each file starts with the whole book (a clear
 * and every level), then the changes; batches are buffered and appended
 * every `flushMs`, each append whole records followed by fdatasync, and a
 * torn last record of an existing file is cut off when it is opened again.
 */
export class DepthRecorder {
  private fd: number | null = null;
  private day = '';
  private readonly book: DepthBook;
  private pending: Buffer[] = [];
  private timer: TimerHandle | null = null;
  private readonly flushMs: number;
  /** The file being written, or null before the first update. */
  file: string | null = null;

  /**
   * @param stem the path without its date and extension (`<market data>/ESZ3`).
   */
  constructor(
    private readonly stem: string,
    tickSize: number,
    private readonly clock: Clock,
    opts: Pick<RecorderOptions, 'flushMs' | 'onTorn'> = {},
  ) {
    this.book = new DepthBook(tickSize);
    this.flushMs = opts.flushMs ?? 250;
    this.onTorn = opts.onTorn;
  }

  private readonly onTorn: ((bytes: number) => void) | undefined;

  /**
   * Buffers one batch of book changes at market time `tsMs` (Unix ms); a new
   * UTC day starts its own file with the whole book.
   * @throws Error naming the file and what to do when it cannot be made or opened.
   */
  add(updates: readonly DepthUpdate[], tsMs: number): void {
    const day = new Date(tsMs).toISOString().slice(0, 10);
    if (day !== this.day) this.roll(day, tsMs);
    if (this.fd === null) return;
    this.pending.push(encodeDepthBatch(updates, tsMs, (side, price) => this.book.sizeAt(side, price) > 0));
    this.book.apply(updates, tsMs);
    if (this.timer === null) this.timer = this.clock.setTimer(this.clock.now() + this.flushMs, () => this.flush());
  }

  private roll(day: string, tsMs: number): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.day = day;
    const file = `${this.stem}.${day}.depth`;
    this.file = file;
    const fresh = !existsSync(file);
    try {
      mkdirSync(dirname(file), { recursive: true });
      this.fd = openSync(file, fresh ? 'w+' : 'r+');
    } catch (e) {
      throw new Error(`the depth recording ${file} cannot be ${fresh ? 'created' : 'opened'} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): make its folder ${dirname(file)} writable`);
    }
    if (fresh) writeSync(this.fd, encodeDepthHeader(), 0, DEPTH_HEADER_BYTES, 0);
    else {
      const size = fstatSync(this.fd).size;
      const torn = (size - DEPTH_HEADER_BYTES) % DEPTH_RECORD_BYTES;
      if (torn > 0) {
        ftruncateSync(this.fd, size - torn);
        this.onTorn?.(torn);
      }
    }
    // The day's file, or its continuation after a restart, starts from the whole book.
    if (!this.book.empty) this.pending.push(encodeDepthBatch(this.book.snapshot(), tsMs, () => false));
  }

  /** Appends the buffered batches and syncs them to disk. */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.fd === null || this.pending.length === 0) return;
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    writeSync(this.fd, bytes, 0, bytes.length, fstatSync(this.fd).size);
    fdatasyncSync(this.fd);
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
