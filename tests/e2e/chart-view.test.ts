/**
 * End to end (issue 17, item 16): the chart's view. Scrolled back, it stops
 * following the replay (as Sierra Chart's does) until "Latest" brings it to
 * the newest bar; opening another file starts its view over at that file's
 * last bar, whatever the last file's view was.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { launchChromium, openApp, SHOTS } from '../support/browser';
import { REAL_CSV, REAL_JSONL, SHARED_DATA } from '../support/paths';

let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  shell = await startShellProcess(['--data-dir', mkdtempSync(join(tmpdir(), 'mia-e2e-chart-')), '--market-data-dir', join(SHARED_DATA, 'es')]);
  browser = await launchChromium();
  page = await openApp(browser, shell.url, consoleErrors);
});

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
});

const chart = (key: string) => page.getByTestId('chart').getAttribute(`data-${key}`);

async function playToEnd(file: string): Promise<void> {
  await page.getByTestId('file-path').fill(file);
  await page.getByTestId('open-file').click();
  await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('paused');
  await page.getByTestId('speed-max').click();
  await page.getByTestId('play').click();
  await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 60_000 }).toBe('ended');
}

/** Whether the visible range reaches the last bar (the chart's own figures, Unix ms). */
async function atLatest(): Promise<boolean> {
  return Number(await chart('visible-to')) >= Number(await chart('last-bar-ts'));
}

describe('dialogs', () => {
  it('Escape closes the dialog on top, one at a time (issue 17)', async () => {
    await page.getByTestId('open-connections').click();
    await page.getByTestId('connections-view').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('connections-view').count()).toBe(0);
    await page.getByTestId('open-sessions').click();
    await page.getByTestId('sessions-view').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('sessions-view').count()).toBe(0);
  });
});

describe('the chart view', () => {
  it('scrolled back it stays; Latest brings it to the newest bar; another file starts at its own last bar', async () => {
    await page.getByTestId('exec-AUTO').click();
    await playToEnd(REAL_CSV);
    await expect.poll(atLatest, { timeout: 10_000 }).toBe(true);
    // Scroll back: a drag to the right on the time axis area.
    const box = (await page.getByTestId('chart').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.4, { steps: 10 });
    await page.mouse.up();
    await expect.poll(atLatest).toBe(false);
    await page.getByTestId('chart-latest').click();
    await expect.poll(atLatest).toBe(true);
    // Scrolled back again, then another file: its view is at its own last bar.
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.4, { steps: 10 });
    await page.mouse.up();
    await expect.poll(atLatest).toBe(false);
    await playToEnd(REAL_JSONL);
    await expect.poll(atLatest, { timeout: 10_000 }).toBe(true);
    await page.getByTestId('chart-autoscale').click();
    // The Levels panel follows the bar under the cursor, and comes back to the latest when it leaves the chart.
    const panel = page.getByTestId('levels-panel');
    const latestPoc = await panel.locator('tr', { hasText: 'POC' }).first().locator('td').textContent();
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.4);
    await expect.poll(async () => Number(await panel.getAttribute('data-at'))).toBeGreaterThan(0);
    expect(Number(await panel.getAttribute('data-at'))).toBeLessThan(Number(await chart('last-bar-ts')));
    await page.mouse.move(box.x + box.width * 0.5, box.y - 60); // off the chart, onto the top bar
    await expect.poll(() => panel.getAttribute('data-at')).toBe('');
    expect(await panel.locator('tr', { hasText: 'POC' }).first().locator('td').textContent()).toBe(latestPoc);
    await page.screenshot({ path: join(SHOTS, 'chart-latest.png') });
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});

describe('NQ and dated chains from the window (issue 17, items 9 and 10)', () => {
  it('an NQ file opened with the ES file is named in the status bar; a folder of chains in the Gamma panel puts each in force at its time, and a stale one is said', async () => {
    await page.getByTestId('exec-AUTO').click();
    await page.getByTestId('nq-option').locator('summary').click();
    await page.getByTestId('nq-path').fill(join(SHARED_DATA, 'es/ninjatrader/NQ_Volumetric_1.csv'));
    await expect.poll(() => page.getByTestId('nq-option').locator('summary').textContent()).toBe('NQ ✓');
    await page.getByTestId('nq-option').locator('summary').click(); // closed again
    await playToEnd(join(SHARED_DATA, 'es/ninjatrader/ES_Volumetric_1.csv'));
    expect(await page.getByTestId('status-feed').textContent()).toContain('ES_Volumetric_1.csv (CSV, 1m) · NQ NQ_Volumetric_1.csv');
    // The folder: loaded onto the ESM23 file, each chain from its snapshot time.
    await page.getByTestId('nq-option').locator('summary').click();
    await page.getByTestId('nq-path').fill('');
    await page.getByTestId('nq-option').locator('summary').click();
    await page.getByTestId('chain-path').fill(join(SHARED_DATA, 'options/esm23'));
    await page.getByTestId('load-chain').click();
    await page.getByTestId('file-path').fill(join(SHARED_DATA, 'es/sierra-5m/ESM23-CME.scid_BarData__5m.txt'));
    await page.getByLabel('Bar timeframe for tick files').selectOption('5m');
    await playToEnd(join(SHARED_DATA, 'es/sierra-5m/ESM23-CME.scid_BarData__5m.txt'));
    expect(await page.getByTestId('status-feed').textContent()).not.toContain('· NQ');
    // At the file's end (June 2023) the last chain of the folder is in force.
    await expect.poll(() => page.getByTestId('gamma-levels').textContent()).toContain('spx_quotedata_2023-06-09');
    await expect.poll(() => page.getByText(/more than 3 trading days older than this bar/).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'chains-folder.png') });
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});

