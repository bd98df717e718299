/**
 * End to end (issue 4): the real engine and renderer through the headless
 * shell in Debian's Chromium. In MANUAL the replay of the real CSV pauses at
 * each queued signal: one is approved with the A key (the bracket appears as
 * price lines and the entry fill as a marker), one rejected with R, one left
 * to expire; then with a position open the kill switch goes REDUCING, cancels
 * the bracket, closes the position and shows HALTED with flat confirmed. A
 * restarted shell on the same data folder comes back HALTED, and a reset with
 * a reason re-arms it. Screenshots go to tests/e2e/__screenshots__/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { launchChromium, openApp, SHOTS } from '../support/browser';
import { REAL_CSV, SHARED_DATA } from '../support/paths';
const dataDir = mkdtempSync(join(tmpdir(), 'mia-e2e-exec-'));

let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function openPage(): Promise<void> {
  page = await openApp(browser, shell.url, consoleErrors);
}

const startShell = () => startShellProcess(['--data-dir', dataDir, '--market-data-dir', join(SHARED_DATA, 'es')]);

beforeAll(async () => {
  shell = await startShell();
  browser = await launchChromium();
  await openPage();
});

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
});

const chartData = (key: string) => page.getByTestId('chart').getAttribute(`data-${key}`);
const ksState = () => page.getByTestId('kill-switch').getAttribute('data-state');
const cards = () => page.getByTestId('approval-card');
const decisions = () => page.getByTestId('decisions').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));

/** Plays at max until the replay pauses with a signal in the queue. */
async function playToNextApproval(): Promise<string> {
  await page.getByTestId('play').click();
  await expect.poll(() => cards().count(), { timeout: 30_000 }).toBe(1);
  await expect.poll(() => page.getByTestId('replay-state').textContent()).toBe('paused');
  return (await cards().first().getAttribute('data-signal')) ?? '';
}

