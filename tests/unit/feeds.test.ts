/**
 * CSV and JSONL bar readers: parsing, zones, and rejected records named by
 * file, line and field while reading goes on.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { ES, type Bar } from '../../engine/domain';
import { csvBars, jsonlBars, parseCsvTimestamp } from '../../engine/feeds/bar-files';
import { detectFormat, openFeed } from '../../engine/feeds/index';
import { FeedError, RejectionLog } from '../../engine/feeds/rejections';
import { Zone } from '../../engine/time/zone';
import { REAL_CSV, SHARED_DATA, REAL_JSONL, REAL_SCID } from '../support/paths';

function write(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mia-feed-')), name);
  writeFileSync(file, text);
  return file;
}

async function read(gen: AsyncGenerator<Bar[]>): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const b of gen) out.push(...b);
  return out;
}

const opts = (rejections: RejectionLog, timeZone = 'America/New_York') => ({ instrument: ES, timeframe: '1m' as const, timeZone, rejections });

describe('parseCsvTimestamp', () => {
  const ny = new Zone('America/New_York');
  it('reads zone-less text in the given zone, and honours an explicit offset', () => {
    expect(parseCsvTimestamp('2023-09-24 18:00:00', ny)).toBe(Date.UTC(2023, 8, 24, 22));
    expect(parseCsvTimestamp('2023-09-24T18:00', ny)).toBe(Date.UTC(2023, 8, 24, 22));
    expect(parseCsvTimestamp('2023-09-24 18:00:00Z', ny)).toBe(Date.UTC(2023, 8, 24, 18));
    expect(parseCsvTimestamp('2023-09-24 18:00:00+02:00', ny)).toBe(Date.UTC(2023, 8, 24, 16));
    expect(parseCsvTimestamp('1695592800', ny)).toBe(1695592800000);
    expect(parseCsvTimestamp('24/09/2023 18:00', ny)).toBeNaN();
    expect(parseCsvTimestamp('2023-13-01 00:00', ny)).toBeNaN();
  });
});

describe('CSV bar reader', () => {
  it('reads the real CSV in full: 15,176 bars, first at 2023-09-24 18:00 ET', async () => {
    const log = new RejectionLog();
    const bars = await read(csvBars(REAL_CSV, opts(log)));
    expect(bars).toHaveLength(15176);
    expect(log.count).toBe(0);
    expect(bars[0]).toMatchObject({ ts: Date.UTC(2023, 8, 24, 22), open: 4365, high: 4367.5, low: 4364.25, close: 4365.25, volume: 1132, hasOrderFlow: false });
  });

  it('reads zone-less timestamps in --tz', async () => {
    const file = write('utc.csv', 'timestamp,open,high,low,close,volume\n2023-09-25 13:30:00,4340,4341,4339.5,4340.5,100\n');
    const bars = await read(csvBars(file, opts(new RejectionLog(), 'UTC')));
    expect(bars[0]?.ts).toBe(Date.UTC(2023, 8, 25, 13, 30));
  });

  it('rejects bad lines with file, line and field, and keeps the good ones', async () => {
    const file = write(
      'bad.csv',
      [
        'timestamp,open,high,low,close,volume',
        '2023-09-25 09:30:00,4340,4341,4339.5,4340.5,100', // ok
        '2023-09-25 09:31:00,4340,4341.1,4339.5,4340.5,100', // off grid
        '2023-09-25 09:32:00,4340,abc,4339.5,4340.5,100', // not a number
        '2023-09-25 09:33:00,4340,4339,4339.5,4340.5,100', // high < low
        '2023-09-25 09:30:00,4340,4341,4339.5,4340.5,100', // backwards
        'yesterday,4340,4341,4339.5,4340.5,100', // bad timestamp
        '2023-09-25 09:34:00,4340,4341,4339.5,4340.5,-5', // negative volume
        '2023-09-25 09:35:00,-4340,4341,4339.5,4340.5,5', // non-positive price
        '',
        '2023-09-25 09:36:00,4341,4342,4340.75,4341.5,250', // ok
      ].join('\n'),
    );
    const log = new RejectionLog();
    const bars = await read(csvBars(file, opts(log)));
    expect(bars.map((b) => b.close)).toEqual([4340.5, 4341.5]);
    expect(log.samples().map((r) => [r.location, r.field, r.reason])).toEqual([
      ['line 3', 'high', 'off-tick-grid'],
      ['line 4', 'high', 'not-finite'],
      ['line 5', 'high', 'inconsistent-ohlc'],
      ['line 6', 'timestamp', 'time-backwards'],
      ['line 7', 'timestamp', 'malformed'],
      ['line 8', 'volume', 'negative-volume'],
      ['line 9', 'open', 'non-positive-price'],
    ]);
    expect(log.samples()[0]?.message).toBe(`${file} line 3, field "high": 4341.1 is off the 0.25 tick grid`);
  });

  it('reads the hour a fall-back repeats in file order, first EDT then EST: every bar of the repeated hour in a zone-less US Eastern file (issue 16)', async () => {
    // 2023-11-05: at 02:00 EDT the clocks go back to 01:00 EST, so 01:00-01:59 comes twice.
    const lines = ['timestamp,open,high,low,close,volume'];
    const wall = (h: number, m: number): string => `2023-11-05 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
    for (const pass of [0, 1]) for (let m = 0; m < 60; m++) lines.push(`${wall(1, m)},4400,4401,4399,4400.25,${10 + pass}`);
    lines.push(`${wall(2, 0)},4400,4401,4399,4400.5,12`);
    const log = new RejectionLog();
    const bars = await read(csvBars(write('fallback.csv', lines.join('\n')), opts(log)));
    expect(log.samples()).toEqual([]);
    expect(bars).toHaveLength(121);
    expect(bars[0]?.ts).toBe(Date.UTC(2023, 10, 5, 5, 0)); // 01:00 EDT
    expect(bars[59]?.ts).toBe(Date.UTC(2023, 10, 5, 5, 59));
    expect(bars[60]?.ts).toBe(Date.UTC(2023, 10, 5, 6, 0)); // 01:00 EST, one real hour later
    expect(bars[119]?.ts).toBe(Date.UTC(2023, 10, 5, 6, 59));
    expect(bars[120]?.ts).toBe(Date.UTC(2023, 10, 5, 7, 0)); // 02:00 EST
    expect(new Set(bars.map((b) => b.ts)).size).toBe(121);
  });

  it('rejects a price no market makes beside its neighbours, and skips a line too long to hold (issue 16)', async () => {
    const bar = (hhmm: string, o: number, h: number, l: number, c: number): string => `2023-09-25 ${hhmm}:00,${o},${h},${l},${c},100`;
    const file = write(
      'outliers.csv',
      [
        'timestamp,open,high,low,close,volume',
        bar('09:30', 4340, 4341, 4339, 4340.5),
        bar('09:31', 4340.5, 200000, 4339, 4340.75), // a high of 200,000: one bar would span 780,000 profile rows
        bar('09:32', 43405, 43406, 43404, 43405), // a decimal point lost: 10x
        `2023-09-25 09:33:00,4340.75,4341,4340,4340.75,${'9'.repeat(70_000)}`, // 70,000 characters
        bar('09:34', 4340.75, 4342, 4340.5, 4341.5),
      ].join('\n'),
    );
    const log = new RejectionLog();
    const bars = await read(csvBars(file, opts(log)));
    expect(bars.map((b) => b.close)).toEqual([4340.5, 4341.5]);
    expect(log.samples().map((r) => [r.location, r.field, r.reason])).toEqual([
      ['line 3', 'high', 'price-outlier'],
      ['line 4', 'close', 'price-outlier'],
      ['line 5', 'line', 'malformed'],
    ]);
    expect(log.samples()[2]?.message).toMatch(/is longer than 65536 characters: skipped/);
  });

  it('three outliers in a row that agree move the reference: a bad first record costs two good ones, not the file (issue 16)', async () => {
    const rows = ['timestamp,open,high,low,close,volume', '2023-09-25 09:30:00,43400,43400,43400,43400,1'];
    for (let m = 31; m < 37; m++) rows.push(`2023-09-25 09:${m}:00,4340,4341,4339,4340.25,100`);
    const log = new RejectionLog();
    const bars = await read(csvBars(write('first-bad.csv', rows.join('\n')), opts(log)));
    expect(bars.map((b) => b.close)).toEqual([43400, 4340.25, 4340.25, 4340.25, 4340.25]);
    expect(log.samples().map((r) => r.reason)).toEqual(['price-outlier', 'price-outlier']);
  });

  it('refuses a price above 2^22 ticks: a bad first record no longer spans the profile over 1.6e11 rows or loops forever (issue 16)', async () => {
    for (const huge of ['40000000000', '5000000000000000']) {
      const rows = ['timestamp,open,high,low,close,volume', `2023-09-25 09:30:00,${huge},${huge},${huge},${huge},5`];
      for (let m = 31; m < 40; m++) rows.push(`2023-09-25 09:${m}:00,4340,4341,4339,4340.25,100`);
      const file = write(`first-huge-${huge.length}.csv`, rows.join('\n'));
      const log = new RejectionLog();
      expect((await read(csvBars(file, opts(log)))).map((b) => b.close)).toEqual(Array(9).fill(4340.25));
      expect(log.samples().map((r) => [r.location, r.field, r.reason])).toEqual([['line 2', 'open', 'price-out-of-range']]);
      expect(log.samples()[0]?.message).toMatch(/is above 1048576, the largest price taken \(4194304 ticks\)/);
      // Through the whole pipeline: the session's profile is of the good bars (this threw "Invalid typed array length: 159999982791", and hung at 5e15).
      const r = await runBacktest({ file });
      expect(r.sessions.map((s) => [s.bars, s.high, s.low])).toEqual([[9, 4341, 4339]]);
    }
  });

  it('opened at 5m, the 1-minute CSV plays 5-minute bars built from its own (issue 17)', async () => {
    const feed = await openFeed(REAL_CSV, { instrument: ES, barTimeframe: '5m', timeZone: ES.timeZone, rejections: new RejectionLog() });
    const bars: Bar[] = [];
    for await (const b of feed.blocks()) bars.push(...(b as Bar[]));
    // The file's first five lines, 18:00 to 18:04 ET: open 4365.00, high 4367.75, low 4364.25, close 4367.25, volume 1132 + 482 + 473 + 545 + 272.
    expect(bars[0]).toMatchObject({ tf: '5m', ts: Date.UTC(2023, 8, 24, 22, 0), open: 4365, high: 4367.75, low: 4364.25, close: 4367.25, volume: 2904 });
    expect(bars.every((b) => b.tf === '5m' && b.ts % 300_000 === 0)).toBe(true);
    expect(new Set(bars.map((b) => b.ts)).size).toBe(bars.length);
    expect(bars.reduce((s, b) => s + b.volume, 0)).toBe((await read(csvBars(REAL_CSV, opts(new RejectionLog())))).reduce((s, b) => s + b.volume, 0));
  });

  it('a Sierra Chart 5-minute export plays at 5m, builds 15m, and refuses 1m by name (issue 17)', async () => {
    const file = resolve(SHARED_DATA, 'es/sierra-5m/ESH15-CME.scid_BarData__5m.txt');
    const at = async (tf: '1m' | '5m' | '15m'): Promise<Bar[]> => {
      const feed = await openFeed(file, { instrument: ES, barTimeframe: tf, timeZone: 'America/Chicago', rejections: new RejectionLog() });
      const out: Bar[] = [];
      for await (const b of feed.blocks()) out.push(...(b as Bar[]));
      return out;
    };
    await expect(at('1m')).rejects.toThrow('ESH15-CME.scid_BarData__5m.txt: its bars are 5m bars, coarser than 1m: open it at 5m or a coarser timeframe');
    expect((await at('5m'))[0]).toMatchObject({ tf: '5m', open: 2078.75, close: 2079 });
    // 18:00, 18:05 and 18:10 CT: open 2078.75, high 2079.25, low 2078.50, close 2079.25, volume 129 + 145 + 116, bid 60 + 48 + 26, ask 69 + 97 + 90.
    expect((await at('15m'))[0]).toMatchObject({ tf: '15m', ts: Date.UTC(2014, 11, 24, 0, 0), open: 2078.75, high: 2079.25, low: 2078.5, close: 2079.25, volume: 390, bidVolume: 134, askVolume: 256, trades: 234 });
  });

  it('refuses a hex price and a day the month does not have, by line and field (issue 16)', async () => {
    const file = write(
      'words.csv',
      [
        'timestamp,open,high,low,close,volume',
        '2023-02-27 09:30:00,4340,4341,4339,4340.5,100',
        '2023-02-28 09:30:00,0x10F4,4341,4339,4340.5,100', // 4340 in hex
        '2023-02-29 09:30:00,4340,4341,4339,4340.5,100', // 2023 is not a leap year
        '2023-02-31 09:30:00,4340,4341,4339,4340.5,100',
        '2023-03-01 09:30:00,4340,4341,4339,4340.75,100',
      ].join('\n'),
    );
    const log = new RejectionLog();
    const bars = await read(csvBars(file, opts(log)));
    expect(bars.map((b) => b.close)).toEqual([4340.5, 4340.75]);
    expect(log.samples().map((r) => [r.location, r.field, r.reason])).toEqual([
      ['line 3', 'open', 'not-finite'],
      ['line 4', 'timestamp', 'malformed'],
      ['line 5', 'timestamp', 'malformed'],
    ]);
    expect(parseCsvTimestamp('2024-02-29 09:30', new Zone('America/New_York'))).toBe(Date.UTC(2024, 1, 29, 14, 30)); // a leap day is a day
  });

  it('rejects a SCID record whose DateTime no date can hold, by record, instead of "Invalid time value" (issue 16)', async () => {
    const bytes = Buffer.from(readFileSync(REAL_SCID).subarray(0, 56 + 40 * 5));
    bytes.writeUInt32LE(0xffffffff, 56 + 40 * 2);
    bytes.writeInt32LE(0x7fffffff, 56 + 40 * 2 + 4);
    const file = write('bad-time.scid', '');
    writeFileSync(file, bytes);
    const log = new RejectionLog();
    const feed = await openFeed(file, { instrument: ES, barTimeframe: '1m', timeZone: 'America/New_York', rejections: log });
    let n = 0;
    for await (const block of feed.blocks()) n += block.length;
    expect(n).toBe(4);
    expect(log.samples().map((r) => [r.location, r.field, r.reason])).toEqual([['record 3', 'ts', 'malformed']]);
    expect(log.samples()[0]?.message).toMatch(/ms is not a time between 1970 and 2100/);
  });

  it('refuses a SCID file whose HeaderSize is not 56 instead of reading no record (issue 16)', async () => {
    const bytes = readFileSync(REAL_SCID);
    bytes.writeUInt32LE(0xffffffff, 4);
    const file = write('bad-header.scid', '');
    writeFileSync(file, bytes);
    const feed = await openFeed(file, { instrument: ES, barTimeframe: '1m', timeZone: 'America/New_York', rejections: new RejectionLog() });
    await expect(async () => {
      for await (const _ of feed.blocks()) void _;
    }).rejects.toThrow(/header field "HeaderSize" is 4294967295, expected 56/);
  });

  it('rejects a forward-dated record alone, not the good ones after it; a real gap passes (issue 16)', async () => {
    const minute = (d: string, hhmm: string, close: number): string => `${d} ${hhmm}:00,4340,4342,4339,${close},100`;
    const file = write(
      'outlier.csv',
      [
        'timestamp,open,high,low,close,volume',
        minute('2023-09-25', '09:30', 4340),
        minute('2023-09-25', '09:31', 4340.25),
        minute('2024-09-25', '09:32', 4340.5), // the year typed wrong: ahead of both neighbours
        minute('2023-09-25', '09:33', 4340.75),
        minute('2023-09-25', '09:34', 4341),
        minute('2023-09-29', '16:59', 4341.25), // Friday's close, then the weekend: a real gap
        minute('2023-10-01', '18:00', 4341.5),
        minute('2023-10-01', '18:01', 4341.75),
      ].join('\n'),
    );
    const log = new RejectionLog();
    const bars = await read(csvBars(file, opts(log)));
    expect(bars.map((b) => b.close)).toEqual([4340, 4340.25, 4340.75, 4341, 4341.25, 4341.5, 4341.75]);
    expect(log.samples().map((r) => [r.location, r.field, r.reason])).toEqual([['line 4', 'timestamp', 'time-outlier']]);
    expect(log.samples()[0]?.message).toMatch(/2024-09-25T13:32:00.000Z is ahead of both its neighbours \(2023-09-25T13:31:00.000Z and 2023-09-25T13:33:00.000Z\)/);
    // The same record last in the file: nothing after it contradicts it, so it goes out.
    const tail = write('tail.csv', ['timestamp,open,high,low,close,volume', minute('2023-09-25', '09:30', 4340), minute('2024-09-25', '09:32', 4340.5)].join('\n'));
    expect((await read(csvBars(tail, opts(new RejectionLog())))).map((b) => b.close)).toEqual([4340, 4340.5]);
  });

  it('refuses a file without the needed columns', async () => {
    const file = write('cols.csv', 'time,o,h,l,c\n1,2,3,4,5\n');
    await expect(read(csvBars(file, opts(new RejectionLog())))).rejects.toThrow(FeedError);
  });

  it("reads Sierra Chart's text export with bid and ask volume", async () => {
    const file = write('sierra.txt', 'Date, Time, Open, High, Low, Last, Volume, NumberOfTrades, BidVolume, AskVolume\n2023/9/25, 09:30:00, 4340, 4341, 4339.5, 4340.5, 100, 40, 45, 55\n');
    const bars = await read(csvBars(file, opts(new RejectionLog())));
    expect(bars[0]).toMatchObject({ ts: Date.UTC(2023, 8, 25, 13, 30), close: 4340.5, trades: 40, bidVolume: 45, askVolume: 55, delta: 10, hasOrderFlow: true });
  });
});

describe('JSONL bar reader', () => {
  it('reads the real Sierra export with order flow, keeping v when a + b != v', async () => {
    const log = new RejectionLog();
    const bars = await read(jsonlBars(REAL_JSONL, opts(log)));
    expect(bars).toHaveLength(1000);
    expect(log.count).toBe(0);
    // line 1: {"t":1294009200000,"o":1256,"h":1257,"l":1255.25,"c":1256.75,"v":1473,"n":381,"b":626,"a":1140}
    expect(bars[0]).toEqual({ kind: 'bar', tf: '1m', ts: 1294009200000, open: 1256, high: 1257, low: 1255.25, close: 1256.75, volume: 1473, bidVolume: 626, askVolume: 1140, delta: 514, trades: 381, hasOrderFlow: true });
    // The data README counts 83 bars whose a + b differs from v; all are kept as they are.
    expect(bars.filter((b) => b.askVolume + b.bidVolume !== b.volume)).toHaveLength(83);
  });

  it('rejects bad lines naming the field', async () => {
    const file = write(
      'bad.jsonl',
      [
        '{"t":1294009200000,"o":1256,"h":1257,"l":1255.25,"c":1256.75,"v":10,"b":4,"a":6}',
        '{"t":1294009260000,"o":1256,"h":"x","l":1255.25,"c":1256.75,"v":10}',
        'not json',
        '{"t":1294009320000,"o":1256,"h":1257,"l":1255.25,"c":1256.75,"v":12}',
      ].join('\n'),
    );
    const log = new RejectionLog();
    const bars = await read(jsonlBars(file, opts(log)));
    expect(bars.map((b) => b.ts)).toEqual([1294009200000, 1294009320000]);
    expect(bars[1]?.hasOrderFlow).toBe(false);
    expect(log.samples().map((r) => [r.location, r.field])).toEqual([
      ['line 2', 'h'],
      ['line 3', '(line)'],
    ]);
  });
});

describe('detectFormat', () => {
  it('goes by extension, then by content', async () => {
    expect(await detectFormat(REAL_SCID)).toBe('scid');
    expect(await detectFormat(REAL_CSV)).toBe('csv');
    expect(await detectFormat(REAL_JSONL)).toBe('jsonl');
    expect(await detectFormat(write('x.dat', '{"t":1}\n'))).toBe('jsonl');
  });
});
