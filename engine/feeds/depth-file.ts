/**
 * Sierra Chart market depth data files (.depth), which a live run records
 * its book to beside its SCID file and a replay of that SCID file reads back
 * (issue 18, item 4). Format: Sierra Chart, "Market Depth Data File Format"
 * (sierrachart.com/index.php?page=doc/MarketDepthDataFileFormat.html).
 * Little-endian.
 *
 * Header, 64 bytes (s_MarketDepthFileHeader): u32 FileTypeUniqueHeaderID
 * "SCDD", u32 HeaderSize (64), u32 RecordSize (24), u32 Version (1),
 * char[48] reserve.
 * Record, 24 bytes (s_MarketDepthFileRecord): i64 DateTime (microseconds
 * since 1899-12-30 00:00 UTC, as in SCID), u8 Command, u8 Flags, u16
 * NumOrders, f32 Price, u32 Quantity, u32 Reserved.
 * Commands: 1 CLEAR_BOOK, 2 ADD_BID_LEVEL, 3 ADD_ASK_LEVEL, 4
 * MODIFY_BID_LEVEL, 5 MODIFY_ASK_LEVEL, 6 DELETE_BID_LEVEL, 7
 * DELETE_ASK_LEVEL. Flags: 1 FLAG_END_OF_BATCH, on the last record of the
 * updates that belong together. Prices are written as the feed gives them
 * (no real-time price multiplier), as this workstation writes its SCID.
 * Sierra Chart names the files `<symbol>.<YYYY-MM-DD>.depth`, one a day.
 */
import { open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DepthUpdate, TradeTick } from '../domain.js';
import { FeedError } from './rejections.js';
import { SCID_EPOCH_OFFSET_US, scidTimeToUnixMs } from './scid.js';

export const DEPTH_HEADER_BYTES = 64;
export const DEPTH_RECORD_BYTES = 24;
/** s_MarketDepthFileRecord's commands. */
export const DEPTH_COMMAND = { CLEAR_BOOK: 1, ADD_BID_LEVEL: 2, ADD_ASK_LEVEL: 3, MODIFY_BID_LEVEL: 4, MODIFY_ASK_LEVEL: 5, DELETE_BID_LEVEL: 6, DELETE_ASK_LEVEL: 7 } as const;
export const DEPTH_FLAG_END_OF_BATCH = 1;

/** The 64-byte header of a new file. */
export function encodeDepthHeader(): Buffer {
  const b = Buffer.alloc(DEPTH_HEADER_BYTES);
  b.write('SCDD', 0, 'latin1');
  b.writeUInt32LE(DEPTH_HEADER_BYTES, 4);
  b.writeUInt32LE(DEPTH_RECORD_BYTES, 8);
  b.writeUInt32LE(1, 12);
  return b;
}

/**
 * Records of one batch of updates at market time `tsMs` (Unix ms): a clear,
 * or a level added, modified (`known`: the level was in the book) or deleted;
 * the last record carries FLAG_END_OF_BATCH.
 */
export function encodeDepthBatch(updates: readonly DepthUpdate[], tsMs: number, known: (side: 'bid' | 'ask', price: number) => boolean): Buffer {
  const b = Buffer.alloc(updates.length * DEPTH_RECORD_BYTES);
  const us = BigInt(Math.round(tsMs * 1000)) + BigInt(SCID_EPOCH_OFFSET_US);
  updates.forEach((u, i) => {
    const o = i * DEPTH_RECORD_BYTES;
    const bid = u.side === 'bid';
    const command =
      u.side === 'clear' ? DEPTH_COMMAND.CLEAR_BOOK
      : !(u.size > 0) ? (bid ? DEPTH_COMMAND.DELETE_BID_LEVEL : DEPTH_COMMAND.DELETE_ASK_LEVEL)
      : known(u.side, u.price) ? (bid ? DEPTH_COMMAND.MODIFY_BID_LEVEL : DEPTH_COMMAND.MODIFY_ASK_LEVEL)
      : bid ? DEPTH_COMMAND.ADD_BID_LEVEL : DEPTH_COMMAND.ADD_ASK_LEVEL;
    b.writeBigInt64LE(us, o);
    b.writeUInt8(command, o + 8);
    b.writeUInt8(i === updates.length - 1 ? DEPTH_FLAG_END_OF_BATCH : 0, o + 9);
    b.writeUInt16LE(0, o + 10);
    b.writeFloatLE(u.side === 'clear' ? 0 : u.price, o + 12);
    b.writeUInt32LE(u.side === 'clear' || !(u.size > 0) ? 0 : Math.min(0xffffffff, Math.round(u.size)), o + 16);
    b.writeUInt32LE(0, o + 20);
  });
  return b;
}

/** One batch read back: its market time (Unix ms) and its updates. */
export interface DepthBatch {
  readonly ts: number;
  readonly updates: DepthUpdate[];
}