describe('MANUAL approval, brackets and the kill switch in the browser', () => {
  it('shows the kill switch ACTIVE and the execution controls in the top bar', async () => {
    await expect.poll(ksState).toBe('ACTIVE');
    await expect.poll(() => page.getByTestId('mode').inputValue()).toBe('PAPER');
    expect(await page.getByTestId('mode').locator('option[value="LIVE"]').isDisabled()).toBe(true);
    await page.getByTestId('exec-MANUAL').click();
    await expect.poll(() => page.getByTestId('exec-MANUAL').getAttribute('aria-checked')).toBe('true');
  });

  it('approves a queued signal with A: the bracket is drawn and the entry fills on the next bar', async () => {
    await page.getByTestId('file-path').fill(REAL_CSV);
    await page.getByTestId('open-file').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('paused');
    await page.getByTestId('speed-max').click();
    const first = await playToNextApproval();
    const card = cards().first();
    await expect.poll(() => card.getByTestId('countdown').textContent()).toBe('30s');
    await page.screenshot({ path: join(SHOTS, 'approval-queue.png') });
    await card.focus();
    await page.keyboard.press('a');
    await expect.poll(() => cards().count()).toBe(0);
    await expect.poll(() => page.getByTestId('orders').locator('tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-role')))).toEqual(['entry', 'stop', 'target']);
    await expect.poll(() => chartData('order-lines')).toBe('stop,target'); // the market entry has no price line
    expect((await decisions())[0]).toBe('APPROVED');
    await page.getByTestId('step').click();
    await expect.poll(() => page.getByTestId('position-qty').textContent()).toMatch(/^(LONG|SHORT) 1$/);
    await expect.poll(() => chartData('fill-markers')).toBe('1');
    await page.screenshot({ path: join(SHOTS, 'bracket-filled.png') });
    expect(first).toMatch(/^ES-/);
  });

  it('Settings: loosening a limit is refused while the position is open, naming the field; tightening one is saved and journaled (issue 18)', async () => {
    await page.getByTestId('open-settings').click();
    await page.getByTestId('settings-view').waitFor();
    await page.getByTestId('setting-risk.maxRiskPerTradeUsd').fill('300');
    await page.getByTestId('settings-reason').fill('wider stops for base retests');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-error').textContent()).toMatch(/risk\.maxRiskPerTradeUsd 100 -> 300 loosens a risk limit: refused while a position of -?1 contract\(s\) is open/);
    for (const [width, height] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      expect((await page.locator('header.topbar').boundingBox())!.height).toBeLessThan(48); // one row, with a position open
      await page.screenshot({ path: join(SHOTS, `settings-refused-${width}x${height}.png`) });
    }
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.getByTestId('setting-risk.maxRiskPerTradeUsd').fill('100');
    await page.getByTestId('setting-risk.maxTradesPerDay').fill('8');
    // A position management rule turned on (empty is off), the ATM target, and the starting equity, in the same save.
    await page.getByTestId('setting-management.trailTicks').fill('12');
    await page.getByTestId('setting-orders.targetTicks').fill('20');
    await page.getByTestId('setting-startingEquityUsd').fill('40000');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-saved').textContent()).toBe('Saved.');
    const changes = await page.getByTestId('settings-changes').locator('tr').allTextContents();
    expect(changes.slice(0, 4).join('\n')).toMatch(/risk\.maxTradesPerDay.*10 → 8.*wider stops for base retests/);
    expect(changes.join('\n')).toMatch(/orders\.targetTicks.*16 → 20/);
    expect(changes.join('\n')).toMatch(/management\.trailTicks.*null → 12/);
    expect(changes.join('\n')).toMatch(/account\.startingEquityUsd.*null → 40000.*wider stops for base retests/);
    await expect.poll(() => page.getByTestId('ladder-atm').textContent()).toBe('ATM 8/20t');
    await page.screenshot({ path: join(SHOTS, 'settings-saved-1600x900.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('settings-view').count()).toBe(0);
  });

  it('rejects one with R and lets the next one expire', async () => {
    await playToNextApproval(); // the first trade ends at its stop or target on the way
    await expect.poll(() => page.getByTestId('position-qty').textContent()).toBe('FLAT');
    await cards().first().focus();
    await page.keyboard.press('r');
    await expect.poll(async () => (await decisions())[0]).toBe('REJECTED');
    await playToNextApproval();
    await page.getByTestId('play').click(); // market time moves on; nobody answers
    await expect.poll(async () => (await decisions()).includes('EXPIRED'), { timeout: 30_000 }).toBe(true);
    // The replay plays on and pauses again at the next queued signal.
    await expect.poll(() => cards().count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('replay-state').textContent()).toBe('paused');
  });

  it('halts with a position open: REDUCING, orders cancelled, position closed, then HALTED and flat', async () => {
    await cards().first().getByTestId('approve').click();
    await page.getByTestId('step').click();
    await expect.poll(() => page.getByTestId('position-qty').textContent()).toMatch(/^(LONG|SHORT) 1$/);
    await page.getByTestId('kill-button').click();
    await expect.poll(ksState).toBe('REDUCING');
    await expect.poll(() => page.getByTestId('ks-flat').textContent()).toMatch(/waiting/);
    await expect.poll(() => page.getByTestId('orders').locator('tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-role')))).toEqual(['close']);
    await page.screenshot({ path: join(SHOTS, 'kill-switch-reducing.png') });
    await page.getByTestId('step').click();
    await expect.poll(ksState).toBe('HALTED');
    await expect.poll(() => page.getByTestId('kill-switch').getAttribute('data-flat')).toBe('true');
    await expect.poll(() => page.getByTestId('ks-flat').textContent()).toMatch(/Flat confirmed/);
    await expect.poll(() => page.getByTestId('position-qty').textContent()).toBe('FLAT');
    expect(await page.getByTestId('orders').count()).toBe(0);
    await expect.poll(() => chartData('order-lines')).toBe('');
    expect(await page.getByTestId('ks-detail').textContent()).toContain('manual');
    await page.screenshot({ path: join(SHOTS, 'kill-switch-halted.png') });
  });

  it('is still HALTED after a restart of the headless shell; a reset needs a reason', async () => {
    await page.close();
    await shell.stop();
    shell = await startShell();
    await openPage();
    await expect.poll(ksState).toBe('HALTED');
    await page.screenshot({ path: join(SHOTS, 'kill-switch-after-restart.png') });
    await page.getByTestId('ks-reset').click();
    expect(await page.getByTestId('ks-confirm-reset').isDisabled()).toBe(true);
    await page.getByTestId('ks-reason').fill('reviewed the halted trade; resuming paper trading');
    await page.getByTestId('ks-confirm-reset').click();
    await expect.poll(ksState).toBe('ACTIVE');
    await expect.poll(() => page.getByTestId('position-qty').textContent()).toBe('FLAT');
    expect(consoleErrors).toEqual([]);
  });
});
