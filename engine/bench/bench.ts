/**
 * `npm run bench`: replays the real ES CSV and a synthetic 1,000,000-tick
 * SCID file (written here, from a seeded random walk) through bars, VWAP, the
 * volume profile and the Battle Navale method, and prints ticks/s, bars/s,
 * the method's time per 1-minute bar (median and p99, sections 1-5 alone and
 * sections 1-10) and peak memory. Figures are printed, never asserted
 * (DEVELOPERS.md: speed is measured by benchmarks).
 *
 * It also times issue 5's backup (online backup + ZIP) and restore (every
 * check + swap) of a journal holding one whole real-CSV backtest, with the
 * archive's size, and a recorded session's step back at its last bar (the
 * worst case: the rebuild re-runs the run from its first record).
 *
 * Issue 19: the 34 Sierra Chart five-minute contract files as one series
 * (whole path, journaled, parsing alone beside pandas.read_csv when python3
 * has pandas), and a sweep's throughput on 1 and 2 worker threads.
 *
 * Targets on the 2-core reference machine: >= 3,000,000 ticks/s from SCID;
 * the whole real CSV in < 0.2 s, start-up excluded; sections 1-5 under 2 us a
 * bar and sections 1-10 under 10 us a bar, median (issue 3).
 */
import { mkdtempSync, openSync, writeSync, closeSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runBacktest } from '../run/drivers/backtest.js';
import type { TradeTick } from '../domain.js';
import { encodeScidHeader, encodeScidTick, SCID_RECORD_BYTES } from '../feeds/scid.js';
import { battleBalance } from '../method/battle.js';
import { BaseTracker, goldenRule } from '../method/bases.js';
import { MethodAnalyzer } from '../method/analyzer.js';
import { methodConfig } from '../method/config.js';
import { BarHistory } from '../method/history.js';
import { patternStrengths } from '../method/patterns.js';
import { battleSignal } from '../method/signal.js';
import { ES } from '../domain.js';
import type { ClosedBar } from '../pipeline.js';
import { BacktestClock, LiveClock } from '../clock.js';
import { MarketPipeline } from '../pipeline.js';
import { SessionCalendar } from '../time/sessions.js';
import { createKernel } from '../kernel.js';
import { createBackup, restoreBackup } from '../store/backup.js';
import { openDb, type Db } from '../store/db.js';
import { statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { openFeed } from '../feeds/index.js';
import { RejectionLog } from '../feeds/rejections.js';
import { expandSeriesInputs } from '../feeds/series.js';
import { configurations, runSweep, sweepWorkerFile, tapeOf, type SweepDataset } from '../research/sweep.js';
import { DEFAULT_TRADER_SETTINGS } from '../settings.js';

const REAL_CSV = resolve(process.argv[2] ?? '../shared/data/es/ES_1min_2023-09-24_2023-10-09.csv');
const SIERRA_5M = resolve(process.argv[3] ?? '../shared/data/es/sierra-5m');
const TICKS = 1_000_000;
const RUNS = 5;

/** Backup and restore of a journal holding one real-CSV backtest, and a recorded session's step back. */
async function backupAndReplay(dir: string): Promise<void> {
  const dataDir = join(dir, 'backup-bench');
  const journalPath = join(dataDir, 'journal.sqlite');
  const db = openDb(journalPath);
  await runBacktest({ file: REAL_CSV, db });
  db.pragma('wal_checkpoint(TRUNCATE)');
  const journalBytes = statSync(journalPath).size;
  console.log(`\nBackup and restore: a journal holding the whole real CSV backtest (${(journalBytes / 1048576).toFixed(1)} MiB)`);
  const folder = join(dataDir, 'backups');
  let n = 0;
  const backup = await timeRuns('backup (SQLite online backup + ZIP of journal, settings, data-files index)', RUNS, () =>
    createBackup({ db, dataDir, marketDataDir: join(REAL_CSV, '..'), folder, createFolder: true, keep: 7, appVersion: 'bench', now: Date.UTC(2026, 0, 1) + ++n * 1000 }),
  );
  db.close();
  const archive = backup.result.archive;
  console.log(`  archive ${(archive.bytes / 1048576).toFixed(2)} MiB (${((100 * archive.bytes) / journalBytes).toFixed(0)}% of the journal)`);
  await timeRuns('restore (ZIP, sha256, schema, integrity_check, HALTED, keep the old journal, swap)', RUNS, () =>
    restoreBackup({ archive: archive.path, journalPath, folder, now: Date.UTC(2026, 0, 2) + ++n * 1000, beforeSwap: () => undefined }),
  );
  const kernel = createKernel({ dataDir, marketDataDir: dataDir, version: 'bench', journal: true }, new LiveClock());
  try {
    const [last] = await kernel.api.listSessions();
    if (last === undefined) return;
    await kernel.api.openSession({ runId: last.runId, sessionId: last.sessionId });
    await kernel.api.seek(last.bars);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await kernel.api.seek(last.bars);
      const t = process.hrtime.bigint();
      await kernel.api.stepBack();
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(`  recorded session ${last.sessionId}, step back at its last bar (from its checkpoints): best ${(ms[0] ?? 0).toFixed(1)} ms, median ${(ms[Math.floor(ms.length / 2)] ?? 0).toFixed(1)} ms over ${RUNS} runs`);
  } finally {
    await kernel.close();
  }
}

/**
 * Issue 19: step back on the ten years, journaled: a session late in the
 * 34-file run opened (its warm-up re-runs the run from its first record),
 * played through once (its checkpoints taken), then sought to 20 random
 * bars, each timed.
 */
async function tenYearsStepBack(dataDir: string): Promise<void> {
  const kernel = createKernel({ dataDir, marketDataDir: SIERRA_5M, version: 'bench', journal: true }, new LiveClock());
  try {
    const sessions = await kernel.api.listSessions();
    const s = sessions[Math.floor(sessions.length / 10)];
    if (s === undefined) return;
    const t0 = process.hrtime.bigint();
    await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
    const openMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await kernel.api.seek(s.bars);
    const rand = seeded(19);
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const bar = Math.floor(rand() * (s.bars + 1));
      const t = process.hrtime.bigint();
      await kernel.api.seek(bar);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const checkpoints = (await kernel.api.getReplaySnapshot()).status.recorded?.checkpoints ?? 0;
    console.log(`  step back in recorded session ${s.sessionId} of the series (${s.bars} bars, ${checkpoints} checkpoints; opening it: ${openMs.toFixed(0)} ms): median ${ms[10]!.toFixed(1)} ms, worst ${ms[19]!.toFixed(1)} ms over 20 random bars; target < 30 ms`);
  } finally {
    await kernel.close();
  }
}

/** mulberry32: a small seeded PRNG, so the synthetic file is the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes `n` ES trades: a tick-grid random walk from 4300.00, one trade every
 * ~80 ms from Monday 2023-10-02 09:30 ET (a busy RTH pace), sizes 1..10,
 * aggressor by the move.
 */
function writeSyntheticScid(file: string, n: number): void {
  const rand = seeded(20231002);
  const fd = openSync(file, 'w');
  writeSync(fd, encodeScidHeader());
  const chunk = 65_536;
  const buf = Buffer.alloc(chunk * SCID_RECORD_BYTES);
  let priceTicks = 4300 * 4;
  let ts = Date.UTC(2023, 9, 2, 13, 30);
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    for (let j = 0; j < m; j++) {
      const r = rand();
      const move = r < 0.3 ? -1 : r > 0.7 ? 1 : 0;
      priceTicks += move;
      ts += 1 + Math.floor(rand() * 160);
      const price = priceTicks / 4;
      const tick: TradeTick = {
        kind: 'tick',
        tsEvent: ts,
        price,
        size: 1 + Math.floor(rand() * 10),
        side: move > 0 ? 'buy' : move < 0 ? 'sell' : rand() < 0.5 ? 'buy' : 'sell',
        bid: move > 0 ? price - 0.25 : price,
        ask: move > 0 ? price : price + 0.25,
      };
      encodeScidTick(buf, j * SCID_RECORD_BYTES, tick);
    }
    writeSync(fd, buf, 0, m * SCID_RECORD_BYTES);
  }
  closeSync(fd);
}