/**
 * The batches of a .depth file, in file order (a batch ends at a record
 * flagged END_OF_BATCH, or where the time changes). A record with an
 * unknown command is skipped; a torn last record is ignored.
 * @throws FeedError naming the file when it cannot be read or its header is not a depth file's.
 */
export async function* readDepthFile(file: string): AsyncGenerator<DepthBatch> {
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new FeedError(`${file}: cannot open (${e.code ?? e.message})`);
  });
  try {
    const head = Buffer.alloc(DEPTH_HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, DEPTH_HEADER_BYTES, 0);
    if (bytesRead < 16 || head.toString('latin1', 0, 4) !== 'SCDD') throw new FeedError(`${file}: not a Sierra Chart market depth file (no "SCDD" header)`);
    const headerSize = head.readUInt32LE(4);
    const recordSize = head.readUInt32LE(8);
    if (recordSize !== DEPTH_RECORD_BYTES) throw new FeedError(`${file}: record size ${recordSize}, expected ${DEPTH_RECORD_BYTES}`);
    const chunk = Buffer.alloc(DEPTH_RECORD_BYTES * 4096);
    let pos = headerSize;
    let batch: DepthUpdate[] = [];
    let batchTs = Number.NaN;
    for (;;) {
      const { bytesRead: n } = await fh.read(chunk, 0, chunk.length, pos);
      const whole = Math.floor(n / DEPTH_RECORD_BYTES);
      for (let i = 0; i < whole; i++) {
        const o = i * DEPTH_RECORD_BYTES;
        const ts = scidTimeToUnixMs(Number(chunk.readBigInt64LE(o)));
        if (batch.length > 0 && ts !== batchTs) {
          yield { ts: batchTs, updates: batch };
          batch = [];
        }
        batchTs = ts;
        const command = chunk.readUInt8(o + 8);
        const price = chunk.readFloatLE(o + 12);
        const size = chunk.readUInt32LE(o + 16);
        const u: DepthUpdate | null =
          command === DEPTH_COMMAND.CLEAR_BOOK ? { side: 'clear', price: 0, size: 0 }
          : command === DEPTH_COMMAND.ADD_BID_LEVEL || command === DEPTH_COMMAND.MODIFY_BID_LEVEL ? { side: 'bid', price, size }
          : command === DEPTH_COMMAND.ADD_ASK_LEVEL || command === DEPTH_COMMAND.MODIFY_ASK_LEVEL ? { side: 'ask', price, size }
          : command === DEPTH_COMMAND.DELETE_BID_LEVEL ? { side: 'bid', price, size: 0 }
          : command === DEPTH_COMMAND.DELETE_ASK_LEVEL ? { side: 'ask', price, size: 0 }
          : null;
        if (u !== null) batch.push(u);
        if ((chunk.readUInt8(o + 9) & DEPTH_FLAG_END_OF_BATCH) !== 0 && batch.length > 0) {
          yield { ts, updates: batch };
          batch = [];
        }
      }
      if (whole < chunk.length / DEPTH_RECORD_BYTES) break;
      pos += whole * DEPTH_RECORD_BYTES;
    }
    if (batch.length > 0) yield { ts: batchTs, updates: batch };
  } finally {
    await fh.close();
  }
}

/**
 * The `.depth` files recorded beside a SCID file (`<stem>.<YYYY-MM-DD>.depth`
 * for `<stem>.scid`), in date order; none when the folder has none.
 */
export async function depthFilesOf(scidFile: string): Promise<string[]> {
  const dir = dirname(scidFile);
  const stem = basename(scidFile).replace(/\.scid$/i, '');
  const names = await readdir(dir).catch(() => [] as string[]);
  const day = /^\d{4}-\d{2}-\d{2}$/;
  return names
    .filter((n) => n.startsWith(`${stem}.`) && n.endsWith('.depth') && day.test(n.slice(stem.length + 1, -'.depth'.length)))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Trades with the recorded book: each tick carries the depth batches timed
 * at or before it since the tick before (TradeTick.depth), so a replay
 * applies them in market order; batches after the last trade are dropped.
 */
export async function* withDepth(ticks: AsyncGenerator<TradeTick[]>, files: readonly string[]): AsyncGenerator<TradeTick[]> {
  const batches = (async function* () {
    for (const f of files) yield* readDepthFile(f);
  })();
  let next = await batches.next();
  for await (const block of ticks) {
    const out: TradeTick[] = [];
    for (const t of block) {
      let depth: DepthUpdate[] | null = null;
      while (next.done !== true && next.value.ts <= t.tsEvent) {
        depth = depth === null ? [...next.value.updates] : depth.concat(next.value.updates);
        next = await batches.next();
      }
      out.push(depth === null ? t : { ...t, depth: t.depth === undefined ? depth : [...t.depth, ...depth] });
    }
    yield out;
  }
  await batches.return(undefined);
}
