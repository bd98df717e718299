/**
 * The EngineApi of the Research view (issue 19; engine/api/parts.ts): a
 * sweep or a walk-forward of the trader's saved settings over a dataset, on
 * worker threads (engine/research/sweep.ts), one job at a time, with
 * progress as `research` events, cancel, and the report of the last job.
 * The engine's own thread only schedules: the data is parsed and every
 * backtest run on the workers, so a replay or a live run goes on beside it.
 */
import { availableParallelism } from 'node:os';
import type { EngineApi, ResearchJobDTO, ResearchRequest, ResearchRunDTO } from '../contract.js';
import { EngineError } from '../errors.js';
import { FeedError } from '../feeds/rejections.js';
import { isFolderOrGlob } from '../feeds/series.js';
import { dataFileProblem } from '../feeds/data-file.js';
import { monteCarlo } from '../perf/montecarlo.js';
import { backtestReportHtml, type ResearchReportPart } from '../research/report.js';
import {
  backtestOnWorker,
  configurations,
  rankRuns,
  runSweep,
  SWEEP_METRICS,
  sweepableSettings,
  sweepWorkerFile,
  tapeOnWorker,
  verdictOf,
  type SweepConfiguration,
  type SweepDataset,
  type SweepRun,
  type SweepVerdict,
} from '../research/sweep.js';
import { sessionSpansOf, walkForward, walkForwardWindows, type WalkForwardResult } from '../research/walkforward.js';
import { riskOf, SettingsError } from '../settings.js';
import { Zone } from '../time/zone.js';
import type { KernelParts } from './parts.js';

type ResearchApi = Pick<EngineApi, 'getResearch' | 'startResearch' | 'cancelResearch' | 'getResearchReport'>;

/** Progress events at most this often (wall ms); a job's start and end always. */
const PROGRESS_EVERY_MS = 200;
/** Monte Carlo runs of the report's best configuration. */
const REPORT_MC_RUNS = 2000;
const ET = new Zone('America/New_York');

const runDto = (r: SweepRun): ResearchRunDTO => ({
  id: r.id,
  values: { ...r.values },
  trades: r.metrics.trades,
  netPnlUsd: r.metrics.netPnlUsd,
  profitFactor: finite(r.metrics.profitFactor),
  winRate: finite(r.metrics.winRate),
  sharpe: finite(r.metrics.sharpe),
  sharpeAnnual: finite(r.annual.sharpeAnnual),
  sortinoAnnual: finite(r.annual.sortinoAnnual),
  calmar: finite(r.annual.calmar),
  maxDrawdownUsd: r.metrics.maxDrawdownUsd,
  ordersHash: r.ordersHash,
});

function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/** What the last ended job leaves for its report. */
interface Ended {
  readonly dataset: SweepDataset;
  readonly part: ResearchReportPart;
  readonly best: SweepConfiguration;
}