let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

async function timeRuns<T>(label: string, runs: number, fn: () => Promise<T>): Promise<{ best: number; median: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    sampleRss();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(`  ${label}: best ${(times[0] as number).toFixed(1)} ms, median ${median.toFixed(1)} ms over ${runs} runs`);
  return { best: times[0] as number, median, result: result as T };
}

/** Median and p99 of per-bar times (ns) of `run` over `bars`, after `passes - 1` warm-up passes. */
function perBar(bars: readonly ClosedBar[], passes: number, make: () => (c: ClosedBar) => void): { median: number; p99: number; mean: number } {
  const ns = new Float64Array(bars.length);
  let total = 0;
  for (let pass = 0; pass < passes; pass++) {
    const step = make();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < bars.length; i++) {
      const a = process.hrtime.bigint();
      step(bars[i]!);
      ns[i] = Number(process.hrtime.bigint() - a);
    }
    total = Number(process.hrtime.bigint() - t0);
  }
  const sorted = Array.from(ns).sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, p99: sorted[Math.floor(sorted.length * 0.99)]!, mean: total / bars.length };
}

/** The method's cost per 1-minute bar of the real CSV. */
async function methodPerBar(file: string): Promise<void> {
  const bars: ClosedBar[] = [];
  await runBacktest({ file, onBar: (c) => bars.push(c) });
  const cfg = methodConfig();
  // Clock overhead: two hrtime reads around nothing.
  const empty = perBar(bars, 3, () => () => undefined);
  const core = perBar(bars, 5, () => {
    const h = new BarHistory(cfg.avgVolumeBars);
    const tracker = new BaseTracker(cfg.bases, cfg.goldenRule.violationTicks, ES.tickSize);
    return (c) => {
      h.push(c.bar);
      const balance = battleBalance(h, cfg.battle);
      const bases = tracker.onBar(h);
      const golden = goldenRule(bases, balance.balance, cfg.goldenRule);
      battleSignal(balance.balance, balance.complete, golden.tc, bases, patternStrengths(h, ES.tickSize), cfg.signal);
    };
  });
  const whole = perBar(bars, 5, () => {
    const a = new MethodAnalyzer({ instrument: ES, config: cfg });
    return (c) => void a.onBar(c);
  });
  const us = (x: number): string => `${(x / 1000).toFixed(2)} us`;
  console.log(`  Battle Navale per 1-minute bar over ${bars.length} bars (timer overhead ~${us(empty.median)} included):`);
  console.log(`    sections 1-5 : median ${us(core.median)}, p99 ${us(core.p99)}, mean ${us(core.mean)}`);
  console.log(`    sections 1-10: median ${us(whole.median)}, p99 ${us(whole.p99)}, mean ${us(whole.mean)}`);
}

