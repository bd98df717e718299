/**
 * Sweeps (issue 19): a grid or a random search over numeric fields of the
 * trader's settings (engine/settings.ts, by dotted path: method thresholds,
 * risk limits, stops and targets, position management), each configuration
 * a backtest of the same data on a worker thread (piscina, one worker per
 * core by default; engine/research/sweep-worker.ts). The results carry each
 * configuration's metrics, annualised figures, order hash and daily P&L,
 * so the best one can be run alone and give the same numbers, and its
 * deflated Sharpe ratio and the sweep's probability of backtest overfitting
 * can be computed (engine/perf/overfitting.ts).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { AnnualMetrics } from '../perf/annual.js';
import type { PerformanceMetrics } from '../perf/metrics.js';
import { deflatedSharpeOfSweep, probabilityOfOverfitting } from '../perf/overfitting.js';
import { parseTraderSettings, type TraderSettings } from '../settings.js';
import { ES } from '../domain.js';
import type { BacktestResult } from '../run/drivers/backtest.js';
import { buildTape, type MarketTape, type TapeOptions } from '../run/tape.js';

/** A parameter's values: listed, or from `from` to `to` by `step` (both ends included when on the step). */
export type ParameterValues = readonly number[] | { readonly from: number; readonly to: number; readonly step: number };

/** What to sweep: values by settings path, and a grid (every combination) or `random` draws of it. */
export interface SweepSpec {
  readonly parameters: Readonly<Record<string, ParameterValues>>;
  readonly search?: 'grid' | { readonly random: number; readonly seed?: number };
}

/** One configuration: its number, the values it sets, and the whole settings document. */
export interface SweepConfiguration {
  readonly id: number;
  readonly values: Readonly<Record<string, number>>;
  readonly settings: TraderSettings;
}

/** The data a sweep runs on, as a backtest reads it (runBacktest's file, time zone, timeframe, range). */
export interface SweepDataset {
  readonly file: string | readonly string[];
  readonly timeZone?: string;
  readonly timeframe?: '1m' | '5m' | '15m' | '1h';
  readonly fromTs?: number;
  readonly toTs?: number;
  readonly mode?: 'DATA_COLLECTION' | 'PAPER' | 'LIVE';
}

/** One configuration's backtest, as a worker answers it. USD. */
export interface SweepRun {
  readonly id: number;
  readonly values: Readonly<Record<string, number>>;
  readonly metrics: PerformanceMetrics;
  readonly annual: AnnualMetrics;
  readonly ordersHash: string;
  /** Net P&L of each trading day of the data, in order (a day without a trade 0). */
  readonly dailyPnlUsd: readonly number[];
  readonly days: readonly string[];
}

/** A sweep's results. */
export interface SweepResult {
  readonly runs: SweepRun[];
  /** True when it was cancelled: `runs` holds those done. */
  readonly cancelled: boolean;
  readonly workers: number;
}

/** A sweep's best configuration and what its selection is worth. */
export interface SweepVerdict {
  readonly best: SweepRun;
  /** The best's deflated Sharpe ratio on its daily returns among all configurations, 0..1; null with under 2 configurations or 4 days. */
  readonly deflatedSharpe: number | null;
  /** The probability of backtest overfitting over the daily returns (CSCV, `blocks` blocks of days); null when too few days. */
  readonly pbo: number | null;
}

/**
 * The values of one parameter.
 * @throws RangeError naming the parameter for an empty list, a step that is not positive, or more than 10,000 values.
 */
export function valuesOf(name: string, v: ParameterValues): number[] {
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new RangeError(`sweep: ${name}: a list of numbers, not ${JSON.stringify(v)}`);
    return [...v];
  }
  const { from, to, step } = v as { from: number; to: number; step: number };
  if (![from, to, step].every(Number.isFinite) || !(step > 0) || to < from) throw new RangeError(`sweep: ${name}: {from, to, step} with step > 0 and to >= from, not ${JSON.stringify(v)}`);
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  if (n > 10_000) throw new RangeError(`sweep: ${name}: ${n} values, at most 10,000`);
  return Array.from({ length: n }, (_, i) => +(from + i * step).toFixed(10));
}

/**
 * The configurations of `spec` over `base`: every combination (grid), or
 * `random` distinct draws of them (seeded). Each is checked by the settings'
 * own schema.
 * @throws RangeError naming a path that is not a numeric field; SettingsError naming a value the schema refuses.
 */
