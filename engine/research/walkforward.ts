/**
 * Walk-forward optimisation (issue 19; Pardo, "The Evaluation and
 * Optimization of Trading Strategies", 2nd ed., 2008, ch. 11): the data's
 * sessions in rolling windows of `inSessions` in-sample then `outSessions`
 * out-of-sample, rolled by `stepSessions` (default `outSessions`). In each
 * window the sweep runs on the in-sample sessions alone, the best
 * configuration by `metric` is chosen, and that configuration alone trades
 * the out-of-sample sessions, which the choice never saw. The out-of-sample
 * days stitched together are the walk-forward equity curve.
 *
 * Walk-forward efficiency = annualised out-of-sample net P&L / annualised
 * in-sample net P&L of the chosen configurations (Pardo's WFE, over all
 * windows). A parameter's stability: the values chosen window by window,
 * how many distinct ones, and their standard deviation.
 */
import { standardDeviation } from 'simple-statistics';
import { TRADING_DAYS_PER_YEAR } from '../perf/annual.js';
import type { MarketTape } from '../run/tape.js';
import { rankRuns, runSweep, type SweepConfiguration, type SweepDataset, type SweepMetric, type SweepRun } from './sweep.js';

/** A session of the data: its id and its first bar's open and last bar's end, Unix ms. */
export interface SessionSpan {
  readonly id: string;
  readonly startTs: number;
  readonly endTs: number;
}

/** The windows and the choice. */
export interface WalkForwardSpec {
  readonly inSessions: number;
  readonly outSessions: number;
  readonly stepSessions?: number;
  readonly metric: SweepMetric;
}

/** One window: its sessions, the configuration chosen in-sample, and both results. */
export interface WalkForwardWindow {
  readonly inSample: { readonly from: string; readonly to: string };
  readonly outOfSample: { readonly from: string; readonly to: string };
  readonly chosen: SweepRun;
  readonly outOfSampleRun: SweepRun;
}

/** What the walk-forward gives. USD. */
export interface WalkForwardResult {
  readonly windows: WalkForwardWindow[];
  /** [session id, out-of-sample equity so far]: the stitched curve. */
  readonly equity: [string, number][];
  readonly outOfSampleNetUsd: number;
  readonly efficiency: number | null;
  readonly stability: Record<string, { readonly values: number[]; readonly distinct: number; readonly sd: number }>;
  /** Cancelled: the windows are those finished. */
  readonly cancelled: boolean;
}

/** The sessions of a market tape (engine/run/tape.ts), as a backtest of its data closes them. */
export function sessionSpansOf(tape: MarketTape): SessionSpan[] {
  return tape.sessions.map(({ summary: s }) => ({ id: s.id, startTs: s.startTs, endTs: s.endTs }));
}

/**
 * The windows of `sessions` (module header).
 * @throws RangeError for window sizes that are not positive whole numbers, or data too short for one window.
 */
export function walkForwardWindows(sessions: readonly SessionSpan[], spec: WalkForwardSpec): { readonly inSample: SessionSpan[]; readonly outOfSample: SessionSpan[] }[] {
  const step = spec.stepSessions ?? spec.outSessions;
  for (const [name, v] of [['inSessions', spec.inSessions], ['outSessions', spec.outSessions], ['stepSessions', step]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`walk-forward: ${name} must be a whole number of sessions above 0, not ${v}`);
  }
  const out: { inSample: SessionSpan[]; outOfSample: SessionSpan[] }[] = [];
  for (let s = 0; s + spec.inSessions + spec.outSessions <= sessions.length; s += step) {
    out.push({ inSample: sessions.slice(s, s + spec.inSessions), outOfSample: sessions.slice(s + spec.inSessions, s + spec.inSessions + spec.outSessions) });
  }
  if (out.length === 0) throw new RangeError(`walk-forward: ${sessions.length} sessions are fewer than one window of ${spec.inSessions} + ${spec.outSessions}`);
  return out;
}

/**
 * Runs the walk-forward of `configs` over `dataset`, whose sessions are
 * `sessions` (a backtest of it gives them), on the sweep's worker threads.
 * @throws RangeError as walkForwardWindows.
 */
export async function walkForward(
  dataset: SweepDataset,
  sessions: readonly SessionSpan[],
  configs: readonly SweepConfiguration[],
  spec: WalkForwardSpec,
  opts: {
    readonly workerFile: string;
    readonly workers?: number;
    readonly onWindow?: (done: number, total: number) => void;
    /** Backtests done of all the windows' (each window: every configuration in-sample, then the chosen one out-of-sample). */
    readonly onProgress?: (done: number, total: number) => void;
    /** Cancels: the windows finished are kept, `cancelled` says so. */
    readonly signal?: AbortSignal;
  },
): Promise<WalkForwardResult> {
  const windows = walkForwardWindows(sessions, spec);
  const done: WalkForwardWindow[] = [];
  const total = windows.length * (configs.length + 1);
  let runsDone = 0;
  let cancelled = false;
  const sweepOpts = { workerFile: opts.workerFile, ...(opts.workers === undefined ? {} : { workers: opts.workers }), ...(opts.signal === undefined ? {} : { signal: opts.signal }) };
  for (const w of windows) {
    const range = (s: readonly SessionSpan[]) => ({ fromTs: s[0]!.startTs, toTs: s.at(-1)!.endTs });
    const inSample = await runSweep({ ...dataset, ...range(w.inSample) }, configs, { ...sweepOpts, onProgress: (n) => opts.onProgress?.(runsDone + n, total) });
    if (inSample.cancelled) {
      cancelled = true;
      break;
    }
    runsDone += configs.length;
    const chosen = rankRuns(inSample.runs, spec.metric)[0]!;
    const config = configs.find((c) => c.id === chosen.id)!;
    const oos = await runSweep({ ...dataset, ...range(w.outOfSample) }, [config], { ...sweepOpts, workers: 1 });
    if (oos.cancelled) {
      cancelled = true;
      break;
    }
    runsDone += 1;
    opts.onProgress?.(runsDone, total);
    done.push({ inSample: { from: w.inSample[0]!.id, to: w.inSample.at(-1)!.id }, outOfSample: { from: w.outOfSample[0]!.id, to: w.outOfSample.at(-1)!.id }, chosen, outOfSampleRun: oos.runs[0]! });
    opts.onWindow?.(done.length, windows.length);
  }
  const equity: [string, number][] = [];
  let eq = 0;
  for (const w of done) {
    w.outOfSampleRun.days.forEach((day, i) => {
      eq += w.outOfSampleRun.dailyPnlUsd[i] ?? 0;
      equity.push([day, eq]);
    });
  }
  const annualised = (runs: readonly SweepRun[]): number => {
    const days = runs.reduce((a, r) => a + r.days.length, 0);
    return days === 0 ? 0 : (runs.reduce((a, r) => a + r.metrics.netPnlUsd, 0) / days) * TRADING_DAYS_PER_YEAR;
  };
  const isAnnual = annualised(done.map((w) => w.chosen));
  const oosAnnual = annualised(done.map((w) => w.outOfSampleRun));
  const stability: WalkForwardResult['stability'] = {};
  for (const name of Object.keys(done[0]?.chosen.values ?? {})) {
    const values = done.map((w) => w.chosen.values[name]!);
    stability[name] = { values, distinct: new Set(values).size, sd: values.length >= 1 ? standardDeviation(values) : 0 };
  }
  return { windows: done, equity, outOfSampleNetUsd: eq, efficiency: isAnnual !== 0 ? oosAnnual / isAnnual : null, stability, cancelled };
}
