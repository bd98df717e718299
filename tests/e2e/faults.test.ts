/**
 * Under faults (issue 16), the real headless shell and engine processes
 * against the Sierra Chart DTC peer: the engine is killed (SIGKILL) while the
 * kill switch is REDUCING a broker position, or while a live run is trading;
 * the app is started again on the same data folder. It must never come back
 * "flat" on its own word: HALTED, not flat, reset refused, until the broker's
 * positions are read; then the position is closed at the broker and only the
 * broker's report confirms flat.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { DEFAULT_METHOD_CONFIG } from '../../engine/method/config';
import { barTicks } from '../peers/data';
import { DtcPeer } from '../peers/dtc-server';
import { fileBars } from '../support/file-bars';
import { eventually } from '../support/manual-clock';
import { connectTestClient, type TestClient } from '../support/ws-client';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface App {
  shell: ShellProcess;
  client: TestClient;
}

async function startApp(dataDir: string): Promise<App> {
  const methodFile = join(dataDir, 'method.json');
  // LIVE's own thresholds (STRONG grade) let no signal through on this stretch of the data; the broker path is under test.
  writeFileSync(methodFile, JSON.stringify({ modes: { LIVE: DEFAULT_METHOD_CONFIG.modes.PAPER } }));
  const shell = await startShellProcess(['--data-dir', dataDir, '--market-data-dir', dataDir, '--method-config', methodFile]);
  const url = new URL(shell.url);
  const client = await connectTestClient(Number(url.port), url.searchParams.get('token') ?? '');
  const app = { shell, client };
  cleanup.push(() => stopApp(app));
  return app;
}

async function stopApp(app: App): Promise<void> {
  app.client.close();
  if (app.shell.child.exitCode === null && app.shell.child.signalCode === null) await app.shell.stop();
}

/** The engine process (the shell's child). */
function enginePid(app: App): number {
  const pids = execFileSync('pgrep', ['-P', String(app.shell.child.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  expect(pids).toHaveLength(1);
  return pids[0] as number;
}

/** SIGKILL of the engine and at once of the shell (before it can restart the engine), as a power cut would. */
async function crashApp(app: App): Promise<void> {
  const engine = enginePid(app);
  const exited = new Promise<void>((r) => app.shell.child.once('exit', () => r()));
  process.kill(engine, 'SIGKILL');
  app.shell.child.kill('SIGKILL');
  app.client.close();
  await exited;
}

async function connectDtc(app: App, peer: DtcPeer): Promise<void> {
  await app.client.api.setRouting({ dataSource: 'dtc', orderRoute: 'dtc' });
  await app.client.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
  await eventually(() => expect(peer.subscribers()).toBe(1), 10_000);
}

/** LIVE AUTO on the peer until the first bracket's entry filled; the market then holds. Returns the broker's position. */
async function tradeAtTheBroker(app: App, peer: DtcPeer): Promise<number> {
  await connectDtc(app, peer);
  await eventually(async () => expect((await app.client.api.getConnections()).account).toBe('SIM-4711'));
  await app.client.api.setExecution('AUTO');
  await app.client.api.setMode('LIVE', 'SIM-4711');
  void peer.stream(barTicks(await fileBars(15_176)), { trade: 107, quote: 108, perSecond: 3000 });
  await eventually(() => expect(peer.received.some((m) => m.Type === 201)).toBe(true), 30_000);
  peer.hold();
  await eventually(() => expect(peer.netPosition).not.toBe(0));
  await eventually(async () => expect((await app.client.api.getExecution()).position.qty).toBe(peer.netPosition));
  return peer.netPosition;
}

/** The DTC peer, a fresh data folder, and the app started on it. */
async function peerAndApp(): Promise<{ peer: DtcPeer; dataDir: string; first: App }> {
  const peer = new DtcPeer({ account: 'SIM-4711' });
  await peer.start();
  cleanup.push(() => peer.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'mia-faults-'));
  return { peer, dataDir, first: await startApp(dataDir) };
}

describe('a crash never leaves a false "flat" (issue 16, items 1 and 8)', () => {
  it('an engine killed under the shell is restarted HALTED, and says why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mia-faults-'));
    const app = await startApp(dataDir);
    expect((await app.client.api.getExecution()).killSwitch.state).toBe('ACTIVE');
    const before = enginePid(app);
    process.kill(before, 'SIGKILL');
    await eventually(() => expect(execFileSync('pgrep', ['-P', String(app.shell.child.pid)], { encoding: 'utf8' }).trim()).toMatch(/^\d+$/), 10_000);
    await eventually(async () => {
      const url = new URL(app.shell.url);
      const again = await connectTestClient(Number(url.port), url.searchParams.get('token') ?? '');
      cleanup.push(() => again.close());
      expect((await again.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', trigger: 'critical-error', detail: 'engine restarted after it exited (signal SIGKILL)' });
    }, 15_000);
    expect(enginePid(app)).not.toBe(before);
  });

  it('killed while REDUCING a broker position: back HALTED, not flat, reset refused; the broker’s positions reopen the halt, which closes at the broker', async () => {
    const { peer, dataDir, first } = await peerAndApp();
    const held = await tradeAtTheBroker(first, peer);
    // The closing market order finds no one: the switch stays REDUCING with the close working at the broker.
    peer.holdMarketOrders(true);
    await first.client.api.killSwitch('test: flatten, then crash');
    await eventually(() => expect(peer.workingOrders().some((o) => o.type === 1)).toBe(true));
    expect((await first.client.api.getExecution()).killSwitch).toMatchObject({ state: 'REDUCING', flat: false });
    await crashApp(first);
    expect(peer.netPosition).toBe(held);

    const second = await startApp(dataDir);
    const ks = (await second.client.api.getExecution()).killSwitch;
    expect(ks).toMatchObject({ state: 'HALTED', flat: false });
    await expect(second.client.api.resetKillSwitch('I think it is flat')).rejects.toThrow(/broker has not confirmed/);
    // The broker's positions are read at connect: the position is there, the halt goes on at the broker.
    await connectDtc(second, peer);
    await eventually(async () => expect((await second.client.api.getExecution()).killSwitch.state).toBe('REDUCING'), 10_000);
    peer.holdMarketOrders(false);
    await eventually(async () => expect((await second.client.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', flat: true }), 15_000);
    expect(peer.netPosition).toBe(0);
    expect(peer.workingOrders()).toHaveLength(0);
    await expect(second.client.api.resetKillSwitch('the broker confirmed flat')).resolves.toMatchObject({ state: 'ACTIVE' });
  }, 120_000);

  it('killed during a live run at the broker with the switch ACTIVE: back HALTED awaiting the broker; the position read at connect is closed, then the broker confirms flat', async () => {
    const { peer, dataDir, first } = await peerAndApp();
    await tradeAtTheBroker(first, peer);
    expect((await first.client.api.getExecution()).killSwitch.state).toBe('ACTIVE');
    await crashApp(first);

    const second = await startApp(dataDir);
    expect((await second.client.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', flat: false, trigger: 'critical-error' });
    await expect(second.client.api.resetKillSwitch('restarted')).rejects.toThrow(/broker has not confirmed/);
    // The run the crash cut short is interrupted, not running forever, and its last session is shown as partial.
    const live = (await second.client.api.listSessions()).filter((x) => x.runKind === 'live');
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((x) => x.runStatus === 'interrupted')).toBe(true);
    expect(live[0]).toMatchObject({ partial: true });
    await connectDtc(second, peer);
    await eventually(async () => expect((await second.client.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', flat: true }), 15_000);
    expect(peer.netPosition).toBe(0);
  }, 120_000);
});
