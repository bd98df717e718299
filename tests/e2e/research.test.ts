/**
 * End to end (issue 19): the Research view in Chromium on the headless
 * shell. A sweep of two settings over the real CSV runs on the engine's
 * worker threads with its progress shown, ends with a results table that
 * sorts by a column and the best configuration's deflated Sharpe and PBO,
 * and opens its report in the window; a larger sweep is cancelled with the
 * runs done kept; a walk-forward shows its windows. Screenshots at
 * 1366x768 and 1920x1080 go to tests/e2e/__screenshots__/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { launchChromium, openApp, SHOTS } from '../support/browser';
import { REAL_CSV, SHARED_DATA } from '../support/paths';

const dataDir = mkdtempSync(join(tmpdir(), 'mia-e2e-research-'));
let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  shell = await startShellProcess(['--data-dir', dataDir, '--market-data-dir', join(SHARED_DATA, 'es')]);
  browser = await launchChromium();
  page = await openApp(browser, shell.url, consoleErrors);
  await page.setViewportSize({ width: 1366, height: 768 });
});

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
});

const job = () => page.getByTestId('research-job');
const resultIds = () => page.getByTestId('research-results').locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
const netColumn = () => page.getByTestId('research-results').locator('tbody tr td:nth-child(5)').allTextContents();
const usd = (s: string): number => Number(s.replace('−', '-').replace(/[^0-9.-]/g, ''));

/** Sets parameter row `i` to `path` from..to by step. */
async function param(i: number, path: string, from: number, to: number, step: number): Promise<void> {
  await page.getByTestId(`param-path-${i}`).selectOption(path);
  await page.getByTestId(`param-from-${i}`).fill(String(from));
  await page.getByTestId(`param-to-${i}`).fill(String(to));
  await page.getByTestId(`param-step-${i}`).fill(String(step));
}

/** Records every state:done the job section shows from now on (progress events are throttled, a poll could miss them). */
async function watchJob(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[] };
    w.seen = [];
    const note = () => {
      const el = document.querySelector('[data-testid="research-job"]');
      const s = el === null ? null : `${el.getAttribute('data-state')}:${el.getAttribute('data-done')}/${el.getAttribute('data-total')}`;
      if (s !== null && w.seen.at(-1) !== s) w.seen.push(s);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, attributes: true, childList: true });
  });
}
const seen = () => page.evaluate(() => (window as unknown as { seen: string[] }).seen);

