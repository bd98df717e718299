/**
 * End to end, the engine's responsiveness and its death as the trader sees
 * them (issue 15), on the built headless shell in Chromium:
 * - at max speed, Pause stops the market clock within 100 ms of the click
 *   (the engine's market clock read 100 ms and 600 ms after the click is the
 *   same);
 * - an engine that stops answering (SIGSTOP) is restarted by the watchdog:
 *   the window says so in the kill-switch panel and the status bar, never
 *   ACTIVE or playing over the dead run; Reconnect shows the new engine
 *   HALTED and offers to reopen the replay where it was, which reopens it
 *   paused at the same market time.
 * POSIX only (SIGSTOP).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShell, type HeadlessShell } from '../../main/headless/shell';
import { launchChromium, openApp, SHOTS } from '../support/browser';
import { ENGINE_ENTRY, REAL_CSV, RENDERER_DIR } from '../support/paths';
import { connectTestClient, type TestClient } from '../support/ws-client';

let shell: HeadlessShell;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  shell = await startShell({ dataDir: mkdtempSync(join(tmpdir(), 'mia-e2e-resp-')), rendererDir: RENDERER_DIR, engineEntry: ENGINE_ENTRY, log: () => undefined });
  browser = await launchChromium();
  page = await openApp(browser, shell.url, consoleErrors);
  await page.getByTestId('exec-AUTO').click(); // play straight through: MANUAL pauses at each queued signal
});

afterAll(async () => {
  await browser?.close();
  await shell?.close();
});

async function openCsv(): Promise<void> {
  await page.getByTestId('file-path').fill(REAL_CSV);
  await page.getByTestId('open-file').click();
  await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('paused');
}

async function client(): Promise<TestClient> {
  return connectTestClient(shell.port, shell.token);
}

describe('a responsive engine, and a dead one said as such', () => {
  it('at max speed, Pause stops the market clock within 100 ms of the click', async () => {
    await openCsv();
    const c = await client();
    try {
      await page.getByTestId('speed-max').click();
      await page.getByTestId('play').click();
      await expect.poll(async () => (await c.api.getExecution()).marketTs ?? 0, { timeout: 10_000 }).toBeGreaterThan(Date.UTC(2023, 8, 26));
      await page.getByTestId('pause').click();
      await sleep(100);
      const a = (await c.api.getExecution()).marketTs;
      await sleep(500);
      const b = (await c.api.getExecution()).marketTs;
      expect(b).toBe(a);
      await expect.poll(() => page.getByTestId('replay-state').textContent()).toBe('paused');
      // The window shows the engine's clock once paused.
      await expect.poll(() => page.getByTestId('market-clock').getAttribute('data-ts')).toBe(String(b));
    } finally {
      c.close();
    }
  });

  it('an engine restarted by the watchdog is said so in the window, and the replay reopens where it was', async () => {
    await openCsv();
    await page.getByTestId('speed-100x').click();
    await page.getByTestId('play').click();
    await expect.poll(() => page.getByTestId('status-bars').textContent(), { timeout: 10_000 }).not.toBe('0 bars');
    const frozen = shell.enginePid as number;
    process.kill(frozen, 'SIGSTOP');
    try {
      await expect.poll(() => page.getByTestId('ks-state').textContent(), { timeout: 15_000 }).toBe('ENGINE RESTARTED');
      expect(await page.getByTestId('replay-state').textContent()).toBe('engine restarted');
      expect(await page.getByTestId('kill-switch').getAttribute('data-state')).toBe('ENGINE-LOST');
      await expect(page.getByTestId('engine-lost').textContent()).resolves.toMatch(/engine restarted by the watchdog/);
      await page.screenshot({ path: join(SHOTS, 'engine-restarted.png') });
    } finally {
      try {
        process.kill(frozen, 'SIGCONT'); // in case the watchdog has not killed it
      } catch {
        // already gone: the watchdog killed it
      }
    }
    const saved = JSON.parse((await page.evaluate(() => sessionStorage.getItem('mia:resume-point'))) ?? 'null') as { atTs: number; file: string } | null;
    expect(saved).toMatchObject({ kind: 'file', path: REAL_CSV, file: 'ES_1min_2023-09-24_2023-10-09.csv' });
    await page.getByTestId('reconnect').click();
    await page.getByTestId('chart').waitFor();
    // The new engine: HALTED by the watchdog, nothing open, and the offer to reopen.
    await expect.poll(() => page.getByTestId('ks-state').textContent(), { timeout: 10_000 }).toBe('HALTED');
    await expect(page.getByTestId('ks-detail').textContent()).resolves.toMatch(/watchdog/);
    await expect.poll(() => page.getByTestId('resume-offer').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'resume-offer.png') });
    await page.getByTestId('reopen').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('paused');
    expect(await page.getByTestId('market-clock').getAttribute('data-ts')).toBe(String(saved!.atTs));
    // The bars up to there are drawn (from the snapshot; the engine processed them unseen).
    await expect.poll(async () => Number(await page.getByTestId('chart').getAttribute('data-bars')), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('chart').getAttribute('data-bars'))).toBe(Number((await page.getByTestId('status-bars').textContent())?.replace(/\D/g, '')));
    expect(shell.restarts).toBe(1);
    expect(consoleErrors.filter((e) => !/WebSocket|ERR_CONNECTION|Failed to load resource/.test(e))).toEqual([]);
  }, 60_000);
});