/** The Research view's calls (`stop` cancels a running job). */
export function researchApi(k: KernelParts): { api: ResearchApi; stop: () => void } {
  const { bus, wall } = k;
  let seq = 0;
  let job: ResearchJobDTO | null = null;
  let abort: AbortController | null = null;
  let ended: Ended | null = null;
  let lastPublish = 0;

  const publish = (force: boolean): void => {
    if (job === null) return;
    const now = wall.now();
    if (!force && now - lastPublish < PROGRESS_EVERY_MS) return;
    lastPublish = now;
    bus.publish({ type: 'research', job: structuredClone(job) });
  };
  const update = (patch: Partial<ResearchJobDTO>, force = false): void => {
    if (job === null) return;
    job = { ...job, ...patch };
    publish(force);
  };

  /** The job's work: the sweep or the walk-forward; its results into `job`. */
  const work = async (req: ResearchRequest, dataset: SweepDataset, configs: SweepConfiguration[], workers: number, signal: AbortSignal): Promise<void> => {
    const workerFile = sweepWorkerFile();
    const metric = req.metric;
    let runs: SweepRun[];
    let cancelled: boolean;
    let wf: WalkForwardResult | null = null;
    if (req.kind === 'sweep') {
      const r = await runSweep(dataset, configs, { workerFile, workers, signal, onProgress: (done) => update({ state: 'running', done }, done === configs.length) });
      runs = r.runs;
      cancelled = r.cancelled;
    } else {
      const spec = req.walkForward!;
      const tape = await tapeOnWorker(dataset, workerFile, signal).catch((e: Error) => {
        if (e.name === 'AbortError') return null;
        throw e;
      });
      if (tape === null) {
        update({ state: 'cancelled', endedAt: wall.now() }, true);
        return;
      }
      const sessions = sessionSpansOf(tape);
      // Too few sessions for one window fails the job, naming the numbers.
      const windows = walkForwardWindows(sessions, { ...spec, metric }).length;
      update({ state: 'running', total: windows * (configs.length + 1) }, true);
      wf = await walkForward(dataset, sessions, configs, { ...spec, metric }, { workerFile, workers, signal, onProgress: (done) => update({ done }) });
      cancelled = wf.cancelled;
      // Each window's chosen configuration, as it did in-sample.
      runs = wf.windows.map((w) => w.chosen);
    }
    const ranked = rankRuns(runs, metric);
    let verdict: SweepVerdict | null = null;
    if (req.kind === 'sweep' && runs.length > 0) verdict = verdictOf(runs, metric);
    // A sweep's best; a walk-forward's last window's choice (what it would trade next).
    const best = req.kind === 'sweep' ? (verdict?.best ?? null) : (wf?.windows.at(-1)?.chosen ?? null);
    update(
      {
        state: cancelled ? 'cancelled' : 'done',
        endedAt: wall.now(),
        runs: runs.map(runDto),
        bestId: best?.id ?? null,
        deflatedSharpe: verdict?.deflatedSharpe ?? null,
        pbo: verdict?.pbo ?? null,
        walkForward:
          wf === null
            ? null
            : {
                windows: wf.windows.map((w) => ({ inFrom: w.inSample.from, inTo: w.inSample.to, outFrom: w.outOfSample.from, outTo: w.outOfSample.to, chosen: runDto(w.chosen), outOfSample: runDto(w.outOfSampleRun) })),
                equity: wf.equity,
                outOfSampleNetUsd: wf.outOfSampleNetUsd,
                efficiency: finite(wf.efficiency),
                stability: wf.stability,
              },
      },
      true,
    );
    if (best !== null) ended = { dataset, best: configs.find((c) => c.id === best.id)!, part: { kind: req.kind, metric, runs: ranked, verdict, walkForward: wf } };
  };

  const api: ResearchApi = {
    async getResearch() {
      const { settings } = k.traderSettings();
      return { job: job === null ? null : structuredClone(job), parameters: sweepableSettings(settings), metrics: [...SWEEP_METRICS], workers: availableParallelism() };
    },

    async startResearch(req) {
      if (job !== null && (job.state === 'preparing' || job.state === 'running')) throw new EngineError('bad-request', `research job #${job.id} is running: cancel it first`);
      if (req.kind === 'walk-forward' && req.walkForward === undefined) throw new EngineError('bad-request', 'startResearch: a walk-forward needs "walkForward": {inSessions, outSessions}');
      const timeZone = req.timeZone ?? k.instrument.timeZone;
      try {
        new Zone(timeZone);
      } catch {
        throw new EngineError('bad-request', `startResearch: "timeZone" ${JSON.stringify(timeZone)} is not an IANA time zone`);
      }
      if (!(await isFolderOrGlob(req.path))) {
        const p = await dataFileProblem(req.path);
        if (p !== null) throw new EngineError(p.missing ? 'not-found' : 'bad-file', p.message);
      }
      let configs: SweepConfiguration[];
      try {
        configs = configurations({ parameters: req.parameters, ...(req.random === undefined ? {} : { search: { random: req.random.count, seed: req.random.seed } }) }, k.traderSettings().settings);
      } catch (e) {
        if (e instanceof RangeError || e instanceof SettingsError) throw new EngineError('bad-request', e.message);
        throw e;
      }
      const workers = req.workers ?? availableParallelism();
      const dataset: SweepDataset = { file: req.path, timeZone, timeframe: req.timeframe ?? '1m', mode: 'PAPER', ...(req.fromTs === undefined ? {} : { fromTs: req.fromTs }), ...(req.toTs === undefined ? {} : { toTs: req.toTs }) };
      seq += 1;
      abort = new AbortController();
      const signal = abort.signal;
      job = {
        id: seq,
        kind: req.kind,
        path: req.path,
        metric: req.metric,
        state: 'preparing',
        done: 0,
        total: configs.length,
        configurations: configs.length,
        workers,
        startedAt: wall.now(),
        endedAt: null,
        message: null,
        runs: [],
        bestId: null,
        deflatedSharpe: null,
        pbo: null,
        walkForward: null,
      };
      publish(true);
      const id = seq;
      void work(req, dataset, configs, workers, signal).catch((e: unknown) => {
        if (job?.id !== id) return;
        const message = e instanceof FeedError || e instanceof EngineError || e instanceof RangeError ? e.message : `research failed: ${(e as Error).message}`;
        update({ state: 'failed', endedAt: wall.now(), message }, true);
      });
      return structuredClone(job);
    },

    async cancelResearch() {
      if (job === null || (job.state !== 'preparing' && job.state !== 'running')) return null;
      abort?.abort();
      return structuredClone(job);
    },

    async getResearchReport() {
      if (ended === null) throw new EngineError('bad-request', 'no research job has ended with a run yet: run a sweep first');
      const { dataset, best, part } = ended;
      const workerFile = sweepWorkerFile();
      const tape = await tapeOnWorker(dataset, workerFile);
      const r = await backtestOnWorker(tape, dataset.mode ?? 'PAPER', best, workerFile);
      const closed = r.execution.trades.filter((t) => t.pnlUsd !== null && t.exitTs !== null);
      const mc =
        closed.length === 0
          ? null
          : monteCarlo(
              closed.map((t) => ({ pnlUsd: t.pnlUsd!, day: ET.formatIso(t.entryTs ?? t.exitTs!).slice(0, 10) })),
              { runs: REPORT_MC_RUNS, seed: 1, blockSize: 1, startingEquityUsd: r.execution.startingEquityUsd, dailyLossLimitUsd: riskOf(best.settings).dailyLossLimitUsd },
            );
      return backtestReportHtml(r, wall.now(), mc, part);
    },
  };
  return { api, stop: () => abort?.abort() };
}
