/**
 * `mia sweep` and `mia walkforward` (issue 19): a sweep of the trader's
 * settings over one dataset on worker threads, its results table sorted by
 * a metric with the best configuration's deflated Sharpe ratio and the
 * sweep's probability of backtest overfitting; and the walk-forward of the
 * same sweep. Ctrl+C cancels what has not started and prints what is done
 * (a walk-forward: the windows finished).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Timeframe } from '../domain.js';
import { configurations, runSweep, rankRuns, sweepWorkerFile, tapeOnWorker, verdictOf, SWEEP_METRICS, metricOf, type SweepDataset, type SweepMetric, type SweepSpec, type SweepRun } from '../research/sweep.js';
import { sessionSpansOf, walkForward } from '../research/walkforward.js';
import { DEFAULT_TRADER_SETTINGS, parseTraderSettings, type TraderSettings } from '../settings.js';

type Out = (s: string) => void;

/** A bad command line: the message is printed with the usage hint, exit 2. */
export class ResearchUsageError extends Error {
  override readonly name = 'UsageError';
}

const OPTIONS = {
  data: { type: 'string', multiple: true },
  spec: { type: 'string' },
  settings: { type: 'string' },
  tz: { type: 'string' },
  timeframe: { type: 'string' },
  mode: { type: 'string' },
  workers: { type: 'string' },
  sort: { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean' },
  in: { type: 'string' },
  out: { type: 'string' },
  step: { type: 'string' },
} as const;

async function jsonFile(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    throw new Error(`${path}: not a ${what} (${(e as Error).message})`);
  }
}

/** The parts both commands share: the dataset, the configurations, the metric, the workers. */
async function common(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (values.data === undefined || values.spec === undefined) throw new ResearchUsageError('needs --data <file | folder | glob> and --spec <sweep.json>');
  const spec = (await jsonFile(values.spec, 'sweep spec')) as SweepSpec;
  if (typeof spec !== 'object' || spec === null || typeof spec.parameters !== 'object') throw new Error(`${values.spec}: a sweep spec is {"parameters": {"<settings field>": [values] | {"from", "to", "step"}}, "search": "grid" | {"random": n, "seed": s}}`);
  const base: TraderSettings = values.settings === undefined ? DEFAULT_TRADER_SETTINGS : parseTraderSettings(await jsonFile(values.settings, 'settings file'), values.settings);
  const metric = (values.sort ?? 'netPnlUsd') as SweepMetric;
  if (!(SWEEP_METRICS as readonly string[]).includes(metric)) throw new ResearchUsageError(`--sort must be one of ${SWEEP_METRICS.join(', ')}`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new ResearchUsageError('--workers must be a whole number, 1 or more');
  const mode = (values.mode ?? 'PAPER') as SweepDataset['mode'];
  const dataset: SweepDataset = { file: values.data.length === 1 ? values.data[0]! : values.data, ...(values.tz === undefined ? {} : { timeZone: values.tz }), ...(values.timeframe === undefined ? {} : { timeframe: values.timeframe as Timeframe }), ...(mode === undefined ? {} : { mode }) };
  return { values, configs: configurations(spec, base), metric, workers, dataset };
}

const f2 = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(2));

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + '\n';
}

function runsTable(runs: readonly SweepRun[], metric: SweepMetric): string {
  const names = Object.keys(runs[0]?.values ?? {});
  return table(
    ['#', ...names, 'trades', 'net USD', 'PF', 'Sharpe/trade', 'Sharpe/yr', 'Calmar', 'max DD', metric],
    runs.map((r) => [String(r.id), ...names.map((n) => String(r.values[n])), String(r.metrics.trades), f2(r.metrics.netPnlUsd), f2(r.metrics.profitFactor), f2(r.metrics.sharpe), f2(r.annual.sharpeAnnual), f2(r.annual.calmar), f2(r.metrics.maxDrawdownUsd), f2(metricOf(r, metric))]),
  );
}

