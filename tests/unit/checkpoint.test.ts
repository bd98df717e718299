/**
 * Checkpoints (issue 19, engine/run/checkpoint.ts): a recorded session of
 * the real CSV's backtest is stepped straight through, bar by bar, and its
 * state kept at 50 random bars; then each of those bars is sought back to,
 * restored from the latest checkpoint at or before it and replayed forward,
 * and everything a window draws and the execution panels show (bars,
 * levels, signals, bases, the check against the journal, orders, fills,
 * trades, the portfolio, the kill switch) must equal the straight replay's.
 * From some of them the replay then plays to the session's end and must end
 * where the straight one ended.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import { createKernel, type Kernel } from '../../engine/kernel';
import { copyState, restoreState, StateCopyError } from '../../engine/run/checkpoint';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { eventually } from '../support/manual-clock';
import { REAL_CSV, SHARED_DATA } from '../support/paths';

let kernel: Kernel;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mia-checkpoint-'));
  kernel = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
  await runBacktest({ file: REAL_CSV, db: kernel.db, wall: new LiveClock() });
}, 60_000);

afterAll(async () => {
  await kernel.close();
});

/** Everything a window would draw, and the execution panels, without the wall-clock rate and the streams' numbering. */
async function state() {
  const snap = await kernel.api.getReplaySnapshot();
  const exec = { ...(await kernel.api.getExecution()), seq: 0, run: 0 };
  // How many checkpoints are held grows as the session is played: not the replay's state.
  return { snap: { ...snap, status: { ...snap.status, barsPerSecond: 0, seq: 0, recorded: { ...snap.status.recorded!, checkpoints: 0 } } }, exec };
}

const checkpointsHeld = async (): Promise<number> => (await kernel.api.getReplaySnapshot()).status.recorded!.checkpoints;

/** Plays the open replay to its end at max. */
async function playToEnd(): Promise<void> {
  await kernel.api.setSpeed('max');
  await kernel.api.play();
  await eventually(async () => {
    const st = (await kernel.api.getReplaySnapshot()).status;
    expect(st.state, st.error ?? '').toBe('ended');
  }, 30_000);
}

/** `n` distinct bars from 0 to `max` by a fixed seed (a linear congruential walk). */
function randomBars(n: number, max: number, seed: number): number[] {
  const out = new Set<number>();
  let x = seed;
  while (out.size < Math.min(n, max + 1)) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.add(x % (max + 1));
  }
  return [...out];
}

describe('checkpoints of a recorded session', () => {
  it('restore + replay equals the straight replay at 50 random bars, and plays on to the same end', async () => {
    const sessions = await kernel.api.listSessions();
    // The session with the most trades, late in the run: its state carries the run's earlier days.
    const s = [...sessions].sort((a, b) => b.trades - a.trades || b.startTs - a.startTs)[0]!;
    expect(s.trades).toBeGreaterThan(0);
    await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
    const total = (await kernel.api.getReplaySnapshot()).status.recorded!.bars;
    // Opened: one checkpoint, at the session's start.
    expect(await checkpointsHeld()).toBe(1);
    const points = randomBars(50, total, 19);
    // Straight: one bar at a time from the session's start, the state kept at each chosen bar.
    const straight = new Map<number, Awaited<ReturnType<typeof state>>>();
    if (points.includes(0)) straight.set(0, await state());
    for (let bar = 1; bar <= total; bar++) {
      await kernel.api.step();
      if (points.includes(bar)) straight.set(bar, await state());
    }
    // Its end: the data's end closes the session.
    await playToEnd();
    const end = await state();
    expect(end.snap.status.recorded!.bar).toBe(total);
    expect(end.snap.status.recorded!.differences).toEqual([]);
    expect(straight.size).toBe(50);
    // Stepped through: the start and every 50 session bars (1,380 bars: 0, 50, ... 1,350).
    expect(await checkpointsHeld()).toBe(Math.floor(total / 50) + 1);
    // Back to each, in the random order: from a checkpoint, then forward.
    for (const [i, bar] of points.entries()) {
      await kernel.api.seek(bar);
      const got = await state();
      expect(got.snap.status.recorded!.bar, `bar ${bar}`).toBe(bar);
      expect(got, `bar ${bar}`).toEqual(straight.get(bar));
      if (i % 10 === 0) {
        await playToEnd();
        expect(await state(), `from bar ${bar} to the end`).toEqual(end);
      }
    }
    // Checkpoints taken while playing at max: the session opened again and played through, then sought back into.
    await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
    await playToEnd();
    expect(await state()).toEqual(end);
    for (const bar of points.slice(0, 10)) {
      await kernel.api.seek(bar);
      expect(await state(), `bar ${bar}, checkpointed at max`).toEqual(straight.get(bar));
    }
  }, 180_000);
});

describe('copyState and restoreState', () => {
  class Counter {
    n = 0;
    readonly history: number[] = [];
    readonly onTick: () => void;
    constructor(readonly shared: { name: string }) {
      this.onTick = () => {
        this.n += 1;
        this.history.push(this.n);
      };
    }
  }

  it('copies data, shares what is shared, keeps the fresh wiring, and restores into a fresh object', () => {
    const given = { name: 'deps' };
    const live = new Counter(given);
    live.onTick();
    live.onTick();
    const saved = copyState(live, (o) => o === given);
    live.onTick();
    expect(saved.n).toBe(2);
    expect(saved.history).toEqual([1, 2]);
    expect(saved.shared).toBe(given);
    expect(saved).toBeInstanceOf(Counter);
    const fresh = new Counter(given);
    restoreState(fresh, saved, (o) => o === given);
    // The fresh closure works on the fresh object, now holding the checkpoint's data.
    fresh.onTick();
    expect(fresh.n).toBe(3);
    expect(fresh.history).toEqual([1, 2, 3]);
    expect(saved.history).toEqual([1, 2]);
  });

  it('keeps shared objects shared, and refuses to copy a function into the run', () => {
    const inner = { v: 1 };
    const a = { x: inner, y: inner, list: [inner] };
    const c = copyState(a, () => false);
    expect(c.x).toBe(c.y);
    expect(c.list[0]).toBe(c.x);
    expect(c.x).not.toBe(inner);
    // A pending timer's handle (an object holding a function where the fresh run has none) cannot be restored.
    const withHandle = { timer: { cancel: () => {} } as { cancel: () => void } | null };
    expect(() => restoreState({ timer: null }, copyState(withHandle, () => false), () => false)).toThrow(StateCopyError);
  });
});