export function configurations(spec: SweepSpec, base: TraderSettings): SweepConfiguration[] {
  const names = Object.keys(spec.parameters);
  if (names.length === 0) throw new RangeError('sweep: no parameter to sweep');
  for (const name of names) {
    const old = name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], base);
    if (typeof old !== 'number' && old !== null) throw new RangeError(`sweep: ${name} is not a numeric field of the settings`);
  }
  const lists = names.map((n) => valuesOf(n, spec.parameters[n]!));
  const total = lists.reduce((a, l) => a * l.length, 1);
  let picks: number[];
  const search = spec.search ?? 'grid';
  if (search === 'grid') picks = Array.from({ length: total }, (_, i) => i);
  else {
    const rng = xoroshiro128plus(search.seed ?? 1);
    const want = Math.min(search.random, total);
    const chosen = new Set<number>();
    while (chosen.size < want) chosen.add(uniformInt(rng, 0, total - 1));
    picks = [...chosen].sort((a, b) => a - b);
  }
  return picks.map((index, id) => {
    // The last parameter varies fastest; the values keep the spec's order.
    const picked: number[] = [];
    let rest = index;
    for (let p = names.length - 1; p >= 0; p--) {
      const l = lists[p]!;
      picked[p] = l[rest % l.length]!;
      rest = Math.floor(rest / l.length);
    }
    const values: Record<string, number> = Object.fromEntries(names.map((n, p) => [n, picked[p]!]));
    const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
    for (const [path, v] of Object.entries(values)) {
      const keys = path.split('.');
      const last = keys.pop()!;
      (keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, doc))[last] = v;
    }
    return { id, values, settings: parseTraderSettings(doc, `sweep configuration ${id}`) };
  });
}

/**
 * The settings a sweep can vary: every numeric field of `s` by dotted path
 * with its value, and every field that is off (null) where the schema takes
 * a number (a position-management rule), in the document's order.
 */
export function sweepableSettings(s: TraderSettings): { path: string; value: number | null }[] {
  const out: { path: string; value: number | null }[] = [];
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [key, v] of Object.entries(o)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (path === 'version') continue;
      if (typeof v === 'number') out.push({ path, value: v });
      else if (v === null) {
        // Off: sweepable when the schema takes a number there (1 is in every such field's range).
        const doc = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
        const keys = path.split('.');
        const last = keys.pop()!;
        keys.reduce<Record<string, unknown>>((x, k) => x[k] as Record<string, unknown>, doc)[last] = 1;
        try {
          parseTraderSettings(doc);
          out.push({ path, value: null });
        } catch {
          // A time or another kind: not a number to sweep.
        }
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(v as Record<string, unknown>, path);
    }
  };
  walk(s as unknown as Record<string, unknown>, '');
  return out;
}

/**
 * The built worker script: beside the bundle that runs the sweep
 * (dist/engine/, dist/cli/), or in dist/ when the sources run (tests).
 * @throws Error when it was not built (npm run build).
 */
export function sweepWorkerFile(): string {
  const candidates = [join(__dirname, 'sweep-worker.cjs'), join(__dirname, '..', 'engine', 'sweep-worker.cjs'), join(__dirname, '..', '..', 'dist', 'engine', 'sweep-worker.cjs')];
  const found = candidates.find((f) => existsSync(f));
  if (found === undefined) throw new Error(`the sweep worker is not built (looked for ${candidates.join(', ')}): npm run build`);
  return found;
}

/** What a worker is given: the dataset's market tape (shared memory, not a copy), the mode, and one configuration. */
export interface SweepTask {
  readonly tape: MarketTape;
  readonly mode: NonNullable<SweepDataset['mode']>;
  readonly configuration: SweepConfiguration;
}

/** What building the market tape of `dataset` takes (engine/run/tape.ts). */
export function tapeOptions(dataset: SweepDataset): TapeOptions {
  return {
    file: dataset.file,
    ...(dataset.fromTs === undefined ? {} : { fromTs: dataset.fromTs }),
    ...(dataset.toTs === undefined ? {} : { toTs: dataset.toTs }),
    instrument: ES,
    timeframe: dataset.timeframe ?? '1m',
    timeZone: dataset.timeZone ?? ES.timeZone,
    sessionKind: 'globex',
  };
}

/**
 * The market tape of `dataset`: its records through the market pipeline
 * once, for every configuration of a sweep. Built on this thread.
 * @throws FeedError as a backtest of the dataset.
 */
export function tapeOf(dataset: SweepDataset): Promise<MarketTape> {
  return buildTape(tapeOptions(dataset));
}

/**
 * The market tape of `dataset` built on a worker thread of `workerFile`, so
 * the calling thread (the engine's) stays free while the data is parsed.
 * @throws FeedError as tapeOf; an AbortError when `signal` fires first.
 */
export async function tapeOnWorker(dataset: SweepDataset, workerFile: string, signal?: AbortSignal): Promise<MarketTape> {
  const pool = new Piscina({ filename: workerFile, minThreads: 1, maxThreads: 1 });
  try {
    return (await pool.run(dataset, { name: 'tape', ...(signal === undefined ? {} : { signal }) })) as MarketTape;
  } finally {
    await pool.destroy();
  }
}

/**
 * One configuration's whole backtest of `tape` on a worker thread (the
 * research report's run of the best).
 * @throws FeedError or Error from the backtest.
 */
