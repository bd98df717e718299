/**
 * The desktop app itself: Electron main, the sandboxed window, the preload
 * bridge and the MessagePorts to the utility-process engine. Runs only where
 * the Electron binary is installed (`npx install-electron`); elsewhere every
 * test is skipped and the run says why.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-path.mjs';
import { REAL_CSV, ROOT } from '../support/paths';

const binary = findElectronBinary();
if (binary === null) console.log('tests/electron skipped: no Electron binary here (install it with `npx install-electron`)');

describe.skipIf(binary === null)('Electron window', () => {
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    app = await electron.launch({ executablePath: binary as string, args: [ROOT, '--replay', REAL_CSV, '--data-dir', mkdtempSync(join(tmpdir(), 'mia-electron-'))] });
    page = await app.firstWindow();
    await page.getByTestId('chart').waitFor();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('opens sandboxed, isolated, without Node in the page', async () => {
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((window as unknown as { mia: object }).mia).sort())).toEqual(['appInfo', 'connectEngine', 'openDataFile', 'revealBackup']);
  });

  it('replays the file given with --replay over the engine ports', async () => {
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 15_000 }).toBe('paused');
    await page.getByTestId('speed-max').click();
    await page.getByTestId('play').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 60_000 }).toBe('ended');
    expect(await page.getByTestId('chart').getAttribute('data-bars')).toBe('15176');
    await page.screenshot({ path: join(ROOT, 'tests/electron/electron-window.png') });
  });

  it('grants notifications and no other permission a page asks for (issue 16)', async () => {
    expect(await page.evaluate(() => Notification.requestPermission())).toBe('granted');
    const camera = await page.evaluate(() => navigator.mediaDevices.getUserMedia({ video: true }).then(() => 'granted', (e: Error) => e.name));
    expect(camera).toBe('NotAllowedError');
    const geo = await page.evaluate(() => navigator.permissions.query({ name: 'geolocation' }).then((p) => p.state));
    expect(geo).toBe('denied');
  });

  it('refuses navigation away from the app', async () => {
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await expect.poll(() => page.url()).toMatch(/^file:.*index\.html/);
  });
});
