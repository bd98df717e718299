/**
 * End to end (issue 6) on the Sierra Chart DTC peer: the Connections panel
 * connects the DTC server, live bars are drawn as the peer streams the real
 * CSV as trades, LIVE needs the account id typed and shows LIVE in red, a
 * signal approved in MANUAL goes to the "broker" as a bracket (parent + OCO),
 * and the kill switch ends flat as confirmed by the broker's position.
 * Screenshots go to tests/e2e/__screenshots__/.
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
  app = await startLiveApp('mia-e2e-live-', { paperThresholdsInLive: true });
  page = app.page;
});

afterAll(async () => {
  await app?.stop();
  await peer?.stop();
});

const chartData = (key: string) => page.getByTestId('chart').getAttribute(`data-${key}`);
const cards = () => page.getByTestId('approval-card');

describe('live trading through Sierra Chart DTC in the browser', () => {
  it('connects the DTC server from the Connections panel, with the data and the orders routed to it', async () => {
    await page.getByTestId('exec-MANUAL').click();
    await connectDtcFromPanel(page, peer.port);
    await expect.poll(() => page.getByTestId('dtc-card').textContent()).toContain('Account SIM-4711');
    await expect.poll(() => peer.subscribers()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'connections.png') });
    await closeConnections(page);
  });

  it('draws live bars, switches to LIVE with the account typed, and sends the approved signal to the broker as a bracket', async () => {
    // LIVE before the data flows: a pause of 10 s in a session would rightly trip the stale-data kill switch.
    // LIVE needs the live run, which opens once the data source is connected and today's recording is read back: wait for it (on a busy machine it lags the connect).
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('playing');
    await page.getByTestId('mode').selectOption('LIVE');
    await expect.poll(() => page.getByTestId('live-confirm').isVisible()).toBe(true);
    await page.getByTestId('live-account').fill('SIM-47');
    expect(await page.getByTestId('live-go').isDisabled()).toBe(true);
    await page.getByTestId('live-account').fill('SIM-4711');
    await page.getByTestId('live-go').click();
    await expect.poll(() => page.getByTestId('live-badge').isVisible()).toBe(true).catch(async (e) => {
      await page.screenshot({ path: join(SHOTS, 'debug-live.png') });
      throw e;
    });
    await page.screenshot({ path: join(SHOTS, 'live-mode.png') });

    const ticks = barTicks(await fileBars());
    // Fast to 2023-09-25 15:00 UTC, then trade by trade: the first signal (VWAP deviation, 15:17) is answered before the next trade can expire it.
    const slowFrom = Date.UTC(2023, 8, 25, 15, 0);
    const fast = ticks.filter((t) => t.ts < slowFrom);
    await peer.stream(fast, { trade: 107, quote: 108, perSecond: 4000 });
    await expect.poll(async () => Number(await chartData('bars')), { timeout: 30_000 }).toBeGreaterThan(1000);
    expect(await page.getByTestId('status-feed').textContent()).toContain('(live, 1m)');

    let found = false;
    for (const t of ticks.filter((x) => x.ts >= slowFrom).slice(0, 400)) {
      await peer.stream([t], { trade: 107, quote: 108 });
      await new Promise((r) => setTimeout(r, 80)); // the card must be seen before the next trade can move the price 4 ticks (expiry)
      if ((await cards().count()) > 0) {
        found = true;
        break;
      }
    }
    if (!found) await page.screenshot({ path: join(SHOTS, 'debug-live.png') });
    expect(found).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'live-approval.png') });
    await cards().first().getByRole('button', { name: /Approve/ }).click();
    await expect.poll(() => peer.received.some((m) => m.Type === 201), { timeout: 10_000 }).toBe(true);
    const oco = peer.received.find((m) => m.Type === 201)!;
    await expect.poll(() => peer.fills.some((f) => f.clientId === oco.ParentTriggerClientOrderID)).toBe(true);
    await expect.poll(() => peer.workingOrders().length).toBe(2);
    await expect.poll(() => page.getByTestId('orders').locator('tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-role')).sort())).toEqual(['stop', 'target']);
    await expect.poll(() => chartData('order-lines')).toBe('stop,target');
    await page.screenshot({ path: join(SHOTS, 'live-bracket-at-broker.png') });
  }, 180_000);

  it('the kill switch cancels at the broker, closes the position, and shows flat once the broker’s position is zero', async () => {
    expect(peer.netPosition).not.toBe(0);
    await page.keyboard.press('Control+Shift+K');
    await expect.poll(() => page.getByTestId('kill-switch').getAttribute('data-state'), { timeout: 10_000 }).toBe('HALTED');
    await expect.poll(() => page.getByTestId('kill-switch').getAttribute('data-flat')).toBe('true');
    expect(peer.netPosition).toBe(0);
    expect(peer.workingOrders()).toHaveLength(0);
    await page.screenshot({ path: join(SHOTS, 'live-kill-switch-flat.png') });
    expect(app.consoleErrors).toEqual([]);
  });
});
