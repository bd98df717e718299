/**
 * Sweeps and walk-forward (issue 19) on the real CSV, on the built worker
 * script (dist/engine/sweep-worker.cjs: `npm test` builds first): the
 * configurations of a spec; one worker and two give identical results; the
 * best configuration run alone gives identical statistics and order hash;
 * the walk-forward's out-of-sample sessions never reach the in-sample
 * choice (poisoned, they leave the chosen parameters as they were).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { methodConfig } from '../../engine/method/config';
import { configurations, rankRuns, runSweep, sweepWorkerFile, tapeOf, verdictOf, type SweepSpec } from '../../engine/research/sweep';
import { sessionSpansOf, walkForward, walkForwardWindows } from '../../engine/research/walkforward';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { DEFAULT_TRADER_SETTINGS, managementOf, methodOf, riskOf } from '../../engine/settings';
import { REAL_CSV } from '../support/paths';

const SPEC: SweepSpec = { parameters: { 'risk.maxRiskPerTradeUsd': [100, 200, 300], 'risk.dailyLossLimitUsd': [500, 1000] } };

describe('the configurations of a sweep', () => {
  it('a grid is every combination; a random search draws distinct ones by its seed; a bad path or value is named', () => {
    const grid = configurations(SPEC, DEFAULT_TRADER_SETTINGS);
    expect(grid.map((c) => [c.values['risk.maxRiskPerTradeUsd'], c.values['risk.dailyLossLimitUsd']])).toEqual([
      [100, 500],
      [100, 1000],
      [200, 500],
      [200, 1000],
      [300, 500],
      [300, 1000],
    ]);
    expect(grid[3]!.settings.risk).toMatchObject({ maxRiskPerTradeUsd: 200, dailyLossLimitUsd: 1000, maxTradesPerDay: 10 });
    const range = configurations({ parameters: { 'method.modes.PAPER.minConfidence': { from: 0.6, to: 0.7, step: 0.05 } } }, DEFAULT_TRADER_SETTINGS);
    expect(range.map((c) => c.values['method.modes.PAPER.minConfidence'])).toEqual([0.6, 0.65, 0.7]);
    const random = configurations({ ...SPEC, search: { random: 4, seed: 5 } }, DEFAULT_TRADER_SETTINGS);
    expect(random).toHaveLength(4);
    expect(new Set(random.map((c) => JSON.stringify(c.values))).size).toBe(4);
    expect(configurations({ ...SPEC, search: { random: 4, seed: 5 } }, DEFAULT_TRADER_SETTINGS)).toEqual(random);
    expect(() => configurations({ parameters: { 'risk.nope': [1] } }, DEFAULT_TRADER_SETTINGS)).toThrow(/risk\.nope is not a numeric field/);
    expect(() => configurations({ parameters: { 'risk.maxTradesPerDay': [0] } }, DEFAULT_TRADER_SETTINGS)).toThrow(/risk\.maxTradesPerDay/);
  });
});

describe('a sweep on worker threads', () => {
  it('one worker and two give the same runs; the best run alone gives the same statistics and order hash', async () => {
    const configs = configurations(SPEC, DEFAULT_TRADER_SETTINGS);
    const workerFile = sweepWorkerFile();
    const one = await runSweep({ file: REAL_CSV }, configs, { workerFile, workers: 1 });
    const progress: number[] = [];
    const two = await runSweep({ file: REAL_CSV }, configs, { workerFile, workers: 2, onProgress: (done) => progress.push(done) });
    expect(two.runs).toEqual(one.runs);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    // The defaults (100 USD a trade, 500 a day) are the golden run: 7 trades, net 168.50.
    expect(one.runs[0]).toMatchObject({ values: { 'risk.maxRiskPerTradeUsd': 100, 'risk.dailyLossLimitUsd': 500 }, metrics: { trades: 7, netPnlUsd: 168.5 } });
    const best = rankRuns(one.runs, 'netPnlUsd')[0]!;
    const s = configs[best.id]!.settings;
    const alone = await runBacktest({ file: REAL_CSV, method: methodOf(s, methodConfig({ mode: 'PAPER' })), risk: riskOf(s), simulated: s.paper, management: managementOf(s) });
    expect(alone.execution.metrics).toEqual(best.metrics);
    expect(alone.execution.ordersHash).toBe(best.ordersHash);
    expect(alone.research.dailyPnlUsd).toEqual(best.dailyPnlUsd);
    const v = verdictOf(one.runs, 'netPnlUsd', 2);
    expect(v.best.id).toBe(best.id);
    expect(v.deflatedSharpe).not.toBeNull();
    expect(v.pbo).toBeGreaterThanOrEqual(0);
    // 11 days are too few for the default 8 blocks of 2 days: 4 blocks are used, not no PBO at all.
    const byDefault = verdictOf(one.runs, 'netPnlUsd');
    expect(byDefault.pbo).not.toBeNull();
    expect(byDefault.pbo).toBe(verdictOf(one.runs, 'netPnlUsd', 4).pbo);
  }, 120_000);

  it('cancelled, it keeps the runs done and says so', async () => {
    const configs = configurations(SPEC, DEFAULT_TRADER_SETTINGS);
    const abort = new AbortController();
    const r = await runSweep({ file: REAL_CSV }, configs, { workerFile: sweepWorkerFile(), workers: 1, signal: abort.signal, onProgress: (done) => done === 2 && abort.abort() });
    expect(r.cancelled).toBe(true);
    expect(r.runs.length).toBeGreaterThanOrEqual(2);
    expect(r.runs.length).toBeLessThan(6);
  }, 120_000);
});

describe('walk-forward', () => {
  it('rolls windows of sessions and refuses data too short for one', () => {
    const s = Array.from({ length: 11 }, (_, i) => ({ id: `d${i}`, startTs: i, endTs: i + 0.5 }));
    const w = walkForwardWindows(s, { inSessions: 6, outSessions: 2, metric: 'netPnlUsd' });
    expect(w.map((x) => [x.inSample.map((d) => d.id).join(','), x.outOfSample.map((d) => d.id).join(',')])).toEqual([
      ['d0,d1,d2,d3,d4,d5', 'd6,d7'],
      ['d2,d3,d4,d5,d6,d7', 'd8,d9'],
    ]);
    expect(() => walkForwardWindows(s, { inSessions: 10, outSessions: 2, metric: 'netPnlUsd' })).toThrow(/fewer than one window/);
  });

  it('the out-of-sample sessions never reach the in-sample choice: poisoned, the chosen parameters stay', async () => {
    const configs = configurations(SPEC, DEFAULT_TRADER_SETTINGS);
    const probe = await runBacktest({ file: REAL_CSV });
    const sessions = probe.sessions.map((s) => ({ id: s.id, startTs: s.startTs, endTs: s.endTs }));
    const spec = { inSessions: 6, outSessions: 2, metric: 'netPnlUsd' as const };
    const opts = { workerFile: sweepWorkerFile(), workers: 2 };
    const clean = await walkForward({ file: REAL_CSV }, sessions, configs, spec, opts);
    // The last window's out-of-sample sessions, poisoned: every price there 40 points higher.
    const poisoned = [sessions[8]!, sessions[9]!];
    const lines = readFileSync(REAL_CSV, 'utf8').trim().split('\n');
    const csv = join(mkdtempSync(join(tmpdir(), 'mia-wf-')), 'poisoned.csv');
    const shift = (line: string): string => {
      const [ts, ...rest] = line.split(',');
      const t = Date.parse(`${ts!.replace(' ', 'T')}-04:00`); // EDT all through this file (September-October 2023)
      if (!poisoned.some((s) => t >= s.startTs && t < s.endTs)) return line;
      return [ts, ...rest.slice(0, 4).map((p) => (Number(p) + 40).toFixed(2)), rest[4]].join(',');
    };
    writeFileSync(csv, [lines[0], ...lines.slice(1).map(shift)].join('\n'));
    const dirty = await walkForward({ file: csv }, sessions, configs, spec, opts);
    expect(dirty.windows.map((w) => w.chosen.values)).toEqual(clean.windows.map((w) => w.chosen.values));
    expect(dirty.windows.map((w) => w.chosen.metrics)).toEqual(clean.windows.map((w) => w.chosen.metrics));
    // The poison reached the data: those sessions' highs are 40 points up, the others as they were.
    const after = (await runBacktest({ file: csv })).sessions;
    expect(after.map((s, i) => s.high - probe.sessions[i]!.high)).toEqual(probe.sessions.map((_, i) => (i === 8 || i === 9 ? 40 : 0)));
    expect(clean.equity.map(([d]) => d)).toEqual(sessions.slice(6, 10).map((s) => s.id));
    expect(Object.keys(clean.stability)).toEqual(['risk.maxRiskPerTradeUsd', 'risk.dailyLossLimitUsd']);
  }, 180_000);

  it("takes its sessions from the data's tape, counts its backtests, and cancelled keeps the windows finished", async () => {
    const configs = configurations(SPEC, DEFAULT_TRADER_SETTINGS);
    const probe = await runBacktest({ file: REAL_CSV });
    const sessions = sessionSpansOf(await tapeOf({ file: REAL_CSV }));
    expect(sessions).toEqual(probe.sessions.map((s) => ({ id: s.id, startTs: s.startTs, endTs: s.endTs })));
    const spec = { inSessions: 6, outSessions: 2, metric: 'netPnlUsd' as const };
    const progress: [number, number][] = [];
    const whole = await walkForward({ file: REAL_CSV }, sessions, configs, spec, { workerFile: sweepWorkerFile(), workers: 1, onProgress: (d, t) => progress.push([d, t]) });
    // Two windows of 6 configurations in-sample and the chosen one out-of-sample: 14 backtests.
    expect(progress.at(-1)).toEqual([14, 14]);
    expect(whole.cancelled).toBe(false);
    // Cancelled inside the second window: the first window is kept, whole.
    const abort = new AbortController();
    const cut = await walkForward({ file: REAL_CSV }, sessions, configs, spec, { workerFile: sweepWorkerFile(), workers: 1, signal: abort.signal, onProgress: (d) => d >= 9 && abort.abort() });
    expect(cut.cancelled).toBe(true);
    expect(cut.windows).toEqual(whole.windows.slice(0, 1));
  }, 180_000);
});