describe('the Research view', () => {
  it('runs a sweep of two settings over the real CSV with progress, sorts its results and opens the report', async () => {
    await page.getByTestId('open-research').click();
    await page.getByTestId('research-view').waitFor();
    await page.getByTestId('research-path').fill(REAL_CSV);
    await param(0, 'risk.maxRiskPerTradeUsd', 100, 300, 100);
    await page.getByTestId('add-param').click();
    await param(1, 'risk.dailyLossLimitUsd', 500, 1000, 500);
    await expect.poll(() => page.getByTestId('research-count').textContent()).toBe('6 configuration(s)');
    await watchJob();
    await page.getByTestId('research-run').click();
    await expect.poll(() => job().getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    const states = await seen();
    // Preparing (the tape), then backtests counted as they end, then done with all six.
    expect(states[0]).toBe('preparing:0/6');
    expect(states.some((s) => /^running:[1-5]\/6$/.test(s))).toBe(true);
    expect(states.at(-1)).toBe('done:6/6');
    expect(await resultIds()).toHaveLength(6);
    // Sorted by net P&L, best first; a click on the header turns it around.
    const net = (await netColumn()).map(usd);
    expect(net).toEqual([...net].sort((a, b) => b - a));
    await page.getByTestId('sort-netPnlUsd').click();
    expect((await netColumn()).map(usd)).toEqual([...net].sort((a, b) => a - b));
    await page.getByTestId('sort-id').click();
    await page.getByTestId('sort-id').click();
    expect(await resultIds()).toEqual([0, 1, 2, 3, 4, 5]);
    // The defaults (100 USD a trade, 500 a day) are configuration 0: the golden run, 7 trades, net 168.50.
    const first = page.getByTestId('research-results').locator('tbody tr[data-id="0"] td');
    expect(await first.nth(3).textContent()).toBe('7');
    expect(usd((await first.nth(4).textContent()) ?? '')).toBe(168.5);
    const verdict = (await page.getByTestId('research-verdict').textContent()) ?? '';
    expect(verdict).toMatch(/Best by net USD: #\d · deflated Sharpe (\d\.\d\d|–) · probability of backtest overfitting \d+%/);
    for (const [w, h] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: join(SHOTS, `research-sweep-${w}x${h}.png`) });
    }
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByTestId('research-report').click();
    const frame = page.frameLocator('[data-testid="research-report-frame"]');
    await expect.poll(() => frame.locator('h1').textContent(), { timeout: 60_000 }).toBe('Sweep report');
    const text = (await frame.locator('body').textContent()) ?? '';
    for (const part of ['Sweep: 6 configurations', 'Deflated Sharpe', 'Probability of backtest overfitting', 'The best configuration, run alone', 'Monthly net P&L', 'By setup', 'Monte Carlo']) expect(text).toContain(part);
    await page.screenshot({ path: join(SHOTS, 'research-report-1366x768.png') });
    await page.getByLabel('Close report').click();
  }, 180_000);

  it('cancels a sweep: the runs done are kept and it says cancelled', async () => {
    await param(0, 'risk.maxRiskPerTradeUsd', 100, 600, 50);
    await param(1, 'risk.dailyLossLimitUsd', 500, 1500, 500);
    await expect.poll(() => page.getByTestId('research-count').textContent()).toBe('33 configuration(s)');
    await page.getByTestId('research-run').click();
    // The new job (the last one's section says done until the engine tells of it) has finished two backtests.
    await expect.poll(async () => (await job().getAttribute('data-state')) === 'running' && Number(await job().getAttribute('data-done')) >= 2, { timeout: 60_000 }).toBe(true);
    await page.getByTestId('research-cancel').click();
    await expect.poll(() => job().getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    const kept = (await resultIds()).length;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(33);
    expect(await job().textContent()).toContain(`cancelled: ${kept} run(s)`);
  }, 120_000);

  it('runs a walk-forward: windows of in-sample sessions, the chosen values and the out-of-sample results', async () => {
    await page.getByTestId('add-param').click();
    await page.getByLabel('Remove').nth(2).click();
    await param(0, 'risk.maxRiskPerTradeUsd', 100, 200, 100);
    await param(1, 'risk.dailyLossLimitUsd', 500, 500, 500);
    await page.getByTestId('kind-walk-forward').check();
    await page.getByTestId('research-run').click();
    await expect.poll(() => job().getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    // 11 sessions, 6 in and 2 out, rolled by 2: two windows.
    await expect.poll(() => page.getByTestId('research-windows').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('research-verdict').textContent()).toMatch(/^Last window's choice by net USD: #\d · out-of-sample net .* over 4 sessions · walk-forward efficiency/);
    await page.screenshot({ path: join(SHOTS, 'research-walk-forward-1366x768.png') });
    // Its report: the windows, the stitched out-of-sample curve, the last choice run over the whole data.
    await page.getByTestId('research-report').click();
    const frame = page.frameLocator('[data-testid="research-report-frame"]');
    await expect.poll(() => frame.locator('h1').textContent(), { timeout: 60_000 }).toBe('Walk-forward report');
    const text = (await frame.locator('body').textContent()) ?? '';
    for (const part of ['Walk-forward: 2 windows', 'Walk-forward efficiency', 'Stitched out-of-sample equity', "The last window's choice, run alone over the whole data"]) expect(text).toContain(part);
    await page.getByLabel('Close report').click();
  }, 180_000);

  it("takes a sweep's best into the trader's settings, journaled with its reason", async () => {
    await page.getByLabel('Sweep', { exact: true }).check();
    await param(0, 'risk.maxRiskPerTradeUsd', 100, 300, 100);
    await param(1, 'risk.dailyLossLimitUsd', 500, 1000, 500);
    // Ranked by trades: 300 USD a trade and 1,000 a day trade most (16 trades, configuration 5).
    await page.getByTestId('research-metric').selectOption('trades');
    await page.getByTestId('research-run').click();
    await expect.poll(async () => (await job().getAttribute('data-state')) === 'done' && (await page.getByTestId('research-verdict').textContent())?.includes('Best by trades: #5'), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('research-apply').click();
    const confirm = page.getByTestId('research-apply-confirm');
    expect(await confirm.textContent()).toContain('Set risk.maxRiskPerTradeUsd 300, risk.dailyLossLimitUsd 1000 in your settings?');
    expect(await page.getByTestId('research-apply-reason').inputValue()).toMatch(/^research: sweep #\d+, best #5 by trades$/);
    await page.screenshot({ path: join(SHOTS, 'research-apply-1366x768.png') });
    await page.getByTestId('research-apply-save').click();
    // A raised daily loss limit waits for the next session, as the Settings view says it.
    await expect.poll(() => page.getByTestId('research-applied').textContent()).toMatch(/takes effect at the next session/);
    await page.getByLabel('Close').first().click();
    await page.getByTestId('open-settings').click();
    await expect.poll(() => page.getByTestId('setting-risk.maxRiskPerTradeUsd').inputValue()).toBe('300');
    expect(await page.getByTestId('setting-risk.dailyLossLimitUsd').inputValue()).toBe('1000');
    expect(await page.getByTestId('settings-changes').textContent()).toMatch(/research: sweep #\d+, best #5 by trades/);
    expect(consoleErrors).toEqual([]);
  }, 180_000);
});
