/**
 * Sierra Chart intraday data files (.scid): streaming reader and record
 * encoder. Format: Sierra Chart, "Intraday Data File Format"
 * (summarised in shared/data/README.md). Little-endian throughout.
 *
 * Header, 56 bytes: char[4] "SCID", u32 HeaderSize, u32 RecordSize (40),
 * u16 Version, u16 unused, u32 UTCStartIndex, char[36] reserve.
 * Record, 40 bytes: i64 DateTime (microseconds since 1899-12-30 00:00 UTC),
 * f32 Open, High, Low, Close, u32 NumTrades, TotalVolume, BidVolume, AskVolume.
 * In tick files Close is the trade price, High the ask, Low the bid; Open is 0
 * for a single trade or one of two sentinels marking the first and last
 * sub-trade of an unbundled trade. Trades in the same millisecond are told
 * apart by +1 microsecond bumps.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { AggressorSide, Instrument, TradeTick } from '../domain.js';
import { FeedError, RecordError, type RejectionLog } from './rejections.js';
import { dataFileProblem } from './data-file.js';
import { RecordValidator, TimeOrder, type RecordCursor } from './validate.js';

export const SCID_HEADER_BYTES = 56;
export const SCID_RECORD_BYTES = 40;
/** Microseconds from 1899-12-30 00:00 UTC to the Unix epoch. */
export const SCID_EPOCH_OFFSET_US = 2_209_161_600_000_000;
/** Open value of the first sub-trade of an unbundled trade (float32). */
export const SCID_FIRST_SUB_TRADE = Math.fround(-1.99900095e37);
/** Open value of the last sub-trade of an unbundled trade (float32). */
export const SCID_LAST_SUB_TRADE = Math.fround(-1.99900197e37);

/** The file header. */
export interface ScidHeader {
  readonly headerSize: number;
  readonly recordSize: number;
  readonly version: number;
  readonly utcStartIndex: number;
}

/** One record as stored, before interpretation. */
export interface ScidRecord {
  /** Microseconds since 1899-12-30 00:00 UTC. */
  readonly dateTimeUs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly numTrades: number;
  readonly totalVolume: number;
  readonly bidVolume: number;
  readonly askVolume: number;
}

/** Unix ms of a SCID DateTime; keeps the microsecond part as a fraction. */
export function scidTimeToUnixMs(dateTimeUs: number): number {
  return (dateTimeUs - SCID_EPOCH_OFFSET_US) / 1000;
}

/** SCID DateTime (microseconds since 1899-12-30) of a Unix ms time. */
export function unixMsToScidTime(unixMs: number): number {
  return Math.round(unixMs * 1000) + SCID_EPOCH_OFFSET_US;
}

/**
 * Aggressor of a tick record, as the record says it and no more: ask volume
 * alone is a buy, bid volume alone a sell; neither (a trade recorded with its
 * side unknown) or both is unknown. The stored bid and ask are not used to
 * guess: a trade recorded as unknown at the ask read back as a buy (issue 17).
 */
export function scidAggressor(r: Pick<ScidRecord, 'bidVolume' | 'askVolume'>): AggressorSide {
  if (r.askVolume > 0 && r.bidVolume === 0) return 'buy';
  if (r.bidVolume > 0 && r.askVolume === 0) return 'sell';
  return 'unknown';
}

/** Which sub-trade of an unbundled trade a record is, from its Open field. */
export function scidSubTrade(open: number): 'first' | 'last' | null {
  if (open === SCID_FIRST_SUB_TRADE) return 'first';
  if (open === SCID_LAST_SUB_TRADE) return 'last';
  return null;
}

/**
 * Parses and checks a header.
 * @throws FeedError naming the file and the bad header field.
 */