/** `mia sweep`. */
export async function sweepCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, configs, metric, workers, dataset } = await common(argv);
  const abort = new AbortController();
  const onInt = () => abort.abort();
  process.once('SIGINT', onInt);
  try {
    err(`mia: sweep of ${configs.length} configuration(s)\n`);
    const result = await runSweep(dataset, configs, {
      workerFile: sweepWorkerFile(),
      ...(workers === undefined ? {} : { workers }),
      signal: abort.signal,
      onProgress: (done, total) => err(`\rmia: sweep ${done}/${total}${done === total ? '\n' : ''}`),
    });
    if (result.runs.length === 0) {
      err('mia: sweep cancelled before any configuration ran\n');
      return 1;
    }
    const ranked = rankRuns(result.runs, metric);
    const verdict = verdictOf(result.runs, metric);
    const top = values.top === undefined ? ranked.length : Math.max(1, Number(values.top));
    if (values.json === true) out(`${JSON.stringify({ metric, workers: result.workers, cancelled: result.cancelled, configurations: configs.length, runs: ranked.slice(0, top), best: verdict.best.id, deflatedSharpe: verdict.deflatedSharpe, pbo: verdict.pbo })}\n`);
    else {
      out(runsTable(ranked.slice(0, top), metric));
      out(`best by ${metric}: #${verdict.best.id} ${JSON.stringify(verdict.best.values)}; deflated Sharpe ${f2(verdict.deflatedSharpe)}; probability of backtest overfitting ${f2(verdict.pbo)}${result.cancelled ? ' (cancelled: the runs done so far)' : ''}\n`);
    }
    return result.cancelled ? 1 : 0;
  } finally {
    process.off('SIGINT', onInt);
  }
}

/** `mia walkforward`. */
export async function walkForwardCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, configs, metric, workers, dataset } = await common(argv);
  const n = (name: 'in' | 'out' | 'step', v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isInteger(x) || x < 1) throw new ResearchUsageError(`--${name} must be a whole number of sessions, 1 or more`);
    return x;
  };
  const inSessions = n('in', values.in);
  const outSessions = n('out', values.out);
  if (inSessions === undefined || outSessions === undefined) throw new ResearchUsageError('walkforward needs --in <sessions> and --out <sessions>');
  const stepSessions = n('step', values.step);
  // The sessions of the data, from its market tape.
  const sessions = sessionSpansOf(await tapeOnWorker(dataset, sweepWorkerFile()));
  const abort = new AbortController();
  const onInt = () => abort.abort();
  process.once('SIGINT', onInt);
  let r: Awaited<ReturnType<typeof walkForward>>;
  try {
    r = await walkForward(dataset, sessions, configs, { inSessions, outSessions, ...(stepSessions === undefined ? {} : { stepSessions }), metric }, {
      workerFile: sweepWorkerFile(),
      ...(workers === undefined ? {} : { workers }),
      signal: abort.signal,
      onWindow: (done, total) => err(`\rmia: walk-forward window ${done}/${total}${done === total ? '\n' : ''}`),
    });
  } finally {
    process.off('SIGINT', onInt);
  }
  if (r.cancelled) err(`\nmia: walk-forward cancelled: the ${r.windows.length} window(s) finished are shown\n`);
  if (values.json === true) {
    out(`${JSON.stringify(r)}\n`);
    return r.cancelled ? 1 : 0;
  }
  const names = Object.keys(configs[0]?.values ?? {});
  out(
    table(
      ['in-sample', 'out-of-sample', ...names, `IS ${metric}`, 'OOS net USD', 'OOS trades'],
      r.windows.map((w) => [`${w.inSample.from}..${w.inSample.to}`, `${w.outOfSample.from}..${w.outOfSample.to}`, ...names.map((k) => String(w.chosen.values[k])), f2(metricOf(w.chosen, metric)), f2(w.outOfSampleRun.metrics.netPnlUsd), String(w.outOfSampleRun.metrics.trades)]),
    ),
  );
  out(`out-of-sample net ${f2(r.outOfSampleNetUsd)} USD over ${r.equity.length} sessions; walk-forward efficiency ${f2(r.efficiency)}\n`);
  for (const [k, s] of Object.entries(r.stability)) out(`${k}: chosen ${s.values.join(', ')} (${s.distinct} distinct, sd ${f2(s.sd)})\n`);
  return r.cancelled ? 1 : 0;
}
