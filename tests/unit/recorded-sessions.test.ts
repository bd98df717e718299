/**
 * Recorded sessions through the kernel (issue 5): the real CSV backtested
 * into a journal lists its sessions with the golden run's totals; replaying
 * each session re-runs the method and reproduces every journaled signal and
 * trade; a tampered journal is reported, not hidden; stepping forward then
 * back returns the identical state; timeline marks become visible exactly at
 * their bar; and a signal's story shows nothing from after the cursor.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { LiveClock } from '../../engine/clock';
import type { RecordedSessionDTO } from '../../engine/contract';
import { createKernel, type Kernel } from '../../engine/kernel';
import { eventually } from '../support/manual-clock';
import { REAL_CSV, SHARED_DATA } from '../support/paths';

let kernel: Kernel;
let sessions: RecordedSessionDTO[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mia-recorded-'));
  kernel = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
  await runBacktest({ file: REAL_CSV, db: kernel.db, wall: new LiveClock() });
  sessions = await kernel.api.listSessions();
}, 60_000);

afterAll(async () => {
  await kernel.close();
});

/** Plays the open replay to its end at max. */
async function playToEnd(): Promise<void> {
  await kernel.api.setSpeed('max');
  await kernel.api.play();
  await eventually(async () => expect((await kernel.api.getReplaySnapshot()).status.state).toBe('ended'), 30_000);
}

/** Everything a window would draw, plus the execution panels, without the wall-clock rate. */
async function state() {
  const snap = await kernel.api.getReplaySnapshot();
  // The seq and run fields number the statuses and execution events sent so far (the streams' positions), not the replay's state.
  const exec = { ...(await kernel.api.getExecution()), seq: 0, run: 0 };
  return { snap: { ...snap, status: { ...snap.status, barsPerSecond: 0, seq: 0 } }, exec };
}

