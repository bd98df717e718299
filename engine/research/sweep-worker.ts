/**
 * A sweep's worker thread (piscina; engine/research/sweep.ts): one
 * configuration's backtest of the sweep's data, answered as a SweepRun.
 * The trader's settings map onto the backtest as `mia backtest --settings`
 * maps them (risk, method, simulated costs, position management).
 */
import { runBacktest } from '../run/drivers/backtest.js';
import { methodConfig } from '../method/config.js';
import { managementOf, methodOf, riskOf } from '../settings.js';
import type { SweepRun, SweepTask } from './sweep.js';

/** Runs one configuration (piscina's default export). */
export default async function run(task: SweepTask): Promise<SweepRun> {
  const { dataset: d, configuration: c } = task;
  const s = c.settings;
  const r = await runBacktest({
    file: d.file,
    ...(d.timeZone === undefined ? {} : { timeZone: d.timeZone }),
    ...(d.timeframe === undefined ? {} : { timeframe: d.timeframe }),
    ...(d.fromTs === undefined ? {} : { fromTs: d.fromTs }),
    ...(d.toTs === undefined ? {} : { toTs: d.toTs }),
    method: methodOf(s, methodConfig({ mode: d.mode ?? 'PAPER' })),
    risk: riskOf(s),
    simulated: s.paper,
    management: managementOf(s),
  });
  return { id: c.id, values: c.values, metrics: r.execution.metrics, annual: r.research.annual, ordersHash: r.execution.ordersHash, dailyPnlUsd: r.research.dailyPnlUsd, days: r.sessions.map((x) => x.id) };
}
