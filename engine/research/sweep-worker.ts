/**
 * A sweep's worker thread (piscina; engine/research/sweep.ts): one
 * configuration's backtest of the sweep's market tape (engine/run/tape.ts,
 * in shared memory), answered as a SweepRun; the tape itself (`tape`), so
 * the engine's own thread never parses the data; and the best
 * configuration's whole backtest for the research report (`backtest`).
 * The trader's settings map onto the backtest as `mia backtest --settings`
 * maps them (risk, method, simulated costs, position management).
 */
import { runBacktest, type BacktestResult } from '../run/drivers/backtest.js';
import { methodConfig } from '../method/config.js';
import { buildTape, type MarketTape } from '../run/tape.js';
import { managementOf, methodOf, riskOf } from '../settings.js';
import { tapeOptions, type SweepDataset, type SweepRun, type SweepTask } from './sweep.js';

function backtestOf(task: SweepTask): Promise<BacktestResult> {
  const s = task.configuration.settings;
  return runBacktest({ tape: task.tape, method: methodOf(s, methodConfig({ mode: task.mode })), risk: riskOf(s), simulated: s.paper, management: managementOf(s) });
}

/** Runs one configuration (piscina's default export). */
export default async function run(task: SweepTask): Promise<SweepRun> {
  const c = task.configuration;
  const r = await backtestOf(task);
  return { id: c.id, values: c.values, metrics: r.execution.metrics, annual: r.research.annual, ordersHash: r.execution.ordersHash, dailyPnlUsd: r.research.dailyPnlUsd, days: r.sessions.map((x) => x.id) };
}

/** The dataset's market tape (piscina task `tape`). */
export function tape(dataset: SweepDataset): Promise<MarketTape> {
  return buildTape(tapeOptions(dataset));
}

/** One configuration's whole backtest result (piscina task `backtest`). */
export function backtest(task: SweepTask): Promise<BacktestResult> {
  return backtestOf(task);
}
