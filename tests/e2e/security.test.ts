/**
 * The headless shell's open doors (issue 16, items 9, 10, 12 and the frame
 * cap of 11), against the real built shell and engine processes: malformed
 * request targets, foreign Host and Origin, cross-site requests, encoded
 * paths, symlinks out of the renderer folder, an oversize WebSocket frame.
 * After every case the shell and its engine still answer, and the kill switch
 * still works.
 */
import { symlinkSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { connectTestClient } from '../support/ws-client';

let shell: ShellProcess;
let port: number;
let token: string;

beforeAll(async () => {
  shell = await startShellProcess(['--data-dir', mkdtempSync(join(tmpdir(), 'mia-security-'))]);
  const url = new URL(shell.url);
  port = Number(url.port);
  token = url.searchParams.get('token') ?? '';
});

afterAll(async () => {
  await shell?.stop();
});

/** Sends `request` as raw bytes (no client library tidies it) and returns the status line's code (0: closed without one). */
function raw(request: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request));
    let text = '';
    s.on('data', (d) => (text += String(d)));
    s.on('error', reject);
    s.on('close', () => resolveStatus(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

const get = (target: string, headers = `Host: 127.0.0.1:${0}`): string => `GET ${target} HTTP/1.1\r\n${headers.replace(':0', `:${port}`)}\r\nConnection: close\r\n\r\n`;

async function stillUp(): Promise<void> {
  expect(await raw(get(`/?token=${token}`))).toBe(200);
  const c = await connectTestClient(port, token);
  expect(await c.api.ping()).toBeDefined();
  c.close();
}

describe('the headless shell under malformed and hostile requests', () => {
  it('answers malformed targets with 400 and never crashes (GET /%ZZ and the like)', async () => {
    for (const target of ['/%ZZ', '/%E0%A4%A', '/assets/%C0', 'http://[bad/', '*', '/%00index.html']) expect(await raw(get(target)), target).toBe(400);
    expect(await raw('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n')).toBe(400);
    await stillUp();
  });

  it('normalises before it checks the token: an encoded index.html needs it too; nothing outside the renderer folder', async () => {
    expect(await raw(get('/%69ndex.html'))).toBe(401);
    expect(await raw(get('/./index.html'))).toBe(401);
    expect(await raw(get('/assets/../index.html'))).toBe(401);
    expect(await raw(get(`/%69ndex.html?token=${token}`))).toBe(200);
    for (const target of ['/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/package.json', '/../../package.json']) expect(await raw(get(target)), target).toBe(404);
    const link = resolve('dist/renderer/mia-test-link-out');
    symlinkSync('/etc/hostname', link);
    try {
      expect(await raw(get('/mia-test-link-out'))).toBe(404);
    } finally {
      unlinkSync(link);
    }
    await stillUp();
  });

  it('answers only requests addressed to it (Host), not cross-site ones (DNS rebinding, <img src> on a web site)', async () => {
    expect(await raw(get(`/?token=${token}`, 'Host: attacker.example:0'))).toBe(421);
    expect(await raw(get(`/?token=${token}`, 'Host: 127.0.0.1.nip.io:0'))).toBe(421);
    expect(await raw(get('/favicon.svg', `Host: 127.0.0.1:0\r\nSec-Fetch-Site: cross-site`))).toBe(403);
    expect(await raw(get(`/?token=${token}`, 'Host: localhost:0'))).toBe(200);
    await stillUp();
  });

  it('refuses a WebSocket of another origin even with the token, and closes an oversize frame cleanly', async () => {
    const foreign = new WebSocket(`ws://127.0.0.1:${port}/engine?token=${token}`, { origin: 'https://attacker.example' });
    const refused = await new Promise<number>((r) => foreign.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)).on('error', () => r(-1)));
    expect(refused).toBe(403);
    const own = new WebSocket(`ws://127.0.0.1:${port}/engine?token=${token}`, { origin: `http://127.0.0.1:${port}` });
    await new Promise<void>((r, j) => own.once('open', () => r()).once('error', j));
    const closed = new Promise<number>((r) => own.once('close', (code) => r(code)));
    own.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    await stillUp();
  });

  it('keeps its kill switch working after all of it', async () => {
    const c = await connectTestClient(port, token);
    expect(await c.api.killSwitch('security test')).toMatchObject({ state: 'HALTED', trigger: 'manual' });
    c.close();
  });
});
