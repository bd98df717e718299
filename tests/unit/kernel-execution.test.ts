/**
 * The execution path through the kernel: the kill switch latched in SQLite
 * across a restart of the kernel on the same database, the reset rules, the
 * watchdog's HALTED start, LIVE refused without a broker, a replay in AUTO
 * that trades exactly as the backtest of the same file, and a MANUAL replay
 * that pauses for the trader's answer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import { createKernel, type Kernel } from '../../engine/kernel';
import { SqliteKillSwitchStore } from '../../engine/store/kill-switch-store';
import { eventually } from '../support/manual-clock';
import { REAL_CSV, SHARED_DATA } from '../support/paths';

const kernelAt = (dataDir: string, haltOnStart: string | null = null): Kernel =>
  createKernel({ dataDir, marketDataDir: SHARED_DATA, version: 'test', haltOnStart }, new LiveClock());
const tmp = () => mkdtempSync(join(tmpdir(), 'mia-kernel-'));

describe('the kill switch through the kernel', () => {
  it('latches across a restart on the same database; reset needs a reason and is journaled', async () => {
    const dir = tmp();
    const k1 = kernelAt(dir);
    expect((await k1.api.getExecution()).killSwitch.state).toBe('ACTIVE');
    const tripped = await k1.api.killSwitch('test: halt');
    expect(tripped).toMatchObject({ state: 'HALTED', trigger: 'manual', detail: 'test: halt', flat: true }); // no run: nothing to flatten
    await k1.close();

    const k2 = kernelAt(dir);
    expect((await k2.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', trigger: 'manual' });
    await expect(k2.api.resetKillSwitch('  ')).rejects.toMatchObject({ kind: 'bad-request' });
    expect(await k2.api.resetKillSwitch('checked the account')).toMatchObject({ state: 'ACTIVE', trigger: null });
    const events = new SqliteKillSwitchStore(k2.db!).events();
    expect(events.map((e) => [e.from, e.to, e.who])).toEqual([
      ['ACTIVE', 'REDUCING', 'trader'],
      ['REDUCING', 'HALTED', 'engine'],
      ['HALTED', 'ACTIVE', 'trader'],
    ]);
    expect(events[2]!.reason).toBe('checked the account');
    await k2.close();
  });

  it('latches on a full disk (issue 16): the halt acts, the write failure is a critical alert, and the latch file keeps it across a restart', async () => {
    const dir = tmp();
    const k1 = kernelAt(dir);
    const alerts: string[] = [];
    k1.bus.subscribe((e) => {
      if (e.type === 'alert' && e.level === 'critical') alerts.push(e.message);
    });
    // The journal full, as on a full disk: SQLite's own "database or disk is full" (SQLITE_FULL) on the next page
    // the kill switch's transaction needs (its events table filled to the last byte of its last page).
    const db = k1.db!;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const fill = db.prepare(`INSERT INTO kill_switch_events (ts, from_state, to_state, trigger, who, reason) VALUES (0, 'ACTIVE', 'ACTIVE', NULL, 'filler', ?)`);
    expect(() => {
      for (let n = 512; ; n = Math.max(1, n >> 1)) fill.run('x'.repeat(n));
    }).toThrow(/database or disk is full/);
    expect(await k1.api.killSwitch('test: halt on a full disk')).toMatchObject({ state: 'HALTED', trigger: 'manual', flat: true });
    expect(alerts[0]).toMatch(/could not be written to the journal: database or disk is full/);
    await k1.close();

    const k2 = kernelAt(dir);
    expect((await k2.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', trigger: 'manual', detail: 'test: halt on a full disk' });
    await k2.close();
  });

  it('comes back HALTED (critical error) when the watchdog restarts the engine', async () => {
    const k = kernelAt(tmp(), 'engine restarted by the watchdog');
    expect((await k.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', trigger: 'critical-error', detail: 'engine restarted by the watchdog' });
    await k.close();
  });

  it('refuses LIVE without a broker and keeps MANUAL/AUTO and the mode across restarts', async () => {
    const dir = tmp();
    const k = kernelAt(dir);
    await expect(k.api.setMode('LIVE')).rejects.toMatchObject({ kind: 'bad-request' });
    await k.api.setMode('DATA_COLLECTION');
    await k.api.setExecution('AUTO');
    await k.close();
    const again = kernelAt(dir);
    expect(await again.api.getExecution()).toMatchObject({ mode: 'DATA_COLLECTION', execution: 'AUTO', brokerConnected: false });
    await again.close();
  });
});

describe('replays through the execution path', () => {
  it('AUTO at max speed trades exactly as the golden backtest', async () => {
    const k = kernelAt(tmp());
    await k.api.setExecution('AUTO');
    await k.api.openReplay({ path: REAL_CSV });
    await k.api.setSpeed('max');
    await k.api.play();
    await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 30_000);
    const x = await k.api.getExecution();
    expect(x.performance.session).toMatchObject({ trades: 7, wins: 3, netPnlUsd: 168.5 });
    expect(x.trades.map((t) => t.pnlUsd)).toEqual([-129.5, -142, 233, 220.5, -117, 233, -129.5]);
    expect(x.fills).toHaveLength(14);
    expect(x.position).toMatchObject({ qty: 0, realizedUsd: 168.5 });
    await k.close();
  });

  it('MANUAL pauses at a queued signal; approve sends the bracket and the next bar fills it', async () => {
    const k = kernelAt(tmp());
    await k.api.setExecution('MANUAL');
    await k.api.openReplay({ path: REAL_CSV });
    await k.api.setSpeed('max');
    await k.api.play();
    await eventually(async () => expect((await k.api.getExecution()).queue).toHaveLength(1), 30_000);
    expect((await k.api.getReplaySnapshot()).status.state).toBe('paused');
    const q = (await k.api.getExecution()).queue[0]!;
    expect(q).toMatchObject({ status: 'PENDING', contracts: 1, execution: 'MANUAL' });
    expect(q.expiresAt - q.queuedAt).toBe(30_000);
    const after = await k.api.approve(q.signalId);
    expect(after.orders.map((o) => o.role)).toEqual(['entry', 'stop', 'target']);
    await expect(k.api.approve(q.signalId)).rejects.toMatchObject({ kind: 'bad-request' });
    await k.api.step();
    const filled = await k.api.getExecution();
    expect(filled.position.qty).toBe(q.side === 'LONG' ? 1 : -1);
    expect(filled.fills[0]).toMatchObject({ role: 'entry', slippageTicks: 1 });
    expect(filled.orders.map((o) => [o.role, o.status])).toEqual([
      ['stop', 'WORKING'],
      ['target', 'WORKING'],
    ]);
    // The kill switch with the position open: cancels the bracket, closes, and is flat once the close fills.
    expect((await k.api.killSwitch('test')).state).toBe('REDUCING');
    await k.api.step();
    const halted = await k.api.getExecution();
    expect(halted.killSwitch).toMatchObject({ state: 'HALTED', flat: true });
    expect(halted.position.qty).toBe(0);
    expect(halted.orders).toEqual([]);
    expect(halted.trades[0]!.exitReason).toBe('kill-switch');
    await k.close();
  });
});
