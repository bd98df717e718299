/**
 * The execution state reaches the windows as changes (issue 15): over a
 * whole AUTO replay of the real CSV, a window that merges every `execution`
 * event ends with the state getExecution() gives, and so does a window that
 * read the whole state half way and merged the events after it; no event
 * carries a trade that did not change, nor a fill or equity point sent
 * before; and an RPC that changes the execution state answers its head only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import type { EngineEvent, ExecutionDeltaDTO, ExecutionStateDTO } from '../../engine/contract';
import { createKernel } from '../../engine/kernel';
import { ChartModel } from '../../renderer/src/chart/model';
import { eventually } from '../support/manual-clock';
import { REAL_CSV, SHARED_DATA } from '../support/paths';

/** A window's model, applying each batch at once. */
function windowModel(): { model: ChartModel; feed: (e: EngineEvent) => void } {
  const model = new ChartModel((cb) => cb());
  let seq = 0;
  return { model, feed: (e) => model.push({ seq: ++seq, events: [e] }) };
}

describe('execution state as deltas', () => {
  it('a window merging the events, from the start or from a state read half way, ends with the engine’s state; events carry only changes', async () => {
    const k = createKernel({ dataDir: mkdtempSync(join(tmpdir(), 'mia-deltas-')), marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
    try {
      const early = windowModel();
      const late = windowModel();
      let lateJoined = false;
      const deltas: ExecutionDeltaDTO[] = [];
      early.model.setExecution(await k.api.getExecution());
      k.bus.subscribe((e) => {
        early.feed(e);
        if (lateJoined) late.feed(e);
        if (e.type === 'execution') deltas.push(e.delta);
      });
      await k.api.setExecution('AUTO');
      await k.api.openReplay({ path: REAL_CSV });
      await k.api.setSpeed('max');
      await k.api.play();
      await eventually(async () => expect((await k.api.getExecution()).trades.length).toBeGreaterThanOrEqual(3), 30_000, 5);
      // A window that connects now reads the whole state, then merges what follows.
      late.model.setExecution(await k.api.getExecution());
      lateJoined = true;
      await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 60_000, 20);
      const engine: ExecutionStateDTO = await k.api.getExecution();
      expect(engine.trades.length).toBe(7); // the golden replay's trades
      expect(early.model.execution).toEqual(engine);
      expect(late.model.execution).toEqual(engine);

      // Only changes travel: each fill and equity point once, a trade only when it changed.
      const ofRun = deltas.filter((d) => d.run === engine.run);
      expect(ofRun[0]!.reset).toBe(true);
      expect(ofRun.reduce((n, d) => n + d.fills.length, 0)).toBe(engine.fills.length);
      expect(ofRun.reduce((n, d) => n + d.equity.length, 0)).toBe(engine.equityCurve.length - 1); // the curve's last point is "now"
      for (const d of ofRun) expect(new Set(d.trades.map((t) => t.id)).size).toBe(d.trades.length);
      const sentTrades = ofRun.reduce((n, d) => n + d.trades.length, 0);
      expect(sentTrades).toBeLessThan(ofRun.length * engine.trades.length);
    } finally {
      await k.close();
    }
  }, 90_000);

  it('an RPC that changes the execution state answers its head, not the lists', async () => {
    const k = createKernel({ dataDir: mkdtempSync(join(tmpdir(), 'mia-deltas-')), marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
    try {
      const head = await k.api.setExecution('AUTO');
      expect(head).toMatchObject({ execution: 'AUTO', mode: 'PAPER' });
      expect(Object.keys(head)).not.toContain('trades');
      expect(Object.keys(head)).not.toContain('fills');
      expect(Object.keys(head)).not.toContain('equityCurve');
    } finally {
      await k.close();
    }
  });
});
