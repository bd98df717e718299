/**
 * End to end (issue 16, item 4) on the Sierra Chart DTC peer: the broker
 * holds a position the workstation did not open. The window says so and
 * refuses LIVE; the trader adopts it from the Position panel (stop and
 * target in ticks, the account id typed): the app goes LIVE, the position is
 * the run's trade, and its stop and target work at the broker as one OCO
 * pair. The equity shows where it comes from (the default, flagged, in
 * PAPER). Screenshots at 1366x768 and 1920x1080 go to
 * tests/e2e/__screenshots__/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barTicks } from '../peers/data';
import { DtcPeer } from '../peers/dtc-server';
import { SHOTS } from '../support/browser';
import { fileBars } from '../support/file-bars';
import { closeConnections, connectDtcFromPanel, startLiveApp, type LiveApp } from '../support/live-app';

let app: LiveApp;
let page: Page;
let peer: DtcPeer;

beforeAll(async () => {
  peer = new DtcPeer({ account: 'SIM-4711' });
  await peer.start();
  peer.holdPosition(-2, 4366.5); // sold in Sierra Chart before the workstation started
  app = await startLiveApp('mia-e2e-adopt-');
  page = app.page;
});

afterAll(async () => {
  await app?.stop();
  await peer?.stop();
});

describe('adopting a broker position in the browser', () => {
  it('shows the unknown position, refuses LIVE, and adopts it with a stop and a target at the broker', async () => {
    await connectDtcFromPanel(page, peer.port);
    await closeConnections(page);
    await peer.stream(barTicks(await fileBars(5)), { trade: 107, quote: 108 });
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('playing');

    await expect.poll(() => page.getByTestId('broker-account').getAttribute('data-unknown'), { timeout: 10_000 }).toBe('-2');
    await expect(page.getByTestId('broker-account').textContent()).resolves.toMatch(/SHORT 2 @ 4366\.50.*2 contract\(s\) the workstation did not open: LIVE is refused until you adopt them/);
    expect(await page.getByTestId('equity').getAttribute('data-source')).toBe('default');
    await expect(page.getByTestId('equity').textContent()).resolves.toMatch(/default, not set/);
    for (const [width, height] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: join(SHOTS, `adopt-unknown-${width}x${height}.png`) });
    }

    await page.getByTestId('adopt-open').click();
    await page.getByTestId('adopt-stop').fill('8');
    await page.getByTestId('adopt-target').fill('12');
    expect(await page.getByTestId('adopt').isDisabled()).toBe(true); // the account is not typed yet
    await page.getByTestId('adopt-account').fill('SIM-4711');
    await page.screenshot({ path: join(SHOTS, 'adopt-form-1920x1080.png') });
    await page.getByTestId('adopt').click();

    await expect.poll(() => page.getByTestId('mode').inputValue(), { timeout: 10_000 }).toBe('LIVE');
    await expect.poll(() => page.getByTestId('position-qty').textContent()).toBe('SHORT 2');
    await expect.poll(() => page.getByTestId('broker-account').getAttribute('data-unknown')).toBe('0');
    // Short at 4366.50: the stop 8 ticks above (4368.50), the target 12 below (4363.50), one OCO pair, no parent.
    await expect.poll(() => peer.workingOrders().map((o) => [o.side, o.type, o.qty, o.price]).sort()).toEqual([
      [1, 2, 2, 4363.5],
      [1, 3, 2, 4368.5],
    ]);
    await expect.poll(() => page.getByTestId('orders').locator('tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-role')).sort())).toEqual(['stop', 'target']);
    for (const [width, height] of [
      [1366, 768],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: join(SHOTS, `adopted-${width}x${height}.png`) });
    }
    expect(app.consoleErrors).toEqual([]);
  }, 60_000);
});
