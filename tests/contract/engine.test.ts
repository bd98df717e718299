/**
 * Contract test: the real engine (dist/engine/main.cjs) in a real child
 * process behind the headless shell, answering RPCs and streaming events over
 * the real WebSocket transport. Needs `npm run build` (npm install runs it).
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../engine/contract';
import { startShell, type HeadlessShell } from '../../main/headless/shell';
import { eventually } from '../support/manual-clock';
import { ENGINE_ENTRY, REAL_JSONL, RENDERER_DIR, SHARED_DATA } from '../support/paths';
import { connectTestClient, type TestClient } from '../support/ws-client';

let shell: HeadlessShell;
let client: TestClient;

beforeAll(async () => {
  shell = await startShell({
    dataDir: mkdtempSync(join(tmpdir(), 'mia-contract-')),
    marketDataDir: join(SHARED_DATA, 'es'),
    rendererDir: RENDERER_DIR,
    engineEntry: ENGINE_ENTRY,
    log: () => {},
  });
  client = await connectTestClient(shell.port, shell.token);
});

afterAll(async () => {
  client?.close();
  await shell?.close();
});

/** Status code and body of a plain HTTP GET or a WebSocket upgrade attempt. */
function get(path: string, upgrade = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = upgrade ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } : {};
    const req = request({ host: '127.0.0.1', port: shell.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

const events = (): EngineEvent[] => client.batches.flatMap((b) => b.events);

describe('headless shell transport', () => {
  it('answers 401 and nothing else to a missing or wrong token', async () => {
    expect(await get('/')).toEqual({ status: 401, body: '401 Unauthorized\n' });
    expect(await get(`/?token=${shell.token}x`)).toEqual({ status: 401, body: '401 Unauthorized\n' });
    expect(await get('/engine', true)).toEqual({ status: 401, body: '' });
    expect(await get('/engine?token=wrong', true)).toEqual({ status: 401, body: '' });
    expect((await get(`/?token=${shell.token}`)).status).toBe(200);
  });

  it('serves the engine from another process', async () => {
    const hb = await client.api.ping();
    expect(hb.pid).not.toBe(process.pid);
    expect(typeof hb.ts).toBe('number');
  });
});

describe('EngineApi over the real transport', () => {
  it('lists the configured data folder', async () => {
    const files = await client.api.listDataFiles();
    expect(files.map((f) => [f.name, f.format])).toEqual([
      ['ES_1min_2011-01-03_bidask.jsonl', 'jsonl'],
      ['ES_1min_2023-09-24_2023-10-09.csv', 'csv'],
    ]);
  });

  it('rebuilds engine errors with name, message and kind', async () => {
    const err = await client.api.openReplay({ path: '/no/such/file.csv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'EngineError', kind: 'not-found', message: '/no/such/file.csv: no such file' });
    const bad = await client.api.setSpeed(7 as never).catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: expect.stringMatching(/bad-request|no-replay/) });
  });

  it('loads an SPX chain, naming the line of bad input and keeping the levels it had', async () => {
    const chainPath = join(SHARED_DATA, 'options/spx_quotedata_2023-08-20.csv');
    const g = await client.api.loadChain({ path: chainPath, basisPoints: -3600 });
    expect(g).toMatchObject({ source: 'spx_quotedata_2023-08-20.csv', date: '2023-08-20', callWall: 4500, putWall: 4400, basisPoints: -3600, es: { callWall: 900, putWall: 800 } });
    expect(g?.assumptions.length).toBeGreaterThan(0);
    await eventually(() => expect(events().some((e) => e.type === 'gamma' && e.gamma?.callWall === 4500)).toBe(true), 5_000);
    const bad = await client.api.loadChain({ path: REAL_JSONL }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: 'bad-file', message: expect.stringMatching(/ES_1min_2011-01-03_bidask\.jsonl: no "Last: <spot>" line/) });
    expect(await client.api.loadChain({ path: chainPath, basisPoints: '12' as never }).catch((e: unknown) => e)).toMatchObject({ kind: 'bad-request' });
    expect((await client.api.getReplaySnapshot()).gamma).toMatchObject({ callWall: 4500, basisPoints: -3600 });
  });

  it('replays a real file at max speed and streams every bar in ordered batches', async () => {
    const opened = await client.api.openReplay({ path: REAL_JSONL });
    expect(opened).toMatchObject({ state: 'paused', file: 'ES_1min_2011-01-03_bidask.jsonl', format: 'jsonl' });
    await client.api.setSpeed('max');
    await client.api.play();
    await eventually(() => expect(events().some((e) => e.type === 'replay.status' && e.status.state === 'ended')).toBe(true), 20_000);
    const closed = events().filter((e) => e.type === 'bar.closed');
    expect(closed).toHaveLength(1000);
    const seqs = client.batches.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const last = closed[999];
    expect(last?.type === 'bar.closed' && last.levels).toMatchObject({ sessionId: '2011-01-03' });
    const snap = await client.api.getReplaySnapshot();
    expect(snap.bars).toHaveLength(1000);
    expect(snap.sessions).toHaveLength(1);
    expect(snap.status).toMatchObject({ state: 'ended', barsProcessed: 1000, rejected: 0 });
    // the method's output crosses the boundary: every bar's analysis, the signals, bases and gamma
    expect(last?.type === 'bar.closed' && last.analysis).toMatchObject({ ts: last?.type === 'bar.closed' ? last.bar.ts : 0, regime: expect.any(String), grade: expect.any(String) });
    const signals = events().filter((e) => e.type === 'signal');
    expect(snap.signals).toHaveLength(signals.length);
    expect(snap.status.signals).toBe(signals.length);
    expect(snap.bases).toHaveLength(events().filter((e) => e.type === 'base.confirmed').length);
    expect(snap.bases.length).toBeGreaterThan(0);
    expect(snap.analysis).toEqual(last?.type === 'bar.closed' ? last.analysis : null);
    expect(snap.gamma).toMatchObject({ callWall: 4500 });
    await client.api.clearChain();
    expect((await client.api.getReplaySnapshot()).gamma).toBeNull();
  });
});
