import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ES, type MarketRecord, type TradeTick } from '../../engine/domain.js';
import { openFeed } from '../../engine/feeds/index.js';
import { RejectionLog } from '../../engine/feeds/rejections.js';
import { SCID_HEADER_BYTES } from '../../engine/feeds/scid.js';
import { contract, frontMonth, thirdFriday } from '../../engine/live/contracts.js';
import { ScidRecorder } from '../../engine/live/recorder.js';
import { aggressorFromQuote } from '../../engine/live/types.js';
import { ManualClock } from '../support/manual-clock.js';

const tick = (tsEvent: number, price: number, size = 1, side: TradeTick['side'] = 'buy'): TradeTick => ({ kind: 'tick', tsEvent, price, size, side, bid: price - 0.25, ask: price });

async function readTicks(file: string): Promise<{ ticks: TradeTick[]; rejected: number }> {
  const rejections = new RejectionLog();
  const feed = await openFeed(file, { instrument: ES, barTimeframe: '1m', timeZone: ES.timeZone, rejections });
  const ticks: TradeTick[] = [];
  for await (const b of feed.blocks()) for (const r of b as MarketRecord[]) if (r.kind === 'tick') ticks.push(r);
  return { ticks, rejected: rejections.count };
}

describe('front month (third Friday, roll eight days before expiry)', () => {
  it('finds third Fridays', () => {
    expect(new Date(thirdFriday(2023, 9)).toISOString().slice(0, 10)).toBe('2023-09-15');
    expect(new Date(thirdFriday(2023, 12)).toISOString().slice(0, 10)).toBe('2023-12-15');
    expect(new Date(thirdFriday(2026, 3)).toISOString().slice(0, 10)).toBe('2026-03-20');
  });

  it('names contracts the way IB and Sierra Chart do', () => {
    expect(contract('ES', 2023, 12)).toMatchObject({ localSymbol: 'ESZ3', contractMonth: '202312', sierraSymbol: 'ESZ23-CME' });
    expect(() => contract('ES', 2023, 11)).toThrow('month 11 is not a quarterly contract month');
  });

  it('rolls eight days before expiry: ESM3 expires 2023-06-16, so ESU3 is front from 2023-06-08', () => {
    expect(frontMonth('ES', Date.UTC(2023, 5, 7, 20)).front.localSymbol).toBe('ESM3');
    const r = frontMonth('ES', Date.UTC(2023, 5, 8, 0));
    expect(r).toMatchObject({ reason: 'calendar' });
    expect(r.front.localSymbol).toBe('ESU3');
    expect(r.next.localSymbol).toBe('ESZ3');
    // The real CSV's dates (2023-09-24 on): ESU3 expired 2023-09-15, so ESZ3.
    expect(frontMonth('ES', Date.UTC(2023, 8, 24, 22)).front.localSymbol).toBe('ESZ3');
    // Across the year end: mid-December 2023 rolls into March 2024.
    expect(frontMonth('NQ', Date.UTC(2023, 11, 8)).front.localSymbol).toBe('NQH4');
  });

  it('rolls early when the next contract trades more volume', () => {
    const at = Date.UTC(2023, 5, 5);
    expect(frontMonth('ES', at, { nearest: 900_000, next: 400_000 }).front.localSymbol).toBe('ESM3');
    expect(frontMonth('ES', at, { nearest: 400_000, next: 900_000 })).toMatchObject({ reason: 'volume', front: { localSymbol: 'ESU3' } });
  });
});

describe('aggressor from the last quote', () => {
  it('at or above the ask is a buy, at or below the bid a sell, between unknown', () => {
    expect(aggressorFromQuote(4368.25, 4368, 4368.25)).toBe('buy');
    expect(aggressorFromQuote(4368, 4368, 4368.25)).toBe('sell');
    expect(aggressorFromQuote(4368.5, 4368, 4368.75)).toBe('unknown');
    expect(aggressorFromQuote(4368.5, Number.NaN, Number.NaN)).toBe('unknown');
  });
});

describe('SCID recorder', () => {
  it('writes batches on the flush timer, readable by the SCID reader with prices, sizes, sides and bid/ask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-rec-'));
    const file = join(dir, 'ESZ3.scid');
    const clock = new ManualClock(Date.UTC(2023, 8, 25, 14));
    const rec = new ScidRecorder(file, clock, { flushMs: 250 });
    const t0 = Date.UTC(2023, 8, 25, 14, 30);
    rec.add(tick(t0, 4368.25, 2, 'buy'));
    rec.add(tick(t0 + 5, 4368, 3, 'sell'));
    expect(statSync(file).size).toBe(SCID_HEADER_BYTES); // buffered, not yet written
    clock.advance(250);
    expect(rec.records).toBe(2);
    expect(statSync(file).size).toBe(SCID_HEADER_BYTES + 80);
    rec.close();
    const { ticks } = await readTicks(file);
    expect(ticks.map((t) => [t.tsEvent, t.price, t.size, t.side, t.bid, t.ask])).toEqual([
      [t0, 4368.25, 2, 'buy', 4368, 4368.25],
      [t0 + 5, 4368, 3, 'sell', 4367.75, 4368],
    ]);
  });

  it('keeps time strictly increasing: a trade in the same millisecond moves 1 µs later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-rec-'));
    const file = join(dir, 'ESZ3.scid');
    const rec = new ScidRecorder(file, new ManualClock(0));
    const t0 = Date.UTC(2023, 8, 25, 14, 30);
    rec.add(tick(t0, 4368.25));
    rec.add(tick(t0, 4368.5));
    rec.add(tick(t0 - 1000, 4368.75)); // a late stamp never goes backwards in the file
    rec.close();
    const { ticks, rejected } = await readTicks(file);
    expect(rejected).toBe(0);
    expect(ticks.map((t) => t.tsEvent)).toEqual([t0, t0 + 0.001, t0 + 0.002]);
  });

  it('after a crash mid-write: the torn last record is ignored on read and cut off when recording resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-rec-'));
    const file = join(dir, 'ESZ3.scid');
    const t0 = Date.UTC(2023, 8, 25, 14, 30);
    const rec = new ScidRecorder(file, new ManualClock(0));
    for (let i = 0; i < 3; i += 1) rec.add(tick(t0 + i * 1000, 4368 + i * 0.25));
    rec.close();
    appendFileSync(file, Buffer.alloc(17, 0x7f)); // the crash: 17 bytes of a 40-byte record
    expect((await readTicks(file)).ticks).toHaveLength(3);
    let torn = 0;
    const again = new ScidRecorder(file, new ManualClock(0), { onTorn: (b) => (torn = b) });
    expect(torn).toBe(17);
    again.add(tick(t0 + 10_000, 4370));
    again.close();
    expect(statSync(file).size).toBe(SCID_HEADER_BYTES + 4 * 40);
    expect((await readTicks(file)).ticks.map((t) => t.price)).toEqual([4368, 4368.25, 4368.5, 4370]);
  });

  it('refuses to append to a file that is not a SCID file, and leaves it as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-rec-'));
    const file = join(dir, 'ESZ3.scid');
    writeFileSync(file, 'timestamp,open,high,low,close,volume\n'.padEnd(80, ' '));
    const before = readFileSync(file);
    expect(() => new ScidRecorder(file, new ManualClock(0))).toThrow('header field "FileTypeUniqueHeaderID" is "time", expected "SCID"');
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
