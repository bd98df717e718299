/**
 * Market depth (issue 18, item 4): the order book from depth updates, and
 * Sierra Chart's trades with depth as text, read from the real sample
 * (shared/data/depth/ES_trades_depth40_2022-01-24.txt: 2,026 trades, one
 * minute, 40 levels a side; the README says 2,025, the file has 2,026 lines
 * after its header) and replayed so that its book drives the ladder.
 * Expected values were read off the file with awk, independently of the
 * reader: total volume 2,846, 59 changes of the book, the first and last
 * lines' levels.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DepthBook } from '../../engine/book/depth-book';
import { LiveClock } from '../../engine/clock';
import { ES, type TradeTick } from '../../engine/domain';
import { depthTextTicks, depthTextTime } from '../../engine/feeds/depth-text';
import { IbDepthRows } from '../../engine/live/ib/depth-rows';
import { detectFormat } from '../../engine/feeds/index';
import { RejectionLog } from '../../engine/feeds/rejections';
import { createKernel } from '../../engine/kernel';
import { eventually } from '../support/manual-clock';
import { REAL_DEPTH_TXT } from '../support/paths';

async function ticksOf(file: string, rejections = new RejectionLog()): Promise<TradeTick[]> {
  const out: TradeTick[] = [];
  for await (const block of depthTextTicks(file, ES, rejections)) out.push(...block);
  return out;
}

describe('the order book', () => {
  it('sets, replaces and removes levels by price, clears, and gives the best levels of each side', () => {
    const b = new DepthBook(0.25);
    b.apply([{ side: 'bid', price: 100, size: 5 }, { side: 'bid', price: 99.75, size: 7 }, { side: 'ask', price: 100.25, size: 3 }, { side: 'ask', price: 100.5, size: 9 }], 1);
    // A float32 price from a feed lands on its level.
    b.apply([{ side: 'bid', price: Math.fround(99.75), size: 8 }, { side: 'ask', price: 100.25, size: 0 }], 2);
    expect(b.levels('bid', 5)).toEqual([{ price: 100, size: 5 }, { price: 99.75, size: 8 }]);
    expect(b.levels('ask', 5)).toEqual([{ price: 100.5, size: 9 }]);
    expect(b.best()).toEqual({ bid: 100, ask: 100.5 });
    expect([b.sizeAt('bid', 99.75), b.sizeAt('ask', 100.25), b.updatedTs]).toEqual([8, 0, 2]);
    const copy = new DepthBook(0.25);
    copy.apply(b.snapshot(), 3);
    expect(copy.levels('bid', 5)).toEqual(b.levels('bid', 5));
    b.apply([{ side: 'clear', price: 0, size: 0 }], 4);
    expect(b.empty).toBe(true);
  });
});

describe("IB's depth rows (EWrapper updateMktDepth: row, operation 0 insert / 1 update / 2 delete, side 0 ask / 1 bid)", () => {
  it('give the book by price: an insert moves the rows below down, a delete moves them up, an update changes one level', () => {
    const r = new IbDepthRows();
    expect(r.apply(0, 0, 1, 100, 5)).toEqual([{ side: 'bid', price: 100, size: 5 }]);
    expect(r.apply(1, 0, 1, 99.5, 7)).toEqual([{ side: 'bid', price: 99.5, size: 7 }]);
    // 99.75 inserted at row 1: 99.50 moves to row 2, its size unchanged, so only the new level is a change.
    expect(r.apply(1, 0, 1, 99.75, 6)).toEqual([{ side: 'bid', price: 99.75, size: 6 }]);
    expect(r.apply(1, 1, 1, 99.75, 9)).toEqual([{ side: 'bid', price: 99.75, size: 9 }]);
    // Row 2 updated to a new price: the old one is gone, the new one is there.
    expect(r.apply(2, 1, 1, 99.25, 4)).toEqual([{ side: 'bid', price: 99.5, size: 0 }, { side: 'bid', price: 99.25, size: 4 }]);
    expect(r.apply(0, 2, 1, 100, 5)).toEqual([{ side: 'bid', price: 100, size: 0 }]);
    expect(r.apply(0, 0, 0, 100.25, 3)).toEqual([{ side: 'ask', price: 100.25, size: 3 }]);
    expect(r.apply(9, 2, 0, 0, 0)).toEqual([]); // a delete beyond the rows held changes nothing
    expect(r.reset()).toEqual([{ side: 'clear', price: 0, size: 0 }]);
  });
});

describe("Sierra Chart's trades with depth (the real sample)", () => {
  it("reads the study's time: the fraction is a whole number of microseconds", () => {
    const t0 = Date.UTC(2022, 0, 24, 13, 30, 0);
    expect(depthTextTime('2022-01-24', '13:30:00.5000') - t0).toBe(5);
    expect(depthTextTime('2022-01-24', '13:30:00.47000') - t0).toBe(47);
    expect(depthTextTime('2022-01-24', '13:31:00.955009') - t0).toBeCloseTo(60_955.009, 3);
    expect(depthTextTime('2022-01-24', '13:30:61')).toBeNaN();
  });

  it('is detected by its header and read whole: 2,026 trades, 2,846 contracts, the book on the 59 trades where it changed', async () => {
    expect(await detectFormat(REAL_DEPTH_TXT)).toBe('depth');
    const rejections = new RejectionLog();
    const ticks = await ticksOf(REAL_DEPTH_TXT, rejections);
    expect(rejections.count).toBe(0);
    expect(ticks).toHaveLength(2026);
    expect(ticks.reduce((a, t) => a + t.size, 0)).toBe(2846);
    expect(ticks.filter((t) => t.side === 'buy').reduce((a, t) => a + t.size, 0)).toBe(1432);
    expect(ticks.filter((t) => t.depth !== undefined)).toHaveLength(59);
    // Line 2: 13:30:00.005, 1 lot at 4347.75 lifting the ask; the book: asks from 4347.75 (11, 60, 34), bids from 4347.50 (35, 25, 23).
    expect(ticks[0]).toMatchObject({ tsEvent: Date.UTC(2022, 0, 24, 13, 30, 0) + 5, price: 4347.75, size: 1, side: 'buy', bid: 4347.5, ask: 4347.75 });
    const first = new DepthBook(0.25);
    first.apply(ticks[0]!.depth!, ticks[0]!.tsEvent);
    expect(first.levels('ask', 3)).toEqual([{ price: 4347.75, size: 11 }, { price: 4348, size: 60 }, { price: 4348.25, size: 34 }]);
    expect(first.levels('bid', 3)).toEqual([{ price: 4347.5, size: 35 }, { price: 4347.25, size: 25 }, { price: 4347, size: 23 }]);
    expect(first.levels('ask', 50)).toHaveLength(40);
    // After every change, the book of the last line: asks from 4346.25 (21, 21, 21, 25, 30), bids from 4346.00 (2, 15, 30, 36, 27).
    const book = new DepthBook(0.25);
    for (const t of ticks) if (t.depth !== undefined) book.apply(t.depth, t.tsEvent);
    expect(book.levels('ask', 3)).toEqual([{ price: 4346.25, size: 21 }, { price: 4346.5, size: 21 }, { price: 4346.75, size: 21 }]);
    expect(book.levels('bid', 3)).toEqual([{ price: 4346, size: 2 }, { price: 4345.75, size: 15 }, { price: 4345.5, size: 30 }]);
  });

  it('rejects a bad line naming its number and field, and reads on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-depth-'));
    const file = join(dir, 'ES_depth.txt');
    const lines = readFileSync(REAL_DEPTH_TXT, 'utf8').split(/\r?\n/);
    lines[3] = lines[3]!.replace(/^2022-01-24;13:30:00\.\d+;/, '2022-01-24;13:3O:00.1;'); // a letter O in the time
    lines[5] = lines[5]!.split(';').slice(0, 40).join(';'); // torn
    writeFileSync(file, lines.join('\n'));
    const rejections = new RejectionLog();
    const ticks = await ticksOf(file, rejections);
    expect(ticks).toHaveLength(2024);
    expect(rejections.samples().map((r) => [r.location, r.field, r.reason])).toEqual([
      ['line 4', 'Time', 'malformed'],
      ['line 6', 'line', 'malformed'],
    ]);
    expect(rejections.samples()[1]!.message).toMatch(/ES_depth\.txt line 6, field "line": has 40 fields, the header 95/);
    const notDepth = join(dir, 'notes.txt');
    copyFileSync(REAL_DEPTH_TXT, notDepth);
    writeFileSync(notDepth, 'Date;Time;Price\n2022-01-24;13:30:00;4347.75\n');
    await expect(detectFormat(notDepth)).rejects.toThrow(/notes\.txt: not a Sierra Chart \.scid, bar CSV, JSONL or trades-with-depth file/);
  });

  it('replayed, its book drives the ladder: bid and ask sizes at their prices, the best bid and ask the book\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-depth-replay-'));
    const k = createKernel({ dataDir: dir, marketDataDir: dir, version: 'test' }, new LiveClock());
    try {
      await k.api.openReplay({ path: REAL_DEPTH_TXT });
      await k.api.setSpeed('max');
      await k.api.play();
      await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 30_000);
      const l = (await k.api.getLadder(9, 4346.25))!;
      expect(l).toMatchObject({ depth: true, last: 4345.75, bid: 4346, ask: 4346.25 });
      expect(l.rows.map((r) => [r.price, r.bidSize, r.askSize])).toEqual([
        [4347.25, null, 30],
        [4347, null, 25],
        [4346.75, null, 21],
        [4346.5, null, 21],
        [4346.25, null, 21],
        [4346, 2, null],
        [4345.75, 15, null],
        [4345.5, 30, null],
        [4345.25, 36, null],
      ]);
      // Volume at price is the session's trades: 230 contracts traded at 4345.75 (awk on the file).
      expect(l.rows.find((r) => r.price === 4345.75)?.volume).toBe(230);
    } finally {
      await k.close();
    }
  });
});