/** Times every transaction the journal commits on `db` (the write batches), in ms. */
function timeTransactions(db: Db): number[] {
  const times: number[] = [];
  const original = db.transaction.bind(db);
  const timed = (fn: (...args: unknown[]) => unknown) => {
    const tx = original(fn);
    return (...args: unknown[]) => {
      const t0 = process.hrtime.bigint();
      const r = tx(...args);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      return r;
    };
  };
  (db as unknown as { transaction: typeof timed }).transaction = timed;
  return times;
}

/**
 * Issue 19: the 34 Sierra Chart five-minute contract files (ESH15 to ESM23)
 * as one series through the whole path, and journaled; their parsing alone
 * beside pandas' C parser (`pandas.read_csv` on the same files) when python3
 * with pandas is there. Targets: the whole path under 3 s, journaled under
 * 10 s, peak RSS under 500 MiB; parsing at least twice pandas' speed.
 */
async function tenYears(dir: string): Promise<void> {
  if (!existsSync(SIERRA_5M)) {
    console.log(`\n(skipped the ten years: ${SIERRA_5M} not found)`);
    return;
  }
  const files = (await expandSeriesInputs([SIERRA_5M])).filter((f) => f.endsWith('.txt'));
  console.log(`\nTen years: ${files.length} Sierra Chart 5-minute contract files in ${SIERRA_5M}`);
  const opts = { file: SIERRA_5M, timeZone: 'America/Chicago', timeframe: '5m' as const };
  const whole = await timeRuns('the series through the whole path (bars, levels, method, risk, simulated venue, portfolio)', 1, () => runBacktest(opts));
  console.log(`  ${whole.result.bars.toLocaleString('en-US')} bars, ${whole.result.sessions.length} sessions, ${whole.result.contracts.length} contracts: ${Math.round(whole.result.bars / (whole.best / 1000)).toLocaleString('en-US')} bars/s; target < 3,000 ms`);
  const journalDir = join(dir, 'ten-years');
  const db = openDb(join(journalDir, 'journal.sqlite'));
  await timeRuns('the same, journaled to SQLite; target < 10,000 ms', 1, () => runBacktest({ ...opts, db }));
  db.close();
  sampleRss();
  console.log(`  peak RSS so far (the backtests of the ten years, before any sweep or recorded session): ${(peakRss / 1048576).toFixed(0)} MiB; target < 500 MiB`);
  await tenYearsStepBack(journalDir);
  // Parsing alone: every file's bars read and validated, nothing else.
  const rejections = new RejectionLog();
  const parse = await timeRuns('parsing and validating the 34 files alone (the Sierra text reader)', 3, async () => {
    let n = 0;
    for (const f of files) for await (const block of (await openFeed(f, { instrument: ES, barTimeframe: '5m', timeZone: 'America/Chicago', rejections })).blocks()) n += block.length;
    return n;
  });
  // The first python3 that has pandas: the one on PATH (a pyenv's may not), else Debian's (python3-pandas).
  const pythons = ['python3', '/usr/bin/python3'];
  let py = spawnSync(pythons[0]!, ['-c', PANDAS_SCRIPT, ...files], { encoding: 'utf8' });
  if (py.status !== 0 && existsSync(pythons[1]!)) py = spawnSync(pythons[1]!, ['-c', PANDAS_SCRIPT, ...files], { encoding: 'utf8' });
  if (py.status !== 0) console.log(`  (pandas not measured: ${(py.stderr || 'python3 with pandas is not installed').trim().split('\n').at(-1)})`);
  else {
    const pandasMs = Number(py.stdout.trim());
    console.log(`  pandas.read_csv (C parser) on the same files: best ${pandasMs.toFixed(1)} ms over 3 runs; this reader / pandas = ${(parse.best / pandasMs).toFixed(2)} (target <= 0.5: twice as fast)`);
  }
}

