/**
 * The SCID reader against the real file shared/data/sierra/ESM23_10ticks.scid.
 * Expected values were decoded independently with Python's struct module
 * (`struct.unpack('<q4f4I', record)`), and ts = (DateTime - 2209161600000000) / 1000.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ES, type TradeTick } from '../../engine/domain';
import { FeedError, RejectionLog } from '../../engine/feeds/rejections';
import {
  encodeScidHeader,
  encodeScidTick,
  readScidHeaderFile,
  readScidRecord,
  readScidRecords,
  scidSubTrade,
  scidTicks,
  SCID_RECORD_BYTES,
} from '../../engine/feeds/scid';
import { REAL_SCID } from '../support/paths';

// [ts (Unix ms), price (Close), size, side, bid (Low), ask (High), sub-trade (from Open)]
const EXPECTED: [number, number, number, TradeTick['side'], number, number, 'first' | 'last' | null][] = [
  [1677011839026, 4048, 1, 'sell', 4048, 4048.75, null],
  [1677011863699, 4048, 1, 'sell', 4048, 4048.25, null],
  [1677011870544, 4047.5, 1, 'sell', 4047.5, 4048.25, null],
  [1677011882105, 4047.75, 1, 'sell', 4047.75, 4048.25, 'first'],
  [1677011882105.001, 4047.75, 1, 'sell', 4047.75, 4048.25, 'last'], // +1 us bump: same ms
  [1677011892208, 4048, 1, 'sell', 4048, 4048.5, null],
  [1677011950708, 4047, 1, 'buy', 4046.5, 4047, null], // AskVolume 1: lifted the ask
  [1677012028608, 4048, 1, 'buy', 4047.5, 4048, null],
  [1677012052682, 4048.5, 1, 'sell', 4048.5, 4049, null],
  [1677012052682.001, 4048.25, 1, 'sell', 4048.5, 4049, null],
];

async function allTicks(file: string, log = new RejectionLog()): Promise<TradeTick[]> {
  const out: TradeTick[] = [];
  for await (const block of scidTicks(file, ES, log)) out.push(...block);
  return out;
}

function tmp(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'mia-scid-')), name);
}

describe('SCID reader, real file', () => {
  it('reads the header', async () => {
    expect(await readScidHeaderFile(REAL_SCID)).toEqual({ headerSize: 56, recordSize: 40, version: 1, utcStartIndex: 0 });
  });

  it('decodes every record exactly', async () => {
    const ticks = await allTicks(REAL_SCID);
    expect(ticks.map((t) => [t.tsEvent, t.price, t.size, t.side, t.bid, t.ask])).toEqual(EXPECTED.map((e) => e.slice(0, 6)));
  });

  it('recognises the unbundled-trade sentinels in Open', async () => {
    const subs: (string | null)[] = [];
    for await (const block of readScidRecords(REAL_SCID)) {
      for (let i = 0; i < block.count; i++) subs.push(scidSubTrade(readScidRecord(block.buf, i * SCID_RECORD_BYTES).open));
    }
    expect(subs).toEqual(EXPECTED.map((e) => e[6]));
  });

  it('keeps the microsecond bump so same-millisecond trades stay ordered', async () => {
    const ticks = await allTicks(REAL_SCID);
    expect((ticks[4] as TradeTick).tsEvent - (ticks[3] as TradeTick).tsEvent).toBeCloseTo(0.001, 3);
    expect(Math.floor((ticks[4] as TradeTick).tsEvent)).toBe(Math.floor((ticks[3] as TradeTick).tsEvent));
  });
});

describe('SCID reader, damaged files', () => {
  it('ignores a torn last record and reports it', async () => {
    const file = tmp('torn.scid');
    const whole = readFileSync(REAL_SCID);
    writeFileSync(file, whole.subarray(0, whole.length - 17)); // last record cut to 23 of 40 bytes
    const log = new RejectionLog();
    const ticks = await allTicks(file, log);
    expect(ticks).toHaveLength(9);
    expect(log.byReason()).toEqual({ truncated: 1 });
    expect(log.samples()[0]?.message).toMatch(/record 10, field "DateTime": torn record: 23 of 40 bytes/);
  });

  it('refuses a file whose header is not SCID, naming the field', async () => {
    const file = tmp('bad.scid');
    const buf = Buffer.from(readFileSync(REAL_SCID));
    buf.write('XXXX', 0, 'latin1');
    writeFileSync(file, buf);
    await expect(allTicks(file)).rejects.toThrow(FeedError);
    await expect(allTicks(file)).rejects.toThrow(/FileTypeUniqueHeaderID/);
    // Bytes that are not text are named in hex, never written raw into the error (issue 17).
    buf.set([0x01, 0x02, 0xff, 0xfe], 0);
    writeFileSync(file, buf);
    await expect(allTicks(file)).rejects.toThrow('header field "FileTypeUniqueHeaderID" is bytes 01 02 ff fe, expected "SCID": not a Sierra Chart intraday (.scid) file');
  });

  it('refuses a record size other than 40', async () => {
    const file = tmp('size.scid');
    const buf = Buffer.from(readFileSync(REAL_SCID));
    buf.writeUInt32LE(44, 8);
    writeFileSync(file, buf);
    await expect(allTicks(file)).rejects.toThrow(/"RecordSize" is 44, expected 40/);
  });

  it('rejects a record that goes back in time or is off the tick grid, and goes on', async () => {
    const file = tmp('bad-records.scid');
    const ticks: TradeTick[] = [
      { kind: 'tick', tsEvent: 1_700_000_000_000, price: 4500, size: 2, side: 'buy', bid: 4499.75, ask: 4500 },
      { kind: 'tick', tsEvent: 1_699_999_999_000, price: 4500, size: 1, side: 'buy', bid: 4499.75, ask: 4500 }, // backwards
      { kind: 'tick', tsEvent: 1_700_000_001_000, price: 4500.1, size: 1, side: 'sell', bid: 4500, ask: 4500.25 }, // off grid
      { kind: 'tick', tsEvent: 1_700_000_002_000, price: 4500.25, size: 3, side: 'sell', bid: 4500.25, ask: 4500.5 },
    ];
    const buf = Buffer.alloc(ticks.length * SCID_RECORD_BYTES);
    ticks.forEach((t, i) => encodeScidTick(buf, i * SCID_RECORD_BYTES, t));
    writeFileSync(file, Buffer.concat([encodeScidHeader(), buf]));
    const log = new RejectionLog();
    const got = await allTicks(file, log);
    expect(got.map((t) => [t.tsEvent, t.price, t.size, t.side])).toEqual([
      [1_700_000_000_000, 4500, 2, 'buy'],
      [1_700_000_002_000, 4500.25, 3, 'sell'],
    ]);
    expect(log.byReason()).toEqual({ 'time-backwards': 1, 'off-tick-grid': 1 });
    expect(log.samples().map((r) => r.location)).toEqual(['record 2', 'record 3']);
    expect(log.samples()[1]?.field).toBe('price');
  });
});
