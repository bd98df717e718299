/**
 * Contract files as one front-month series (issue 19, first part): the 34
 * real Sierra Chart five-minute exports in shared/data/es/sierra-5m (ESH15
 * to ESM23, US Central bar-start times) in one backtest, checked against an
 * independent tally written here over the raw files: sessions, bars and
 * volume per session, the contracts in order from their first bars; the
 * change of contract journaled where it happens; a position open at a roll
 * closed at the old contract's last price; a date range; overlapping files.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import { createKernel } from '../../engine/kernel';
import { eventually } from '../support/manual-clock';
import { openDb } from '../../engine/store/db';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { contractOf } from '../../engine/feeds/series';
import { RecordedCheck } from '../../engine/run/recorded';
import { runScript } from '../../engine/store/history';
import { SHARED_DATA } from '../support/paths';
import { at, rig } from '../support/trader-rig';

const DIR = join(SHARED_DATA, 'es/sierra-5m');
const FILES = readdirSync(DIR).filter((n) => n.endsWith('.txt')).sort();

/** A raw line's bar-start as Central wall time -> Eastern wall fields (ET is always CT + 1 h: both zones change on the same dates). */
function easternOf(date: string, time: string): { y: number; m: number; d: number; minute: number } {
  const [y, m, d] = date.split('/').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const t = new Date(Date.UTC(y, m - 1, d, hh + 1, mm));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), minute: t.getUTCHours() * 60 + t.getUTCMinutes() };
}