/** pandas' best of three over the files given, ms, printed alone. */
const PANDAS_SCRIPT = `
import sys, time
import pandas as pd
best = None
for _ in range(3):
    t = time.perf_counter()
    for f in sys.argv[1:]:
        pd.read_csv(f, skipinitialspace=True)
    ms = (time.perf_counter() - t) * 1000
    best = ms if best is None else min(best, ms)
print(best)
`;

/**
 * Issue 19: a sweep's throughput over the 34 five-minute files (the real CSV
 * when they are absent): the market tape built once (engine/run/tape.ts),
 * then bar-configurations a second per core on 1 and 2 worker threads.
 */
async function sweepThroughput(): Promise<void> {
  const series = existsSync(SIERRA_5M);
  if (!series && !existsSync(REAL_CSV)) return;
  const dataset: SweepDataset = series ? { file: SIERRA_5M, timeZone: 'America/Chicago', timeframe: '5m' } : { file: REAL_CSV };
  const spec = { parameters: { 'risk.maxRiskPerTradeUsd': [100, 200], 'risk.dailyLossLimitUsd': [500, 1000] } };
  const configs = configurations(spec, DEFAULT_TRADER_SETTINGS);
  const built = await timeRuns('market tape: the data through bars, VWAP and profile once', 1, () => tapeOf(dataset));
  const tape = built.result;
  const bars = tape.closedBars;
  console.log(`\nSweep: ${configs.length} configurations of ${series ? 'the 34 five-minute files' : 'the real CSV'} (${bars.toLocaleString('en-US')} bars each), on the tape built once`);
  let one = 0;
  for (const workers of [1, 2]) {
    const r = await timeRuns(`${workers} worker thread(s)`, 1, () => runSweep(dataset, configs, { workerFile: sweepWorkerFile(), workers, tape }));
    const rate = (bars * configs.length) / (r.best / 1000);
    if (workers === 1) one = r.best;
    console.log(`  ${Math.round(rate / workers).toLocaleString('en-US')} bar-configurations/s per core${workers === 2 ? `; speed-up from 1 to 2 workers ${(one / r.best).toFixed(2)}x` : ''} (target 250,000 per core)`);
  }
}

/** Issue 19: `mia backtest` of the real CSV as a trader runs it, Node's start-up and the journal included, wall time. */
function cliEndToEnd(dir: string): void {
  const cli = join(__dirname, '..', 'cli', 'mia.cjs');
  if (!existsSync(REAL_CSV) || !existsSync(cli)) return;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'backtest', '--data', REAL_CSV, '--data-dir', join(dir, `cli-${i}`)], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) {
      console.log(`\n(mia backtest failed: ${r.stderr.trim().split('\n').at(-1)})`);
      return;
    }
  }
  times.sort((a, b) => a - b);
  console.log(`\nCLI: node dist/cli/mia.cjs backtest --data <the real CSV> (start-up and journal included): best ${times[0]!.toFixed(0)} ms, median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms wall over ${RUNS} runs; target < 1,000 ms`);
}

