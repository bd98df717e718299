/**
 * The real ES CSV (11 Globex sessions, 2023-09-24 18:00 to 2023-10-09 16:59 ET)
 * through the backtest path, and what it leaves in the journal.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { esNqCorrelation } from '../../engine/method/features';
import { openDb } from '../../engine/store/db';
import type { Bar } from '../../engine/domain';
import { Zone } from '../../engine/time/zone';
import { REAL_CSV, REAL_JSONL, SHARED_DATA } from '../support/paths';

// [trade date, bars, volume, high, low] per session, tallied independently in
// Python (csv module; trade date = date of ET wall time + 6 h, so the 18:00
// open starts the next day's session).
const SESSIONS: [string, number, number, number, number][] = [
  ['2023-09-25', 1379, 1498494, 4383.5, 4338.25],
  ['2023-09-26', 1379, 1673788, 4382.0, 4305.5],
  ['2023-09-27', 1380, 1893832, 4336.5, 4277.0],
  ['2023-09-28', 1380, 1946204, 4355.75, 4301.0],
  ['2023-09-29', 1380, 2008938, 4371.25, 4311.0],
  ['2023-10-02', 1380, 1894098, 4355.5, 4295.5],
  ['2023-10-03', 1380, 2191406, 4335.75, 4251.25],
  ['2023-10-04', 1380, 2096802, 4304.0, 4235.5],
  ['2023-10-05', 1380, 1623709, 4302.0, 4258.0],
  ['2023-10-06', 1378, 2124186, 4358.5, 4242.25],
  ['2023-10-09', 1380, 1422166, 4375.75, 4299.5],
];

describe('real ES CSV', () => {
  it('splits into the 11 Globex sessions with their bars, volume, high and low', async () => {
    const r = await runBacktest({ file: REAL_CSV });
    expect(r.rejected).toBe(0);
    expect(r.bars).toBe(15176);
    expect(r.sessions.map((s) => [s.id, s.bars, s.volume, s.high, s.low])).toEqual(SESSIONS);
    expect(r.sessions[0]?.startTs).toBe(Date.UTC(2023, 8, 24, 22, 0)); // Sun 18:00 EDT
    expect(r.sessions[10]?.endTs).toBe(Date.UTC(2023, 9, 9, 21, 0)); // Mon 17:00 EDT, end of the 16:59 bar
  });

  it('gives the levels of session 2023-09-25 that an independent computation gives', async () => {
    // Verified with a separate Python script in exact rational arithmetic
    // (fractions.Fraction): VWAP over typical prices (H+L+C)/3, each bar's
    // volume spread evenly over its rows, POC with the tie rules (one row at
    // the maximum here), value area by the two-row rule to 70%:
    //   VWAP 4363.589518598896, sigma 9.808854761630165,
    //   POC 4370.00, VAH 4375.00, VAL 4353.00 (the area holds 70.91%).
    const r = await runBacktest({ file: REAL_CSV });
    const s = r.sessions[0];
    expect(s?.vwap).toBeCloseTo(4363.589518598896, 8);
    expect(s?.vwapSigma).toBeCloseTo(9.808854761630165, 6);
    expect([s?.poc, s?.vah, s?.val]).toEqual([4370, 4375, 4353]);
  });

  it("carries each session's value area into the next as pPOC/pVAH/pVAL", async () => {
    const firstBarOfSession2: { pPoc: number; pVah: number; pVal: number }[] = [];
    await runBacktest({
      file: REAL_CSV,
      onBar: (c) => {
        if (c.levels?.sessionId === '2023-09-26' && firstBarOfSession2.length === 0) firstBarOfSession2.push(c.levels);
      },
    });
    expect(firstBarOfSession2[0]).toMatchObject({ pPoc: 4370, pVah: 4375, pVal: 4353 });
  });

  it('never shows a level from a later bar: the output for bar N is the same if the data stop at N', async () => {
    const full: string[] = [];
    await runBacktest({ file: REAL_JSONL, onBar: (c) => full.push(JSON.stringify(c.levels)) });
    const { writeFileSync, readFileSync } = await import('node:fs');
    const cut = join(mkdtempSync(join(tmpdir(), 'mia-cut-')), 'first-300.jsonl');
    writeFileSync(cut, readFileSync(REAL_JSONL, 'utf8').split('\n').slice(0, 300).join('\n'));
    const partial: string[] = [];
    await runBacktest({ file: cut, onBar: (c) => partial.push(JSON.stringify(c.levels)) });
    expect(partial).toEqual(full.slice(0, 300));
  });

  it('journals the run: sessions, bars and per-bar levels', async () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'mia-journal-')), 'journal.sqlite'));
    const r = await runBacktest({ file: REAL_CSV, db });
    const count = (sql: string): number => (db.prepare(sql).get(r.runId) as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM bars WHERE run_id = ?')).toBe(15176);
    expect(count('SELECT count(*) AS n FROM levels WHERE run_id = ?')).toBe(15176);
    expect(count('SELECT count(*) AS n FROM sessions WHERE run_id = ?')).toBe(11);
    expect(db.prepare('SELECT status, bars, rejected FROM runs WHERE id = ?').get(r.runId)).toEqual({ status: 'completed', bars: 15176, rejected: 0 });
    expect(db.prepare("SELECT poc, vah, val FROM sessions WHERE run_id = ? AND id = '2023-09-25'").get(r.runId)).toEqual({ poc: 4370, vah: 4375, val: 4353 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('NinjaTrader 8 Volumetric exports (issue 17)', () => {
  const NT_ES = resolve(SHARED_DATA, 'es/ninjatrader/ES_Volumetric_1.csv');
  const NT_NQ = resolve(SHARED_DATA, 'es/ninjatrader/NQ_Volumetric_1.csv');

  it('reads both files whole: the #schema comment skipped, each bar opened a minute before the end it is labelled by, order flow from vol_bid/vol_ask', async () => {
    const bars: Bar[] = [];
    const es = await runBacktest({ file: NT_ES, onDecision: (d) => bars.push(d.bar) });
    const nq = await runBacktest({ file: NT_NQ });
    expect([es.bars, es.rejected, nq.bars, nq.rejected]).toEqual([9419, 0, 9128, 0]);
    // The first line 2026-02-05T18:01 ET is the 18:00 minute: open 6785.5, 668 at the ask, 449 at the bid.
    expect(bars[0]).toMatchObject({ ts: Date.UTC(2026, 1, 5, 23, 0), open: 6785.5, high: 6792.25, low: 6785.25, close: 6790.5, volume: 1117, askVolume: 668, bidVolume: 449, delta: 219, hasOrderFlow: true });
  }, 60_000);

  it("gives a session VWAP that NinjaTrader's own agrees with: within a tick at 95% of the 9,419 bars", async () => {
    const vwap = new Map<number, number>();
    await runBacktest({ file: NT_ES, onDecision: (d) => d.levels?.vwap != null && vwap.set(d.bar.ts, d.levels.vwap) });
    const lines = readFileSync(NT_ES, 'utf8').trim().split('\n').slice(2);
    const diffs: number[] = [];
    for (const line of lines) {
      const f = line.split(',');
      // NinjaTrader's label is the bar's end in New York time; its vwap column is the 14th.
      const end = new Zone('America/New_York').toUtcMs(parseWall(f[0]!));
      const ours = vwap.get(end - 60_000);
      if (ours !== undefined) diffs.push(Math.abs(ours - Number(f[13])));
    }
    diffs.sort((a, b) => a - b);
    expect(diffs.length).toBe(9419);
    expect(diffs[Math.floor(diffs.length / 2)]!).toBeLessThan(0.05); // measured 0.021
    expect(diffs[Math.floor(diffs.length * 0.95)]!).toBeLessThan(0.25); // measured 0.086
  }, 60_000);
});

describe('ES/NQ correlation from a second file (issue 17)', () => {
  it('reads NQ beside ES: es_nq_correlation is the section 7 formula on the two files\' closes, no longer the neutral 0.5', async () => {
    const NT = (s: string) => resolve(SHARED_DATA, `es/ninjatrader/${s}_Volumetric_1.csv`);
    const decisions: { ts: number; esNq: number; missing: readonly string[] }[] = [];
    await runBacktest({ file: NT('ES'), nqFile: NT('NQ'), onDecision: (d) => decisions.push({ ts: d.bar.ts, esNq: d.confluence.features.es_nq_correlation, missing: d.confluence.missing }) });
    // Neutral only where the NQ file has a hole: Sunday 2026-02-15 18:01 to 22:50 ET holds ES bars and no NQ.
    const without = decisions.filter((d) => d.missing.includes('nq'));
    expect(without.length).toBeGreaterThan(0);
    expect(without.every((d) => d.ts >= Date.UTC(2026, 1, 15, 23, 0) && d.ts < Date.UTC(2026, 1, 16, 4, 15))).toBe(true);
    // Independently of the pipeline: closes straight from the two files (each line's end label minus a minute is the bar).
    const closes = (s: string): Map<number, number> => {
      const m = new Map<number, number>();
      for (const line of readFileSync(NT(s), 'utf8').trim().split('\n').slice(2)) {
        const f = line.split(',');
        m.set(new Zone('America/New_York').toUtcMs(parseWall(f[0]!)) - 60_000, Number(f[6]));
      }
      return m;
    };
    const es = closes('ES');
    const nq = closes('NQ');
    const at = decisions[2000]!; // 21 bars of both, within a session
    const window = [...es.keys()].filter((t) => t <= at.ts).slice(-21);
    expect(window.every((t) => nq.has(t))).toBe(true);
    expect(at.esNq).toBeCloseTo(esNqCorrelation(window.map((t) => es.get(t)!), window.map((t) => nq.get(t)!), 20), 12);
    expect(new Set(decisions.map((d) => d.esNq.toFixed(3))).size).toBeGreaterThan(100);
  }, 60_000);
});

/** The wall time of an ISO local timestamp (yyyy-mm-ddThh:mm:ss.sss). */
function parseWall(text: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text)!;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), ms: 0 } as never;
}
