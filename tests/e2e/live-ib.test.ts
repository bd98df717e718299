/**
 * End to end (issue 6) on the fake TWS: the Connections panel connects
 * Interactive Brokers, live bars are drawn as TWS streams the real CSV tick
 * by tick, LIVE needs the
 * account id typed and shows LIVE in red, a signal approved in MANUAL goes to
 * TWS as a bracket (entry, then target and stop in one OCA group), and the
 * kill switch ends flat as confirmed by TWS's positions.
 * Screenshots go to tests/e2e/__screenshots__/ (ib-*.png).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barTicks } from '../peers/data';
import { TwsPeer } from '../peers/tws-server';
import { SHOTS } from '../support/browser';
import { fileBars } from '../support/file-bars';
import { closeConnections, startLiveApp, type LiveApp } from '../support/live-app';

let app: LiveApp;
let page: Page;
let peer: TwsPeer;

beforeAll(async () => {
  // No SPX chain here: gamma levels would change the method's first signal, which this test answers (the chain is tested in live-ib.test.ts).
  peer = new TwsPeer({ account: 'DU4711' });
  await peer.start();
  app = await startLiveApp('mia-e2e-live-ib-', { paperThresholdsInLive: true });
  page = app.page;
});

afterAll(async () => {
  await app?.stop();
  await peer?.stop();
});

const chartData = (key: string) => page.getByTestId('chart').getAttribute(`data-${key}`);
const cards = () => page.getByTestId('approval-card');

describe('live trading through Interactive Brokers (the fake TWS) in the browser', () => {
  it('connects TWS from the Connections panel, with the data and the orders routed to it', async () => {
    await page.getByTestId('exec-MANUAL').click();
    await page.getByTestId('open-connections').click();
    await page.getByTestId('data-source').selectOption('ib');
    await page.getByTestId('order-route').selectOption('ib');
    await page.getByTestId('ib-port').fill(String(peer.port));
    await page.getByTestId('ib-client-id').fill('11');
    await page.getByTestId('ib-connect').click();
    await expect.poll(() => page.getByTestId('ib-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => page.getByTestId('ib-card').textContent()).toContain('Account DU4711');
    await expect.poll(() => [peer.subscribers('AllLast'), peer.subscribers('BidAsk')]).toEqual([1, 1]);
    await expect.poll(() => page.getByTestId('front-month').textContent()).toContain('ESZ3');
    await page.screenshot({ path: join(SHOTS, 'ib-connections.png') });
    await closeConnections(page);
  });

  it('draws live bars, switches to LIVE with the account typed, and sends the approved signal to the broker as a bracket', async () => {
    // LIVE before the data flows: a pause of 10 s in a session would rightly trip the stale-data kill switch.
    await page.getByTestId('mode').selectOption('LIVE');
    await expect.poll(() => page.getByTestId('live-confirm').isVisible()).toBe(true);
    await page.getByTestId('live-account').fill('DU47');
    expect(await page.getByTestId('live-go').isDisabled()).toBe(true);
    await page.getByTestId('live-account').fill('DU4711');
    await page.getByTestId('live-go').click();
    await expect.poll(() => page.getByTestId('live-badge').isVisible()).toBe(true).catch(async (e) => {
      await page.screenshot({ path: join(SHOTS, 'ib-debug-live.png') });
      throw e;
    });
    await page.screenshot({ path: join(SHOTS, 'ib-live-mode.png') });

    const ticks = barTicks(await fileBars());
    // Fast to 2023-09-25 15:00 UTC, then trade by trade: the first signal (VWAP deviation, 15:17) is answered before the next trade can expire it.
    const slowFrom = Date.UTC(2023, 8, 25, 15, 0);
    const fast = ticks.filter((t) => t.ts < slowFrom);
    await peer.stream(fast, { perSecond: 4000 });
    await expect.poll(async () => Number(await chartData('bars')), { timeout: 30_000 }).toBeGreaterThan(1000);
    expect(await page.getByTestId('status-feed').textContent()).toContain('(live, 1m)');

    let found = false;
    for (const t of ticks.filter((x) => x.ts >= slowFrom).slice(0, 400)) {
      await peer.stream([t]);
      await new Promise((r) => setTimeout(r, 80)); // the card must be seen before the next trade can move the price 4 ticks (expiry)
      if ((await cards().count()) > 0) {
        found = true;
        break;
      }
    }
    if (!found) await page.screenshot({ path: join(SHOTS, 'ib-debug-live.png') });
    expect(found).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'ib-live-approval.png') });
    await cards().first().getByRole('button', { name: /Approve/ }).click();
    // Entry, then target and stop as its children in one OCA group.
    await expect.poll(() => peer.received.filter((m) => m.id === 3).length, { timeout: 10_000 }).toBe(3);
    const [entry, target, stop] = peer.received.filter((m) => m.id === 3);
    expect([target?.fields[21], stop?.fields[21]]).toEqual([`MIA-${entry?.fields[25]}`, `MIA-${entry?.fields[25]}`]);
    expect([Number(target?.fields[27]), Number(stop?.fields[27])]).toEqual([Number(entry?.fields[0]), Number(entry?.fields[0])]);
    await expect.poll(() => peer.fills.some((f) => f.orderRef === entry?.fields[25])).toBe(true);
    await expect.poll(() => peer.workingOrders().length).toBe(2);
    await expect.poll(() => page.getByTestId('orders').locator('tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-role')).sort())).toEqual(['stop', 'target']);
    await expect.poll(() => chartData('order-lines')).toBe('stop,target');
    await page.screenshot({ path: join(SHOTS, 'ib-live-bracket-at-broker.png') });
  }, 180_000);

  it('the kill switch cancels at the broker, closes the position, and shows flat once the broker’s position is zero', async () => {
    expect(peer.netPosition()).not.toBe(0);
    await page.keyboard.press('Control+Shift+K');
    await expect.poll(() => page.getByTestId('kill-switch').getAttribute('data-state'), { timeout: 10_000 }).toBe('HALTED');
    await expect.poll(() => page.getByTestId('kill-switch').getAttribute('data-flat')).toBe('true');
    expect(peer.netPosition()).toBe(0);
    expect(peer.workingOrders()).toHaveLength(0);
    expect(peer.received.some((m) => m.id === 58)).toBe(true); // TWS's global cancel
    await page.screenshot({ path: join(SHOTS, 'ib-live-kill-switch-flat.png') });
    expect(app.consoleErrors).toEqual([]);
  });
});