async function main(): Promise<void> {
  // RSS is sampled every 5 ms of wall time, on the engine's own live clock.
  const wall = new LiveClock();
  let timer = wall.setTimer(wall.now() + 5, function sample() {
    sampleRss();
    timer = wall.setTimer(wall.now() + 5, sample);
  });
  const dir = mkdtempSync(join(tmpdir(), 'mia-bench-'));
  try {
    console.log(`MIA Workstation benchmark (node ${process.version}, ${process.arch})`);

    if (existsSync(REAL_CSV)) {
      console.log(`\nReal ES CSV: ${REAL_CSV}`);
      await runBacktest({ file: REAL_CSV }); // warm-up: JIT and module start-up excluded
      const csv = await timeRuns('full path: bars -> VWAP -> profile -> Battle Navale -> risk -> simulated venue -> portfolio', RUNS, () => runBacktest({ file: REAL_CSV }));
      const x = csv.result.execution;
      console.log(`  ${csv.result.bars} bars, ${csv.result.sessions.length} sessions, ${csv.result.signals.total} signals, ${x.metrics.trades} trades, ${x.orders} orders: ${Math.round(csv.result.bars / (csv.median / 1000)).toLocaleString('en-US')} bars/s (median)`);
      const db = openDb(join(dir, 'journal.sqlite'));
      const batches = timeTransactions(db);
      const journaled = await timeRuns('the same, journaled to SQLite (bars, levels, signals, approvals, orders, fills, trades, snapshots)', 3, () => runBacktest({ file: REAL_CSV, db }));
      const b = batches.splice(0).sort((p, q) => p - q);
      const perRun = b.length / 3;
      console.log(`  ${Math.round(csv.result.bars / (journaled.median / 1000)).toLocaleString('en-US')} bars/s journaled (median); target: whole file, journal included, < 500 ms`);
      console.log(`  journal write batches: ${perRun.toFixed(0)} per run, median ${(b[Math.floor(b.length / 2)] ?? 0).toFixed(2)} ms, p99 ${(b[Math.floor(b.length * 0.99)] ?? 0).toFixed(2)} ms, max ${(b[b.length - 1] ?? 0).toFixed(2)} ms, ${(b.reduce((a, v) => a + v, 0) / 3).toFixed(1)} ms per run in all`);
      db.close();
      await methodPerBar(REAL_CSV);
      await backupAndReplay(dir);
    } else {
      console.log(`\n(skipped the real CSV: ${REAL_CSV} not found; pass its path as the first argument)`);
    }

    await tenYears(dir);
    await sweepThroughput();

    const scid = join(dir, 'synthetic.scid');
    const t0 = process.hrtime.bigint();
    writeSyntheticScid(scid, TICKS);
    console.log(`\nSynthetic SCID: ${TICKS.toLocaleString('en-US')} ticks written in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
    await runBacktest({ file: scid });
    const s = await timeRuns('ticks -> 1m bars -> VWAP -> profile -> Battle Navale -> risk -> simulated venue', RUNS, () => runBacktest({ file: scid }));
    const ticksPerSec = TICKS / (s.median / 1000);
    console.log(`  ${Math.round(ticksPerSec).toLocaleString('en-US')} ticks/s (median), ${Math.round(s.result.bars / (s.median / 1000)).toLocaleString('en-US')} bars/s; ${s.result.bars} bars`);
    console.log(`  one ES day of 450,000 trades: ${((450_000 / ticksPerSec) * 1000).toFixed(0)} ms`);
    // The market pipeline alone (ticks -> bars, VWAP, profile, levels), apart from the method: the reader and the pipeline, its output dropped.
    const pipe = await timeRuns('ticks -> 1m bars -> VWAP -> profile (the SCID reader and the market pipeline alone)', RUNS, async () => {
      const clock = new BacktestClock();
      const pipeline = new MarketPipeline({ instrument: ES, calendar: new SessionCalendar('globex', ES.timeZone), timeframe: '1m', clock, sink: { barClosed: () => {}, sessionClosed: () => {} } });
      for await (const block of (await openFeed(scid, { instrument: ES, barTimeframe: '1m', timeZone: ES.timeZone, rejections: new RejectionLog() })).blocks()) {
        for (const t of block) {
          clock.advanceTo(t.kind === 'tick' ? t.tsEvent : t.ts);
          pipeline.onRecord(t);
        }
      }
      pipeline.end();
      return pipeline.bars;
    });
    console.log(`  ${Math.round(TICKS / (pipe.median / 1000)).toLocaleString('en-US')} ticks/s (median); target 10,000,000`);

    cliEndToEnd(dir);
  } finally {
    timer.cancel();
    rmSync(dir, { recursive: true, force: true });
  }
  sampleRss();
  console.log(`\nPeak RSS: ${(peakRss / 1048576).toFixed(0)} MiB (sampled); max RSS by the OS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

void main();
