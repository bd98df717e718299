/**
 * A sweep's worker thread (piscina; engine/research/sweep.ts): one
 * configuration's backtest of the sweep's market tape (engine/run/tape.ts,
 * in shared memory), answered as a SweepRun.
 * The trader's settings map onto the backtest as `mia backtest --settings`
 * maps them (risk, method, simulated costs, position management).
 */
import { runBacktest } from '../run/drivers/backtest.js';
import { methodConfig } from '../method/config.js';
import { managementOf, methodOf, riskOf } from '../settings.js';
import type { SweepRun, SweepTask } from './sweep.js';

/** Runs one configuration (piscina's default export). */
export default async function run(task: SweepTask): Promise<SweepRun> {
  const { tape, mode, configuration: c } = task;
  const s = c.settings;
  const r = await runBacktest({
    tape,
    method: methodOf(s, methodConfig({ mode })),
    risk: riskOf(s),
    simulated: s.paper,
    management: managementOf(s),
  });
  return { id: c.id, values: c.values, metrics: r.execution.metrics, annual: r.research.annual, ordersHash: r.execution.ordersHash, dailyPnlUsd: r.research.dailyPnlUsd, days: r.sessions.map((x) => x.id) };
}
