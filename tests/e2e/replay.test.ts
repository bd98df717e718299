/**
 * End to end: the built headless shell (the real engine process and the real
 * renderer) in Debian's Chromium through Playwright. Loads an SPX chain and
 * the real CSV, plays it at max speed, and checks that candles, VWAP, the level
 * lines, gamma lines, signal markers and base boxes are drawn, that the market
 * clock reaches the file's last bar, and that clicking a signal in the list
 * moves the chart to it. Saves screenshots to tests/e2e/__screenshots__/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { launchChromium, openApp, SHOTS } from '../support/browser';
import { REAL_CSV, REAL_DEPTH_TXT, REAL_JSONL, SHARED_DATA } from '../support/paths';

let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  shell = await startShellProcess(['--data-dir', mkdtempSync(join(tmpdir(), 'mia-e2e-')), '--market-data-dir', join(SHARED_DATA, 'es')]);
  browser = await launchChromium();
  page = await openApp(browser, shell.url, consoleErrors);
  // AUTO: this test plays whole files; MANUAL would pause at each queued signal (tests/e2e/execution.test.ts).
  await page.getByTestId('exec-AUTO').click();
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

  it('loads an SPX option chain: gamma levels in the legend and the panel', async () => {
    await page.getByTestId('chain-path').fill(join(SHARED_DATA, 'options/spx_quotedata_2023-08-20.csv'));
    await page.getByTestId('chain-basis').fill('40');
    await page.getByTestId('load-chain').click();
    await expect.poll(() => page.getByTestId('gamma-legend').textContent()).toMatch(/Net GEX -42\.02 bn\/1%.*Call wall 4540\.00.*Put wall 4440\.00.*Zero Γ 4548\.93/);
    expect(await page.getByTestId('gamma-levels').textContent()).toMatch(/Call wall ES · SPX4540\.00 · 4500\.00/);
    await page.getByTestId('gamma-assumptions-toggle').click();
    expect(await page.getByTestId('gamma-assumptions').textContent()).toMatch(/Dealers are long the calls and short the puts/);
    await page.getByTestId('gamma-assumptions-toggle').click();
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
    // Each session's VAL is drawn over its own bars only (issue 17): the first session's ends at 4353 (tests/unit/real-data.test.ts),
    // the last one's at the current VAL, one run per session.
    const sessionVals = async () => ((await chartData('session-vals')) ?? '').split(',').map(Number);
    await expect.poll(async () => (await sessionVals()).length).toBe(11);
    const vals = await sessionVals();
    expect(vals[0]).toBe(4353);
    expect(levels).toContain(`VAL=${vals[10]}`);
    expect(await page.getByTestId('status-rejected').textContent()).toBe('0 rejected');
    // the Battle Navale annotations: one marker per signal, the bases, and the gamma lines on ES
    const signals = Number((await page.getByTestId('status-signals').textContent())?.split(' ')[0]);
    expect(signals).toBeGreaterThan(5);
    expect(Number(await chartData('markers'))).toBe(signals);
    expect(await page.getByTestId('signal-row').count()).toBe(signals);
    expect(Number(await chartData('bases'))).toBeGreaterThan(500);
    expect(Number(await chartData('violations'))).toBeGreaterThan(100);
    expect(await chartData('gamma-lines')).toMatch(/^Call wall=4540 Put wall=4440 Zero Γ=4548\.9\d*$/);
    expect(await page.getByTestId('battle-panel').textContent()).toMatch(/Confluence \((LONG|SHORT)\)/);
    await page.screenshot({ path: join(SHOTS, 'replay-real-csv-max.png') });
  });

  it('clicking a signal in the list moves the chart to it and opens its detail', async () => {
    const row = page.getByTestId('signal-row').last(); // the session's first signal
    const ts = Number(await row.getAttribute('data-ts'));
    await row.click();
    await expect.poll(() => chartData('focus-ts')).toBe(String(ts));
    await expect.poll(async () => Number(await chartData('visible-from'))).toBeLessThan(ts);
    expect(Number(await chartData('visible-to'))).toBeGreaterThan(ts);
    // 90 bars around it, not the whole file
    expect(Number(await chartData('visible-to')) - Number(await chartData('visible-from'))).toBeLessThan(6 * 3_600_000);
    const detail = page.getByTestId('signal-detail');
    await expect.poll(() => detail.textContent()).toMatch(/Entry · stop · target\d{4}\.\d{2} · \d{4}\.\d{2} · \d{4}\.\d{2}/);
    expect(await detail.textContent()).toMatch(/Battle balance · status.*Trend continuation.*Base quality.*Regime.*VWAP trend.*Missing inputs: .*nq/);
    await expect.poll(async () => Number(await chartData('base-boxes-drawn'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'signal-focus.png') });
  });

  it('zoomed on the last session, the levels and VWAP bands are readable', async () => {
    await page.getByTestId('signal-detail').getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('chart').hover();
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -300);
    await page.screenshot({ path: join(SHOTS, 'replay-real-csv-zoomed.png') });
  });

  it('at 1366x768 and 1920x1080 no two marker labels overlap nor run under the price scale, and walls off the visible prices are marked at the edge (issue 17, item 18)', async () => {
    for (const [width, height] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      // The top bar is one row, with room to read the file's path.
      expect((await page.locator('header.topbar').boundingBox())!.height).toBeLessThan(48);
      expect((await page.getByTestId('file-path').boundingBox())!.width).toBeGreaterThanOrEqual(80);
      // The whole file in view: many signals, most labels cannot fit.
      await page.getByTestId('chart').hover();
      for (let i = 0; i < 60; i++) await page.mouse.wheel(0, 600);
      await expect.poll(async () => Number(await chartData('marker-labels-hidden'))).toBeGreaterThan(0);
      const labels = JSON.parse((await chartData('marker-labels')) ?? '[]') as [x: number, w: number, row: string][];
      expect(labels.length).toBeGreaterThan(0);
      for (const a of labels) for (const b of labels) if (a !== b && a[2] === b[2]) expect(Math.abs(a[0] - b[0])).toBeGreaterThanOrEqual((a[1] + b[1]) / 2 + 5);
      const pane = (await page.getByTestId('chart').boundingBox())!;
      for (const [x, w] of labels) expect(x + w / 2).toBeLessThan(pane.width - 50); // the price scale is about 60 px wide
      await page.screenshot({ path: join(SHOTS, `labels-${width}x${height}.png`) });
      // Zoomed on the last session (ES about 4330-4370), the walls of the chain (4540, 4440, zero gamma 4548.93) are above it.
      for (let i = 0; i < 40; i++) await page.mouse.wheel(0, -300);
      // Off the chart, and the signal detail the hover opened closed: it may lie over the chart's controls.
      await page.mouse.move(5, 5);
      if ((await page.getByTestId('signal-detail').count()) > 0) await page.getByTestId('signal-detail').getByRole('button', { name: 'Close' }).click();
      await page.getByTestId('chart-latest').click();
      await expect.poll(async () => Number(await chartData('visible-to')) >= Number(await chartData('last-bar-ts')), { timeout: 5_000 }).toBe(true);
      await page.getByTestId('chart-autoscale').click();
      await expect.poll(() => chartData('gamma-edges')).toMatch(/top:▲ Call wall 4540\.00/);
      expect(await chartData('gamma-edges')).toMatch(/top:▲ Zero Γ 4548\.93/);
      await page.screenshot({ path: join(SHOTS, `gamma-edges-${width}x${height}.png`) });
    }
    // The equity curve of the replay's trades has its axes: USD (high, low, worst drawdown) and the first and last trade's time.
    const curve = page.getByTestId('equity-curve');
    await curve.scrollIntoViewIfNeeded();
    expect(Number(await curve.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    const usd = (await curve.getByTestId('equity-axis-usd').allTextContents()).map((t) => Number(t.replace(/,/g, '').replace('\u2212', '-')));
    expect(usd).toHaveLength(2);
    expect(usd[0]!).toBeGreaterThan(usd[1]!);
    expect(await curve.getByTestId('equity-axis-dd').textContent()).toMatch(/^\u2212\d+$/);
    expect(await curve.getByTestId('equity-axis-from').textContent()).toMatch(/^(Sep|Oct) \d+ \d\d:\d\d$/);
    expect(await curve.getByTestId('equity-axis-to').textContent()).toMatch(/^Oct \d+ \d\d:\d\d$/);
    await page.getByTestId('performance').screenshot({ path: join(SHOTS, 'equity-curve-1920x1080.png') });
    await page.setViewportSize({ width: 1600, height: 900 });
  });

  it("Sierra Chart's trades with depth replay with their book on the ladder (issue 18, item 4)", async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await openFile(REAL_DEPTH_TXT);
    await page.getByTestId('speed-max').click();
    await page.getByTestId('play').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 20_000 }).toBe('ended');
    const ladder = page.getByTestId('ladder');
    await expect.poll(() => ladder.getAttribute('data-depth'), { timeout: 5_000 }).toBe('true');
    // The book of the file's last line: asks 21 at 4346.25 and 4346.50, 25 at 4347.00; bids 2 at 4346.00, 15 at 4345.75.
    const row = (p: string) => ladder.locator(`tr[data-price="${p}"]`);
    await expect.poll(() => row('4346.25').locator('td.ask').textContent()).toBe('21');
    expect(await row('4347.00').locator('td.ask').textContent()).toBe('25');
    expect(await row('4346.00').locator('td.bid').textContent()).toBe('2');
    expect(await row('4345.75').locator('td.bid').textContent()).toBe('15');
    expect(await ladder.locator('tr.last').getAttribute('data-price')).toBe('4345.75');
    await page.screenshot({ path: join(SHOTS, 'ladder-depth-1366x768.png') });
  });

  it('logged no errors (no CSP violations, no exceptions)', () => {
    if (consoleErrors.length > 0) console.log(consoleErrors);
    expect(consoleErrors).toEqual([]);
  });
});