export async function backtestOnWorker(tape: MarketTape, mode: SweepTask['mode'], configuration: SweepConfiguration, workerFile: string): Promise<BacktestResult> {
  const pool = new Piscina({ filename: workerFile, minThreads: 1, maxThreads: 1 });
  try {
    return (await pool.run({ tape, mode, configuration } satisfies SweepTask, { name: 'backtest' })) as BacktestResult;
  } finally {
    await pool.destroy();
  }
}

/**
 * Runs the configurations on `workers` worker threads (default one per
 * core) of the worker script `workerFile` (dist/engine/sweep-worker.cjs),
 * telling `onProgress` after each; `signal` cancels what has not started.
 * The dataset goes through the market pipeline once, on a worker (the
 * `tape` task) unless `opts.tape` holds it already, and every worker plays that tape: only the method, risk, venue and portfolio
 * run per configuration. Results come back in configuration order,
 * whatever order the workers finish.
 * @throws FeedError when the data cannot be read.
 */
export async function runSweep(
  dataset: SweepDataset,
  configs: readonly SweepConfiguration[],
  opts: {
    readonly workerFile: string;
    readonly workers?: number;
    readonly onProgress?: (done: number, total: number) => void;
    readonly signal?: AbortSignal;
    /** The dataset's tape when the caller has built it already (tapeOf(dataset)). */
    readonly tape?: MarketTape;
  },
): Promise<SweepResult> {
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  const mode = dataset.mode ?? 'PAPER';
  const pool = new Piscina({ filename: opts.workerFile, minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
  const runs: SweepRun[] = [];
  let done = 0;
  let cancelled = false;
  try {
    let tape: MarketTape;
    try {
      tape = opts.tape ?? ((await pool.run(dataset, { name: 'tape', ...(opts.signal === undefined ? {} : { signal: opts.signal }) })) as MarketTape);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return { runs, cancelled: true, workers };
      throw e;
    }
    await Promise.all(
      configs.map(async (configuration) => {
        try {
          const run = (await pool.run({ tape, mode, configuration } satisfies SweepTask, opts.signal === undefined ? {} : { signal: opts.signal })) as SweepRun;
          runs.push(run);
          done += 1;
          opts.onProgress?.(done, configs.length);
        } catch (e) {
          if ((e as Error).name === 'AbortError') cancelled = true;
          else throw e;
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
  return { runs: runs.sort((a, b) => a.id - b.id), cancelled, workers };
}

/** Numeric metrics a sweep can be sorted by, higher better (max drawdown: lower better). */
export const SWEEP_METRICS = ['netPnlUsd', 'profitFactor', 'sharpe', 'sharpeAnnual', 'sortinoAnnual', 'calmar', 'winRate', 'maxDrawdownUsd', 'trades'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

/** A run's value of `metric` (null when undefined). */
export function metricOf(r: SweepRun, metric: SweepMetric): number | null {
  switch (metric) {
    case 'sharpeAnnual':
      return r.annual.sharpeAnnual;
    case 'sortinoAnnual':
      return r.annual.sortinoAnnual;
    case 'calmar':
      return r.annual.calmar;
    default:
      return r.metrics[metric];
  }
}

/** The runs best first by `metric` (undefined values last; ties by configuration number). */
export function rankRuns(runs: readonly SweepRun[], metric: SweepMetric): SweepRun[] {
  const sign = metric === 'maxDrawdownUsd' ? -1 : 1;
  return [...runs].sort((a, b) => {
    const x = metricOf(a, metric);
    const y = metricOf(b, metric);
    if (x === null || y === null) return (x === null ? 1 : 0) - (y === null ? 1 : 0) || a.id - b.id;
    return sign * (y - x) || a.id - b.id;
  });
}

/**
 * The best run by `metric`, its deflated Sharpe ratio among the runs'
 * daily returns, and the probability of backtest overfitting over `blocks`
 * blocks of days (engine/perf/overfitting.ts), or fewer blocks (an even
 * number) where the days are too few for blocks of two days (11 days: 4).
 * @throws RangeError with no run.
 */
export function verdictOf(runs: readonly SweepRun[], metric: SweepMetric, blocks = 8): SweepVerdict {
  const ranked = rankRuns(runs, metric);
  const best = ranked[0];
  if (best === undefined) throw new RangeError('sweep: no run to judge');
  const days = best.dailyPnlUsd.length;
  const matrix = Array.from({ length: days }, (_, d) => runs.map((r) => r.dailyPnlUsd[d] ?? 0));
  let dsr: number | null = null;
  try {
    dsr = runs.length >= 2 && days >= 4 ? deflatedSharpeOfSweep(matrix).dsr : null;
  } catch {
    dsr = null;
  }
  let pbo: number | null = null;
  // Blocks of 2 days at least: fewer (an even number) when the days are too few for `blocks`.
  const usable = Math.min(blocks, 2 * Math.floor(Math.floor(days / 2) / 2));
  try {
    pbo = runs.length >= 2 && usable >= 2 ? probabilityOfOverfitting(matrix, usable).pbo : null;
  } catch {
    pbo = null;
  }
  return { best, deflatedSharpe: dsr !== null && Number.isFinite(dsr) ? dsr : null, pbo };
}