/** The Globex trade date of an Eastern wall time (CME: 18:00-17:00 ET, dated by its close; weekends roll to Monday), null in the 17:00-18:00 halt. */
function sessionOf(e: { y: number; m: number; d: number; minute: number }): string | null {
  if (e.minute >= 17 * 60 && e.minute < 18 * 60) return null;
  let t = Date.UTC(e.y, e.m - 1, e.d) + (e.minute >= 18 * 60 ? 86_400_000 : 0);
  const dow = new Date(t).getUTCDay();
  if (dow === 6) t += 2 * 86_400_000;
  else if (dow === 0) t += 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Bars and volume per session over the raw files, and each file's first bar (Eastern wall "YYYY-MM-DD HH:MM"). */
function tally(files: readonly string[]) {
  const sessions = new Map<string, { bars: number; volume: number }>();
  const firsts: string[] = [];
  let bars = 0;
  for (const f of files) {
    const lines = readFileSync(join(DIR, f), 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim() !== '');
    lines.forEach((line, i) => {
      const c = line.split(',').map((x) => x.trim());
      const e = easternOf(c[0]!, c[1]!);
      if (i === 0) firsts.push(`${e.y}-${String(e.m).padStart(2, '0')}-${String(e.d).padStart(2, '0')} ${String(Math.floor(e.minute / 60)).padStart(2, '0')}:${String(e.minute % 60).padStart(2, '0')}`);
      bars += 1;
      const id = sessionOf(e);
      if (id === null) return;
      const s = sessions.get(id) ?? { bars: 0, volume: 0 };
      s.bars += 1;
      s.volume += Number(c[6]);
      sessions.set(id, s);
    });
  }
  return { sessions, firsts, bars };
}

const easternIso = (ts: number): string => new Date(ts).toLocaleString('sv-SE', { timeZone: 'America/New_York' }).slice(0, 16);

describe('the 34 real contract files as one series', () => {
  it('one backtest over the folder: every bar taken, sessions, bars and volume per session as the raw files tally, the contracts in order from their first bars', async () => {
    const r = await runBacktest({ file: DIR, timeZone: 'America/Chicago', timeframe: '5m' });
    const t = tally(FILES);
    expect(t.bars).toBe(592_582);
    expect([r.bars, r.records, r.rejected, r.overlapDropped]).toEqual([592_582, 592_582, 0, 0]);
    // The tally reads the files by name; sessions are compared by date.
    expect(r.sessions.map((s) => [s.id, s.bars, s.volume])).toEqual([...t.sessions].map(([id, s]) => [id, s.bars, s.volume]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    expect(r.contracts.map((c) => c.contract)).toEqual(FILES.map(contractOf).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)) || 'HMUZ'.indexOf(a[2]!) - 'HMUZ'.indexOf(b[2]!)));
    expect(r.contracts.map((c) => easternIso(c.fromTs)).sort()).toEqual([...t.firsts].sort());
    expect(r.contracts[0]).toMatchObject({ contract: 'ESH15' });
    expect(r.contracts.at(-1)).toMatchObject({ contract: 'ESM23' });
  }, 120_000);

  it('journals each change of contract at the old one\'s last bar, and cuts the series to a date range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-series-'));
    const db = openDb(join(dir, 'journal.sqlite'));
    const three = ['ESH15', 'ESM15', 'ESU15'].map((c) => join(DIR, `${c}-CME.scid_BarData__5m.txt`));
    const r = await runBacktest({ file: three, timeZone: 'America/Chicago', timeframe: '5m', db, wall: new LiveClock() });
    db.close();
    const raw = new Database(join(dir, 'journal.sqlite'), { readonly: true });
    const rolls = (raw.prepare(`SELECT ts, detail FROM run_events WHERE run_id = ? AND kind = 'contract.rolled' ORDER BY seq`).all(r.runId) as { ts: number; detail: string }[]).map((x) => ({ ts: x.ts, ...(JSON.parse(x.detail) as { from: string; to: string; lastPrice: number; closedQty: number }) }));
    raw.close();
    // The last bar of ESH15 and ESM15 in their files (Central), and their closes: the roll is at that bar's end.
    const lastOf = (c: string) => {
      const l = readFileSync(join(DIR, `${c}-CME.scid_BarData__5m.txt`), 'utf8').trim().split(/\r?\n/).at(-1)!.split(',').map((x) => x.trim());
      const e = easternOf(l[0]!, l[1]!);
      return { end: `${e.y}-${String(e.m).padStart(2, '0')}-${String(e.d).padStart(2, '0')} ${String(Math.floor((e.minute + 5) / 60)).padStart(2, '0')}:${String((e.minute + 5) % 60).padStart(2, '0')}`, close: Number(l[5]) };
    };
    expect(rolls.map((x) => [x.from, x.to, easternIso(x.ts), x.lastPrice, x.closedQty])).toEqual([
      ['ESH15', 'ESM15', lastOf('ESH15').end, lastOf('ESH15').close, 0],
      ['ESM15', 'ESU15', lastOf('ESM15').end, lastOf('ESM15').close, 0],
    ]);
    const range = await runBacktest({ file: `${DIR}/ES?20-CME*.txt`, timeZone: 'America/Chicago', timeframe: '5m', fromTs: Date.UTC(2020, 2, 2, 5), toTs: Date.UTC(2020, 2, 7, 5) });
    expect(range.sessions.map((s) => s.id)).toEqual(['2020-03-02', '2020-03-03', '2020-03-04', '2020-03-05', '2020-03-06']);
    expect(range.contracts.map((c) => c.contract)).toEqual(['ESH20']);
  }, 60_000);

  it('--adjusted: one back-adjusted continuous series, the earlier contracts moved by the gaps at the changes, none restarted', async () => {
    const three = ['ESH15', 'ESM15', 'ESU15'].map((c) => join(DIR, `${c}-CME.scid_BarData__5m.txt`));
    const bars = (c: string) => readFileSync(join(DIR, `${c}-CME.scid_BarData__5m.txt`), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',').map((x) => x.trim()));
    // The gaps from the raw files: the next contract's first open less the last close before it.
    const gap = (a: string, b: string) => Number(bars(b)[0]![2]) - Number(bars(a).at(-1)![5]);
    const offsetH = gap('ESH15', 'ESM15') + gap('ESM15', 'ESU15');
    const raw = await runBacktest({ file: three, timeZone: 'America/Chicago', timeframe: '5m' });
    const adj = await runBacktest({ file: three, timeZone: 'America/Chicago', timeframe: '5m', adjusted: true });
    expect(adj.bars).toBe(raw.bars);
    // ESH15's first session moves by both gaps; ESU15's last session is as it was.
    expect(adj.sessions[0]!.high - raw.sessions[0]!.high).toBeCloseTo(offsetH, 9);
    expect(adj.sessions.at(-1)!.high).toBe(raw.sessions.at(-1)!.high);
    expect(adj.execution.trades.some((t) => t.exitReason === 'contract-roll')).toBe(false);
  }, 60_000);

  it('leaves out what a later file repeats of an earlier one: one price per moment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-series-overlap-'));
    const lines = readFileSync(join(DIR, 'ESH15-CME.scid_BarData__5m.txt'), 'utf8').trim().split(/\r?\n/);
    // ESH15's bars as two files: the first 1,000, and bars 900 onwards (100 repeated).
    writeFileSync(join(dir, 'ESH15a.txt'), [lines[0], ...lines.slice(1, 1001)].join('\n'));
    writeFileSync(join(dir, 'ESM15b.txt'), [lines[0], ...lines.slice(901, 2001)].join('\n'));
    const r = await runBacktest({ file: dir, timeZone: 'America/Chicago', timeframe: '5m' });
    expect([r.bars, r.overlapDropped]).toEqual([2000, 100]);
  });
});