export function parseScidHeader(file: string, buf: Buffer): ScidHeader {
  if (buf.length < SCID_HEADER_BYTES) throw new FeedError(`${file}: ${buf.length} bytes is too short for a SCID header (56 bytes)`);
  const magic = buf.toString('latin1', 0, 4);
  if (magic !== 'SCID') {
    // Shown as text when it is printable, else as its bytes in hex: never raw control or high bytes (issue 17).
    const shown = /^[\x20-\x7e]{4}$/.test(magic) ? `"${magic}"` : `bytes ${buf.subarray(0, 4).toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
    throw new FeedError(`${file}: header field "FileTypeUniqueHeaderID" is ${shown}, expected "SCID": not a Sierra Chart intraday (.scid) file`);
  }
  const headerSize = buf.readUInt32LE(4);
  const recordSize = buf.readUInt32LE(8);
  // Sierra Chart's s_IntradayHeader is 56 bytes, and every file it writes says so; a larger value would skip records (0xFFFFFFFF: all of them, silently).
  if (headerSize !== SCID_HEADER_BYTES) throw new FeedError(`${file}: header field "HeaderSize" is ${headerSize}, expected 56 (Sierra Chart's s_IntradayHeader)`);
  if (recordSize !== SCID_RECORD_BYTES) throw new FeedError(`${file}: header field "RecordSize" is ${recordSize}, expected 40`);
  return { headerSize, recordSize, version: buf.readUInt16LE(12), utcStartIndex: buf.readUInt32LE(16) };
}

/** Decodes the record at `offset` of `buf`. */
export function readScidRecord(buf: Buffer, offset: number): ScidRecord {
  return {
    dateTimeUs: buf.readUInt32LE(offset) + buf.readInt32LE(offset + 4) * 4_294_967_296,
    open: buf.readFloatLE(offset + 8),
    high: buf.readFloatLE(offset + 12),
    low: buf.readFloatLE(offset + 16),
    close: buf.readFloatLE(offset + 20),
    numTrades: buf.readUInt32LE(offset + 24),
    totalVolume: buf.readUInt32LE(offset + 28),
    bidVolume: buf.readUInt32LE(offset + 32),
    askVolume: buf.readUInt32LE(offset + 36),
  };
}

/** A 56-byte SCID header for a tick file. */
export function encodeScidHeader(): Buffer {
  const buf = Buffer.alloc(SCID_HEADER_BYTES);
  buf.write('SCID', 0, 'latin1');
  buf.writeUInt32LE(SCID_HEADER_BYTES, 4);
  buf.writeUInt32LE(SCID_RECORD_BYTES, 8);
  buf.writeUInt16LE(1, 12);
  return buf;
}

/** Writes one trade as a tick record at `offset` of `buf` (Open = 0: a single trade). */
export function encodeScidTick(buf: Buffer, offset: number, tick: TradeTick): void {
  const dt = unixMsToScidTime(tick.tsEvent);
  const lo = dt % 4_294_967_296;
  buf.writeUInt32LE(lo, offset);
  buf.writeInt32LE((dt - lo) / 4_294_967_296, offset + 4);
  // Open: 0 for a whole trade (SINGLE_TRADE_WITH_BID_ASK), or Sierra Chart's marker of an unbundled trade's first or last sub-trade.
  buf.writeFloatLE(tick.subTrade === 'first' ? SCID_FIRST_SUB_TRADE : tick.subTrade === 'last' ? SCID_LAST_SUB_TRADE : 0, offset + 8);
  buf.writeFloatLE(Number.isNaN(tick.ask) ? tick.price : tick.ask, offset + 12);
  buf.writeFloatLE(Number.isNaN(tick.bid) ? tick.price : tick.bid, offset + 16);
  buf.writeFloatLE(tick.price, offset + 20);
  buf.writeUInt32LE(1, offset + 24);
  buf.writeUInt32LE(tick.size, offset + 28);
  buf.writeUInt32LE(tick.side === 'sell' ? tick.size : 0, offset + 32);
  buf.writeUInt32LE(tick.side === 'buy' ? tick.size : 0, offset + 36);
}

async function openScid(file: string): Promise<{ fh: FileHandle; header: ScidHeader }> {
  const problem = await dataFileProblem(file);
  if (problem !== null) throw new FeedError(problem.message);
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new FeedError(`${file}: cannot open (${e.code ?? e.message})`);
  });
  try {
    const head = Buffer.alloc(SCID_HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, SCID_HEADER_BYTES, 0);
    return { fh, header: parseScidHeader(file, head.subarray(0, bytesRead)) };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * Reads and checks a SCID file's header.
 * @throws FeedError for a missing file or a bad header.
 */
export async function readScidHeaderFile(file: string): Promise<ScidHeader> {
  const { fh, header } = await openScid(file);
  await fh.close();
  return header;
}

/**
 * Streams a SCID file's raw records in blocks. A torn last record (a write
 * cut short by a crash) is reported to `onTorn` and skipped.
 * @throws FeedError for a missing file or a bad header.
 */
export async function* readScidRecords(
  file: string,
  onTorn: (recordNo: number, bytes: number) => void = () => {},
  recordsPerBlock = 16_384,
): AsyncGenerator<{ header: ScidHeader; firstRecord: number; buf: Buffer; count: number }> {
  const { fh, header } = await openScid(file);
  try {
    const buf = Buffer.allocUnsafe(recordsPerBlock * SCID_RECORD_BYTES);
    let pos = header.headerSize;
    let recordNo = 1;
    for (;;) {
      const r = await fh.read(buf, 0, buf.length, pos);
      if (r.bytesRead === 0) break;
      const count = Math.floor(r.bytesRead / SCID_RECORD_BYTES);
      if (count > 0) yield { header, firstRecord: recordNo, buf, count };
      recordNo += count;
      pos += count * SCID_RECORD_BYTES;
      const rest = r.bytesRead - count * SCID_RECORD_BYTES;
      if (rest > 0 && r.bytesRead < buf.length) {
        onTorn(recordNo, rest);
        break;
      }
    }
  } finally {
    await fh.close();
  }
}

/**
 * Trades of a SCID tick file, validated, in blocks. Rejected records go to
 * `rejections` and the stream goes on.
 * @throws FeedError for a missing file or a bad header.
 */
export async function* scidTicks(file: string, instrument: Instrument, rejections: RejectionLog): AsyncGenerator<TradeTick[]> {
  const validator = new RecordValidator(instrument.tickSize, false);
  const order = new TimeOrder<TradeTick>(file, 'record', false, (e) => rejections.add(e.rejection));
  const at: RecordCursor = { file, unit: 'record', n: 0 };
  const onTorn = (n: number, bytes: number): void => {
    rejections.add(new RecordError(file, `record ${n}`, 'DateTime', 'truncated', `torn record: ${bytes} of 40 bytes`).rejection);
  };
  for await (const block of readScidRecords(file, onTorn)) {
    const out: TradeTick[] = [];
    const { buf } = block;
    // A DataView reads the little-endian fields without Buffer's per-call checks.
    const dv = new DataView(buf.buffer, buf.byteOffset, block.count * SCID_RECORD_BYTES);
    for (let i = 0; i < block.count; i++) {
      const o = i * SCID_RECORD_BYTES;
      at.n = block.firstRecord + i;
      const high = dv.getFloat32(o + 12, true);
      const low = dv.getFloat32(o + 16, true);
      const subTrade = scidSubTrade(dv.getFloat32(o + 8, true));
      const tick: { -readonly [K in keyof TradeTick]: TradeTick[K] } = {
        kind: 'tick',
        tsEvent: scidTimeToUnixMs(dv.getUint32(o, true) + dv.getInt32(o + 4, true) * 4_294_967_296),
        price: dv.getFloat32(o + 20, true),
        size: dv.getUint32(o + 28, true),
        side: scidAggressor({ bidVolume: dv.getUint32(o + 32, true), askVolume: dv.getUint32(o + 36, true) }),
        bid: low > 0 && Number.isFinite(low) ? low : Number.NaN,
        ask: high > 0 && Number.isFinite(high) ? high : Number.NaN,
      };
      if (subTrade !== null) tick.subTrade = subTrade;
      try {
        validator.tick(at, tick);
        order.offer(at, 'DateTime', tick, tick.tsEvent, out);
      } catch (e) {
        if (!(e instanceof RecordError)) throw e;
        rejections.add(e.rejection);
      }
    }
    if (out.length > 0) yield out;
  }
  const last = order.end();
  if (last.length > 0) yield last;
}
