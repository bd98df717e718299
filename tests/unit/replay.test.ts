/**
 * The paced driver (file replay) on a hand-driven wall clock: opens paused at the
 * first record, steps one bar, paces by speed, skips dead time, plays to the
 * end at max, and never shows a bar before its end.
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../engine/bus';
import type { EngineEvent } from '../../engine/contract';
import { ES } from '../../engine/domain';
import { methodConfig } from '../../engine/method/config';
import { PacedDriver } from '../../engine/run/drivers/paced';
import { LIVE_SCHEDULER } from '../../engine/scheduler';
import { KillSwitch, MemoryKillSwitchStore } from '../../engine/risk/kill-switch';
import { DEFAULT_RISK_CONFIG } from '../../engine/risk/sizing';
import { ManualClock, eventually } from '../support/manual-clock';
import { REAL_CSV, REAL_SCID } from '../support/paths';

async function open(file: string) {
  const wall = new ManualClock();
  const bus = new EventBus<EngineEvent>();
  const events: EngineEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const killSwitch = new KillSwitch(new MemoryKillSwitchStore(), wall);
  const replay = await PacedDriver.open(
    { file, instrument: ES, timeframe: '1m', timeZone: 'America/New_York', sessionKind: 'globex', method: methodConfig(), gamma: null, execution: 'AUTO', risk: DEFAULT_RISK_CONFIG },
    { wall, bus, db: null, killSwitch, executionChanged: () => undefined, scheduler: LIVE_SCHEDULER },
  );
  const closed = () => events.filter((e) => e.type === 'bar.closed');
  return { wall, replay, events, closed };
}

describe('PacedDriver', () => {
  it('opens paused with the market clock at the first record', async () => {
    const { replay } = await open(REAL_CSV);
    expect(replay.status()).toMatchObject({ state: 'paused', marketTs: Date.UTC(2023, 8, 24, 22), barsProcessed: 0, format: 'csv' });
  });

  it('steps one bar at a time; the clock shows the bar end', async () => {
    const { replay, closed } = await open(REAL_CSV);
    await replay.step();
    await replay.step();
    expect(closed().map((e) => (e.type === 'bar.closed' ? e.bar.ts : 0))).toEqual([Date.UTC(2023, 8, 24, 22, 0), Date.UTC(2023, 8, 24, 22, 1)]);
    expect(replay.status().marketTs).toBe(Date.UTC(2023, 8, 24, 22, 2));
  });

  it('at 25x shows a 1-minute bar after 2.4 wall seconds, not before', async () => {
    const { wall, replay, closed } = await open(REAL_CSV);
    replay.setSpeed(25);
    replay.play();
    await eventually(() => expect(wall.pending).toBeGreaterThan(0));
    wall.advance(2390);
    await Promise.resolve();
    expect(closed()).toHaveLength(0);
    wall.advance(20);
    await eventually(() => expect(closed()).toHaveLength(1));
    replay.pause();
    expect(replay.status().state).toBe('paused');
  });

  it('plays the whole file at max and ends with every bar and session', async () => {
    const { wall, replay, events, closed } = await open(REAL_CSV);
    replay.setSpeed('max');
    replay.play();
    await eventually(() => {
      wall.advance(20);
      expect(replay.status().state).toBe('ended');
    }, 20_000, 1);
    expect(closed()).toHaveLength(15176);
    expect(events.filter((e) => e.type === 'session.closed')).toHaveLength(11);
    expect(replay.status().marketTs).toBe(Date.UTC(2023, 9, 9, 21, 0));
    // the method runs on every bar, as in a backtest: the same 27 signals and 1049 bases
    expect(events.filter((e) => e.type === 'signal')).toHaveLength(27);
    expect(replay.status().signals).toBe(27);
    expect(events.filter((e) => e.type === 'base.confirmed')).toHaveLength(1049);
    expect(events.filter((e) => e.type === 'base.violated')).toHaveLength(297);
    const last = closed()[closed().length - 1];
    expect(last?.type === 'bar.closed' && last.analysis).toMatchObject({ ts: Date.UTC(2023, 9, 9, 20, 59) });
  });

  it('builds bars from SCID ticks and reports the forming bar', async () => {
    const { replay, closed } = await open(REAL_SCID);
    await replay.step(); // the 20:37 bar completes when the 20:38 trade arrives
    expect(closed()).toHaveLength(1);
    const first = closed()[0];
    expect(first?.type === 'bar.closed' && first.bar).toMatchObject({ ts: Date.UTC(2023, 1, 21, 20, 37), open: 4048, high: 4048, low: 4047.5, close: 4047.5, volume: 3, bidVolume: 3, askVolume: 0, delta: -3 });
    expect(replay.run.forming()?.bar).toMatchObject({ ts: Date.UTC(2023, 1, 21, 20, 38), open: 4047.75 });
  });
});