describe('a series in the app', () => {
  it('opens a glob of contract files as one replay: every bar of the four 2015 contracts, the changes journaled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-series-app-'));
    const k = createKernel({ dataDir: dir, marketDataDir: DIR, version: 'test' }, new LiveClock());
    try {
      await k.api.setExecution('AUTO');
      const glob = join(DIR, 'ES?15-CME*.txt');
      await k.api.openReplay({ path: glob, timeZone: 'America/Chicago', timeframe: '5m' });
      await k.api.setSpeed('max');
      await k.api.play();
      await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 60_000);
      const t = tally(FILES.filter((f) => /^ES[HMUZ]15-/.test(f)));
      const snap = await k.api.getReplaySnapshot();
      expect(snap.status.barsProcessed).toBe(t.bars);
      const events = k.db!.prepare(`SELECT detail FROM run_events WHERE kind = 'contract.rolled' ORDER BY seq`).all() as { detail: string }[];
      expect(events.map((e) => (JSON.parse(e.detail) as { from: string; to: string }).to)).toEqual(['ESM15', 'ESU15', 'ESZ15']);
    } finally {
      await k.close();
    }
  }, 120_000);
});

describe('a recorded session of a series', () => {
  it('replays the session of a change of contract from the files, the method restarted where the run restarted it: no difference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-series-recorded-'));
    const k = createKernel({ dataDir: dir, marketDataDir: DIR, version: 'test' }, new LiveClock());
    try {
      const glob = join(DIR, 'ES?15-CME*.txt'); // ESH15, ESM15, ESU15, ESZ15
      const r = await runBacktest({ file: glob, timeZone: 'America/Chicago', timeframe: '5m', db: k.db, wall: new LiveClock() });
      const roll = r.contracts[1]!;
      // The session that holds ESM15's first bar (and so the change).
      const sessions = await k.api.listSessions();
      const s = sessions.find((x) => x.runId === r.runId && r.sessions.some((y) => y.id === x.sessionId && y.startTs <= roll.fromTs && roll.fromTs < y.endTs))!;
      expect(s).toBeDefined();
      await k.api.openSession({ runId: s.runId, sessionId: s.sessionId });
      await k.api.setSpeed('max');
      await k.api.play();
      await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 60_000);
      const rec = (await k.api.getReplaySnapshot()).status.recorded!;
      expect(rec).toMatchObject({ source: 'file', differenceCount: 0, differences: [] });
      expect(rec.signalsMatched).toBe(rec.signalsChecked);
      // The change is in the run's script at the old contract's end, and the recorded check repeats it there.
      const script = runScript(k.db!, r.runId!).filter((a) => a.kind === 'roll');
      const lastH = readFileSync(join(DIR, 'ESH15-CME.scid_BarData__5m.txt'), 'utf8').trim().split(/\r?\n/).at(-1)!.split(',').map((x) => x.trim());
      expect(script.map((a) => (a.kind === 'roll' ? `${a.from}>${a.to}` : ''))).toEqual(['ESH15>ESM15', 'ESM15>ESU15', 'ESU15>ESZ15']);
      expect(script[0]).toEqual({ kind: 'roll', from: 'ESH15', to: 'ESM15', lastPrice: Number(lastH[5]), ts: script[0]!.ts });
      expect(easternIso(script[0]!.ts)).toBe(((e) => `${e.y}-${String(e.m).padStart(2, '0')}-${String(e.d).padStart(2, '0')} ${String(Math.floor((e.minute + 5) / 60)).padStart(2, '0')}:${String((e.minute + 5) % 60).padStart(2, '0')}`)(easternOf(lastH[0]!, lastH[1]!)));
      const rolled: unknown[][] = [];
      const check = new RecordedCheck({ run: {} as never, session: {} as never, records: [], source: 'file', script, signals: [], trades: [] }, { trader: {} as never, killSwitch: {} as never, setMode: () => {}, setGamma: () => {}, alert: () => {}, rollContract: (...a) => rolled.push(a) });
      check.applyScript(script[0]!.ts - 1);
      expect(rolled).toEqual([]);
      check.applyScript(script[0]!.ts);
      expect(rolled).toEqual([['ESH15', 'ESM15', Number(lastH[5]), script[0]!.ts]]);
      check.applyScript(Number.POSITIVE_INFINITY);
      expect(rolled.map((a) => a[1])).toEqual(['ESM15', 'ESU15', 'ESZ15']);
    } finally {
      await k.close();
    }
  }, 120_000);
});

describe('a position open at a change of contract', () => {
  it('is closed at the old contract\'s last price, 1 tick of slippage, with the reason contract-roll', () => {
    const r = rig();
    r.bar(at(0, [100, 100.5, 99.5, 100, 10]));
    const tr = r.trader.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1, stopTicks: 8, targetTicks: 16 });
    r.bar(at(1, [100, 100.25, 99.75, 100.25, 10])); // filled at 100.25
    expect(r.trader.closeForRoll(100.5, r.clock.now())).toBe(1);
    // Sold at the old contract's last 100.50 less 1 tick = 100.25: 0 ticks, 4.50 USD of commissions.
    expect(tr).toMatchObject({ exitReason: 'contract-roll', exitPrice: 100.25, pnlUsd: -4.5 });
    expect(r.venue.open()).toEqual([]);
    expect(r.venue.position()).toBe(0);
  });
});
