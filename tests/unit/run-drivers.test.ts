/**
 * One run, three drivers (issue 15): the real 11-session ES CSV through the
 * backtest driver, the paced driver at max speed and the live driver (its
 * bars pushed as a live feed would, in blocks) produces the same signals,
 * orders, fills, trades, snapshots, run events, bars and levels in the
 * journal, row for row. Each run journals to its own database; rows are
 * compared without their run id. AUTO, PAPER, the spec's defaults, the kill
 * switch latched to the end in all three (a backtest's daily re-arm is the
 * one thing only a backtest does).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../engine/bus';
import type { EngineEvent } from '../../engine/contract';
import { ES, type MarketRecord } from '../../engine/domain';
import { openFeed } from '../../engine/feeds/index';
import { RejectionLog } from '../../engine/feeds/rejections';
import { methodConfig } from '../../engine/method/config';
import { KillSwitch, MemoryKillSwitchStore } from '../../engine/risk/kill-switch';
import { DEFAULT_RISK_CONFIG } from '../../engine/risk/sizing';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { LiveDriver } from '../../engine/run/drivers/live';
import { PacedDriver } from '../../engine/run/drivers/paced';
import type { RunOptions } from '../../engine/run/run';
import { LIVE_SCHEDULER } from '../../engine/scheduler';
import { openDb, type Db } from '../../engine/store/db';
import { SessionCalendar } from '../../engine/time/sessions';
import { SimulatedVenue } from '../../engine/venue/sim';
import { ManualClock, eventually } from '../support/manual-clock';
import { REAL_CSV } from '../support/paths';

const TABLES = ['signals', 'approvals', 'orders', 'fills', 'trades', 'trade_snapshots', 'run_events', 'bars', 'levels', 'sessions', 'rejections', 'gamma_chains'] as const;

/** Every row of the run's tables, without run ids, in a stable order. */
function rows(db: Db): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) {
    const all = db.prepare(`SELECT * FROM ${t}`).all() as Record<string, unknown>[];
    out[t] = all.map(({ run_id: _r, id: _i, ...rest }) => rest).map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

const freshDb = (name: string): Db => openDb(join(mkdtempSync(join(tmpdir(), `mia-drivers-${name}-`)), 'journal.sqlite'));

const OPTS: RunOptions = {
  file: REAL_CSV,
  instrument: ES,
  timeframe: '1m',
  timeZone: 'America/New_York',
  sessionKind: 'globex',
  method: methodConfig(),
  gamma: null,
  execution: 'AUTO',
  risk: DEFAULT_RISK_CONFIG,
};

function runDeps(db: Db) {
  const wall = new ManualClock();
  const bus = new EventBus<EngineEvent>();
  return { wall, bus, db, killSwitch: new KillSwitch(new MemoryKillSwitchStore(), wall), executionChanged: () => undefined, scheduler: LIVE_SCHEDULER };
}

describe('one trading node, three drivers', () => {
  it('backtest, paced replay at max and a live feed of the same bars journal the same rows', async () => {
    const backtestDb = freshDb('backtest');
    const bt = await runBacktest({ file: REAL_CSV, db: backtestDb, resetKillSwitchDaily: false });
    expect(bt.signals.total).toBe(27);
    expect(bt.execution.trades.length).toBeGreaterThan(0);

    const pacedDb = freshDb('paced');
    const paced = await PacedDriver.open(OPTS, runDeps(pacedDb));
    paced.setSpeed('max');
    paced.play();
    await eventually(() => expect(paced.status().state).toBe('ended'), 30_000, 5);

    const liveDb = freshDb('live');
    const deps = runDeps(liveDb);
    const live = new LiveDriver(OPTS, new SimulatedVenue({ tickSize: ES.tickSize }), deps, new SessionCalendar('globex', ES.timeZone));
    const feed = await openFeed(REAL_CSV, { instrument: ES, barTimeframe: '1m', timeZone: 'America/New_York', rejections: new RejectionLog() });
    for await (const block of feed.blocks()) {
      // A live feed delivers a few records at a time.
      for (let i = 0; i < block.length; i += 7) live.push(block.slice(i, i + 7) as MarketRecord[]);
    }
    live.run.node.end();
    live.run.flushJournal();
    await live.close();

    const expected = rows(backtestDb);
    expect(expected.signals).toHaveLength(27);
    expect(expected.orders!.length).toBe(bt.execution.orders);
    expect(rows(pacedDb)).toEqual(expected);
    expect(rows(liveDb)).toEqual(expected);
    expect(live.status().signals).toBe(27);
    expect(paced.status().signals).toBe(27);
  }, 60_000);
});