describe('recorded sessions', () => {
  it('lists every session of the backtest with the golden run totals', () => {
    expect(sessions.map((s) => s.sessionId).sort()).toEqual([
      '2023-09-25', '2023-09-26', '2023-09-27', '2023-09-28', '2023-09-29', '2023-10-02', '2023-10-03', '2023-10-04', '2023-10-05', '2023-10-06', '2023-10-09',
    ]);
    expect(sessions.every((s) => s.runKind === 'backtest' && s.mode === 'PAPER' && s.execution === 'AUTO' && s.source === REAL_CSV)).toBe(true);
    // tests/unit/golden-execution.test.ts: 27 signals, 7 trades, +168.50 USD.
    expect(sessions.reduce((n, s) => n + s.signals, 0)).toBe(27);
    expect(sessions.reduce((n, s) => n + s.trades, 0)).toBe(7);
    expect(Math.round(sessions.reduce((n, s) => n + s.netPnlUsd, 0) * 100) / 100).toBe(168.5);
    expect(sessions[0]!.startTs).toBeGreaterThan(sessions[1]!.startTs); // newest first
  });

  it('replays each session and reproduces every journaled signal and trade', async () => {
    let signals = 0;
    let trades = 0;
    for (const s of sessions) {
      await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
      await playToEnd();
      const r = (await kernel.api.getReplaySnapshot()).status.recorded!;
      expect(r).toMatchObject({ sessionId: s.sessionId, source: 'file', bar: s.bars, bars: s.bars, differenceCount: 0, differences: [] });
      expect(r.signalsMatched).toBe(s.signals);
      expect(r.signalsChecked).toBe(s.signals);
      expect(r.tradesMatched).toBe(r.tradesChecked);
      expect(r.tradesChecked).toBe(s.trades);
      signals += r.signalsMatched;
      trades += r.tradesMatched;
    }
    expect({ signals, trades }).toEqual({ signals: 27, trades: 7 });
  }, 120_000);

  it('the sessions of a paced replay in MANUAL, with the trader\'s approvals and rejections, replay with no difference (issue 17)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-recorded-paced-'));
    const k = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
    try {
      await k.api.openReplay({ path: REAL_CSV });
      await k.api.setSpeed('max');
      await k.api.play();
      // MANUAL (the default) pauses at each queued signal: approve every other one, reject the rest.
      let decided = 0;
      for (;;) {
        await new Promise((r) => setTimeout(r, 20));
        const st = (await k.api.getReplaySnapshot()).status.state;
        if (st === 'ended') break;
        const q = (await k.api.getExecution()).queue;
        if (st === 'paused' && q.length > 0) {
          decided += 1;
          await (decided % 2 === 0 ? k.api.approve(q[0]!.signalId) : k.api.reject(q[0]!.signalId, 'test')).catch(() => undefined);
        }
        if (st === 'paused') await k.api.play();
      }
      expect(decided).toBeGreaterThan(2);
      const paced = (await k.api.listSessions()).filter((x) => x.runKind === 'replay');
      expect(paced).toHaveLength(11);
      for (const s of paced.filter((x) => x.signals > 0)) {
        await k.api.openSession({ runId: s.runId, sessionId: s.sessionId });
        await k.api.setSpeed('max');
        await k.api.play();
        await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 30_000);
        const r = (await k.api.getReplaySnapshot()).status.recorded!;
        expect(r, s.sessionId).toMatchObject({ differenceCount: 0, differences: [], signalsMatched: s.signals, signalsChecked: s.signals });
        expect(r.tradesMatched).toBe(r.tradesChecked);
      }
    } finally {
      await k.close();
    }
  }, 120_000);

  it("the trader's own orders (ladder, drag, cancel, Flatten, Reverse, Cancel all) replay in the recorded session with no difference (issue 18)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-recorded-manual-'));
    const k = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
    try {
      // DATA_COLLECTION: the method's signals trade nothing, so every trade of the run is the trader's.
      await k.api.setMode('DATA_COLLECTION');
      await k.api.openReplay({ path: REAL_CSV });
      const steps = async (n: number) => {
        for (let i = 0; i < n; i++) await k.api.step();
      };
      const x = () => k.api.getExecution();
      const last = async () => (await k.api.getReplaySnapshot()).bars.at(-1)!.close;
      await steps(30);
      await k.api.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1 });
      await steps(1);
      const t1 = (await x()).trades.at(-1)!;
      expect(t1).toMatchObject({ source: 'manual', setup: 'MANUAL' });
      // The drag of its stop two ticks up (the market comes down to it: stopped out there), then Flatten (flat already).
      const stop = (await x()).orders.find((o) => o.role === 'stop')!;
      await k.api.modifyOrder(stop.id, stop.price! + 0.5);
      await steps(3);
      await k.api.flatten();
      await steps(1);
      // A sell limit 5 points over the market, cancelled before it fills.
      await k.api.placeOrder({ side: 'SELL', type: 'LIMIT', qty: 1, price: (await last()) + 5 });
      await steps(2);
      await k.api.cancelOrder((await x()).orders.find((o) => o.role === 'entry')!.id);
      // Long at market, Reversed to short, then Cancel all (confirmed) and Flatten.
      await k.api.placeOrder({ side: 'BUY', type: 'MARKET', qty: 1 });
      await steps(2);
      await k.api.reverse();
      await steps(3);
      expect((await x()).position.qty).toBe(-1);
      await k.api.cancelAll(true);
      await k.api.flatten();
      await steps(2);
      const paperTrades = async () => (await x()).trades.filter((t) => t.kind === 'paper').map((t) => [t.id, t.source, t.exitReason]);
      const trades = await paperTrades();
      expect(trades).toEqual([
        ['T1', 'manual', 'stop'],
        ['T2', 'manual', 'cancelled'],
        ['T3', 'manual', 'flatten'],
        ['T4', 'manual', 'flatten'],
      ]);
      await k.api.setSpeed('max');
      await k.api.play();
      await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 30_000);
      const s = (await k.api.listSessions()).find((x) => x.runKind === 'replay' && x.trades > 0)!;
      await k.api.openSession({ runId: s.runId, sessionId: s.sessionId });
      await k.api.setSpeed('max');
      await k.api.play();
      await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 30_000);
      const r = (await k.api.getReplaySnapshot()).status.recorded!;
      expect(r).toMatchObject({ differenceCount: 0, differences: [] });
      expect([r.tradesChecked, r.tradesMatched]).toEqual([3, 3]); // T2's entry never filled: nothing to check
      expect(await paperTrades()).toEqual(trades);
    } finally {
      await k.close();
    }
  }, 120_000);

  it('reports a journal that differs from the replay instead of hiding it', async () => {
    const s = sessions.find((x) => x.signals > 0)!;
    const db = kernel.db!;
    const sig = db.prepare(`SELECT id, entry FROM signals WHERE run_id = ? ORDER BY ts LIMIT 1 OFFSET 0`).get(s.runId) as { id: string; entry: number };
    const owner = sessions.find((x) => db.prepare(`SELECT 1 FROM signals WHERE run_id = ? AND id = ? AND ts >= ? AND ts < ?`).get(x.runId, sig.id, x.startTs, x.endTs) !== undefined)!;
    db.prepare(`UPDATE signals SET entry = entry + 0.25 WHERE run_id = ? AND id = ?`).run(s.runId, sig.id);
    try {
      await kernel.api.openSession({ runId: owner.runId, sessionId: owner.sessionId });
      await playToEnd();
      const r = (await kernel.api.getReplaySnapshot()).status.recorded!;
      expect(r.differenceCount).toBeGreaterThanOrEqual(1);
      expect(r.differences[0]).toContain(sig.id);
      expect(r.signalsMatched).toBe(owner.signals - 1);
    } finally {
      db.prepare(`UPDATE signals SET entry = ? WHERE run_id = ? AND id = ?`).run(sig.entry, s.runId, sig.id);
    }
  }, 60_000);

  it('steps forward then back to the identical state, and seeks to the same state as stepping', async () => {
    const s = sessions.find((x) => x.trades > 0)!;
    await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
    const timeline = await kernel.api.getTimeline();
    const entry = timeline.marks.find((m) => m.kind === 'trade')!;
    // Into the trade: a position is open, orders are working.
    await kernel.api.seek(entry.bar);
    const atEntry = await state();
    expect(atEntry.exec.position?.qty ?? 0).not.toBe(0);
    await kernel.api.step();
    await kernel.api.step();
    await kernel.api.stepBack();
    await kernel.api.stepBack();
    expect(await state()).toEqual(atEntry);
    // Stepping bar by bar from the start gives what the seek gave.
    await kernel.api.seek(0);
    for (let i = 0; i < entry.bar; i++) await kernel.api.step();
    expect(await state()).toEqual(atEntry);
    expect(atEntry.snap.status.recorded!.bar).toBe(entry.bar);
  }, 60_000);

  it('shows a timeline mark exactly from its bar on, and no snapshot or outcome from after the cursor', async () => {
    const s = sessions.find((x) => x.trades > 0)!;
    await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
    const timeline = await kernel.api.getTimeline();
    expect(timeline.barTs).toHaveLength(s.bars);
    const signal = timeline.marks.find((m) => m.kind === 'signal' && timeline.marks.some((t) => t.kind === 'trade' && t.ref === m.ref))!;
    await kernel.api.seek(signal.bar - 1);
    expect((await kernel.api.getReplaySnapshot()).signals.map((x) => x.id)).not.toContain(signal.ref);
    await expect(kernel.api.getSignalStory(signal.ref)).rejects.toMatchObject({ kind: 'not-found' });
    await kernel.api.seek(signal.bar);
    expect((await kernel.api.getReplaySnapshot()).signals.map((x) => x.id)).toContain(signal.ref);
    const early = await kernel.api.getSignalStory(signal.ref);
    expect(early.snapshots.map((x) => x.kind)).not.toContain('FINAL_RESULT');
    expect(early.trade).toMatchObject({ exitTs: null, exitPrice: null, pnlUsd: null });
    await kernel.api.seek(s.bars);
    const late = await kernel.api.getSignalStory(signal.ref);
    expect(late.snapshots.map((x) => x.kind)).toEqual(expect.arrayContaining(['PRE_ANALYSIS', 'DECISION', 'EXECUTION', 'FINAL_RESULT']));
    expect(late.trade!.pnlUsd).not.toBeNull();
    for (const snap of late.snapshots) expect(snap.ts).toBeLessThanOrEqual(timeline.endTs);
  }, 60_000);

  it('refuses what a recorded session cannot do', async () => {
    const s = sessions[0]!;
    await kernel.api.openSession({ runId: s.runId, sessionId: s.sessionId });
    await expect(kernel.api.approve('x')).rejects.toMatchObject({ kind: 'bad-request' });
    await expect(kernel.api.seek(s.bars + 1)).rejects.toMatchObject({ kind: 'bad-request' });
    await expect(kernel.api.openSession({ runId: 999, sessionId: '2023-09-25' })).rejects.toMatchObject({ kind: 'not-found' });
    await kernel.api.openReplay({ path: REAL_CSV });
    await expect(kernel.api.stepBack()).rejects.toMatchObject({ kind: 'bad-request' });
    await kernel.api.closeReplay();
  });
});
