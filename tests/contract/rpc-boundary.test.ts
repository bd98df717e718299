/**
 * The RPC boundary (issue 16, item 11) against the real engine process
 * behind the headless shell: raw frames, not a comlink client, so anything a
 * hostile or broken window could send is sent. Malformed frames, comlink's
 * generic operations (GET, SET, CONSTRUCT, nested paths, `__proto__`) and a
 * wrong argument for every EngineApi method (from the zod table itself) are
 * each answered with a bad-request error or dropped; the engine goes on, and
 * its kill switch still works.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineErrorDTO } from '../../engine/contract';
import { API_ARGS } from '../../engine/rpc/guard';
import { startShell, type HeadlessShell } from '../../main/headless/shell';
import { ENGINE_ENTRY, RENDERER_DIR } from '../support/paths';

let shell: HeadlessShell;
let ws: WebSocket;
const answers = new Map<string, unknown>();

beforeAll(async () => {
  shell = await startShell({ dataDir: mkdtempSync(join(tmpdir(), 'mia-rpc-')), rendererDir: RENDERER_DIR, engineEntry: ENGINE_ENTRY, log: () => {} });
  ws = new WebSocket(`ws://127.0.0.1:${shell.port}/engine?token=${shell.token}`);
  await new Promise<void>((r, j) => ws.once('open', () => r()).once('error', j));
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as { ch: string; msg?: { id?: string }; batch?: { seq: number } };
    if (f.ch === 'rpc' && typeof f.msg?.id === 'string') answers.set(f.msg.id, f.msg);
    if (f.ch === 'events') ws.send(JSON.stringify({ ch: 'ack', seq: f.batch?.seq }));
  });
});

afterAll(async () => {
  ws?.close();
  await shell?.close();
});

let n = 0;
/** Sends one comlink message as it is and waits for the engine's answer to its id. */
async function call(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = `t${++n}`;
  ws.send(JSON.stringify({ ch: 'rpc', msg: { ...msg, id } }));
  for (let i = 0; i < 200 && !answers.has(id); i++) await new Promise((r) => setTimeout(r, 10));
  const a = answers.get(id) as Record<string, unknown> | undefined;
  if (a === undefined) throw new Error(`no answer to ${JSON.stringify(msg)}`);
  return a;
}

const apply = (method: string, args: unknown[]): Promise<Record<string, unknown>> => call({ type: 'APPLY', path: [method], argumentList: args.map((value) => ({ type: 'RAW', value })) });
const errorOf = (a: Record<string, unknown>): EngineErrorDTO | null => (a.type === 'HANDLER' && a.name === 'throw' ? ((a.value as { value: EngineErrorDTO }).value ?? null) : null);

async function engineGoesOn(): Promise<void> {
  const pong = await apply('ping', []);
  expect(errorOf(pong)).toBeNull();
  expect((pong.value as { pid: number }).pid).toBeGreaterThan(0);
}

describe('the RPC boundary takes calls of the engine’s methods only, with valid arguments', () => {
  it('drops frames of any other shape and goes on (null, numbers, lists, a frame without a message)', async () => {
    for (const raw of ['null', '42', '[1,2]', '"rpc"', '{"ch":"rpc"}', '{"ch":"rpc","msg":null}', '{"ch":"ack","seq":"x"}', '{"ch":"ack"}', '{}', 'not json']) ws.send(raw);
    await engineGoesOn();
  });

  it('refuses comlink’s generic operations: SET killSwitch, SET __proto__, GET, CONSTRUCT, nested and unknown paths', async () => {
    const cases: Record<string, unknown>[] = [
      { type: 'SET', path: ['killSwitch'], value: { type: 'RAW', value: 0 } },
      { type: 'SET', path: ['__proto__', 'polluted'], value: { type: 'RAW', value: 1 } },
      { type: 'GET', path: ['killSwitch'] },
      { type: 'GET', path: [] },
      { type: 'CONSTRUCT', path: ['ping'], argumentList: [] },
      { type: 'APPLY', path: ['killSwitch', 'call'], argumentList: [] },
      { type: 'APPLY', path: ['constructor'], argumentList: [] },
      { type: 'APPLY', path: ['__proto__'], argumentList: [] },
      { type: 'APPLY', path: ['noSuchMethod'], argumentList: [] },
      { type: 'APPLY', path: ['ping'], argumentList: null },
      { type: 'APPLY', path: ['ping'], argumentList: 'x' },
      { type: 'APPLY', path: ['ping'] },
      { type: 'APPLY', path: ['approve'], argumentList: [{ type: 'HANDLER', name: 'proxy', value: 1 }] },
      { type: 'ENDPOINT', path: [] },
    ];
    for (const c of cases) expect(errorOf(await call(c))?.kind, JSON.stringify(c)).toBe('bad-request');
    // The kill switch is still the engine's function, and nothing was polluted.
    const ks = await apply('killSwitch', ['rpc boundary test']);
    expect(errorOf(ks)).toBeNull();
    expect(ks.value).toMatchObject({ state: 'HALTED', trigger: 'manual' });
    expect((await apply('resetKillSwitch', ['test over'])).value).toMatchObject({ state: 'ACTIVE' });
    await engineGoesOn();
  });

  it('refuses a wrong argument for every method, naming the method (generated from the schema table)', async () => {
    for (const method of Object.keys(API_ARGS)) {
      // A list is a wrong argument for every parameter, and one argument too many for a method without any.
      const a = await apply(method, [[1, 2, 3]]);
      const e = errorOf(a);
      expect(e?.kind, method).toBe('bad-request');
      expect(e?.message, method).toMatch(new RegExp(`^${method}: bad arguments`));
    }
    const typed: [string, unknown[]][] = [
      ['setSpeed', [7]],
      ['setMode', ['REAL']],
      ['seek', [-1]],
      ['seek', [1.5]],
      ['approve', ['']],
      ['openReplay', [{ path: '/x.csv', timeframe: '2m' }]],
      ['openReplay', [{ path: '/x.csv', extra: 1 }]],
      ['connect', [{ broker: 'ib', settings: { host: '127.0.0.1', port: 70000, clientId: 1 } }]],
      ['setBackupSettings', [{ keep: 0 }]],
      ['resetKillSwitch', ['x'.repeat(5000)]],
    ];
    for (const [method, args] of typed) expect(errorOf(await apply(method, args))?.kind, `${method} ${JSON.stringify(args).slice(0, 60)}`).toBe('bad-request');
    await engineGoesOn();
  });

  it('still serves every well-formed call, optional trailing arguments left out', async () => {
    expect(errorOf(await apply('getExecution', []))).toBeNull();
    expect(errorOf(await apply('killSwitch', []))).toBeNull();
    expect((await apply('resetKillSwitch', ['done'])).value).toMatchObject({ state: 'ACTIVE' });
    expect(errorOf(await apply('setBackupSettings', [{ keep: 5 }]))).toBeNull();
  });
});
