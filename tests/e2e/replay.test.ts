/**
 * End to end: the built headless shell (the real engine process and the real
 * renderer) in Debian's Chromium through Playwright. Loads the real CSV, plays
 * it at max speed, and checks that candles, VWAP and the level lines are drawn
 * and that the market clock reaches the file's last bar. Saves screenshots to
 * tests/e2e/__screenshots__/.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { REAL_CSV, REAL_JSONL, ROOT, SHARED_DATA } from '../support/paths';

const CHROMIUM = process.env.MIA_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = resolve(ROOT, 'tests/e2e/__screenshots__');

let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set MIA_CHROMIUM)`);
  shell = await startShellProcess(['--data-dir', mkdtempSync(join(tmpdir(), 'mia-e2e-')), '--market-data-dir', join(SHARED_DATA, 'es')]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(shell.url);
  await page.getByTestId('chart').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
});

async function openFile(path: string): Promise<void> {
  await page.getByTestId('file-path').fill(path);
  await page.getByTestId('open-file').click();
  await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('paused');
}

const chartData = (key: string) => page.getByTestId('chart').getAttribute(`data-${key}`);

describe('replay in the browser', () => {
  it('lists the data folder in the file picker', async () => {
    const options = await page.getByTestId('data-files').locator('option').allTextContents();
    expect(options.join('\n')).toMatch(/ES_1min_2023-09-24_2023-10-09\.csv · CSV/);
  });

  it('steps one bar at a time', async () => {
    await openFile(REAL_JSONL);
    for (let i = 0; i < 3; i++) await page.getByTestId('step').click();
    await expect.poll(() => chartData('bars')).toBe('3');
    // 2011-01-02 23:00 UTC is 18:00 ET; after three 1-minute bars the clock reads 18:03
    await expect.poll(() => page.getByTestId('market-clock').textContent()).toBe('Sun 2011-01-02 18:03:00 ET');
  });

  it('plays the real CSV at max speed to its last bar with candles, VWAP and levels drawn', async () => {
    await openFile(REAL_CSV);
    await page.getByTestId('speed-max').click();
    await page.getByTestId('play').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 60_000, interval: 100 }).toBe('ended');
    await expect.poll(() => chartData('bars')).toBe('15176');
    // the last bar opens 2023-10-09 16:59 ET (20:59 UTC); the clock shows its end
    expect(await chartData('last-bar-ts')).toBe(String(Date.UTC(2023, 9, 9, 20, 59)));
    expect(await page.getByTestId('market-clock').textContent()).toBe('Mon 2023-10-09 17:00:00 ET');
    // VWAP on every bar except the first bar of sessions 2..11 (a gap between sessions): 15176 - 10
    expect(Number(await chartData('vwap-points'))).toBe(15176 - 10);
    const levels = (await chartData('levels')) ?? '';
    expect(levels).toMatch(/POC=\d{4}(\.\d+)? VAH=\d{4}(\.\d+)? VAL=\d{4}(\.\d+)? pPOC=\d{4}(\.\d+)? pVAH=\d{4}(\.\d+)? pVAL=\d{4}(\.\d+)?/);
    expect(await page.getByTestId('status-bars').textContent()).toBe('15,176 bars');
    expect(await page.getByTestId('status-rejected').textContent()).toBe('0 rejected');
    await page.screenshot({ path: join(SHOTS, 'replay-real-csv-max.png') });
  });

  it('zoomed on the last session, the levels and VWAP bands are readable', async () => {
    await page.getByTestId('chart').hover();
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -300);
    await page.screenshot({ path: join(SHOTS, 'replay-real-csv-zoomed.png') });
  });

  it('logged no errors (no CSP violations, no exceptions)', () => {
    if (consoleErrors.length > 0) console.log(consoleErrors);
    expect(consoleErrors).toEqual([]);
  });
});
