/**
 * End to end (issue 18, item 2) on the fake TWS: the trader's own orders.
 * LIVE on Interactive Brokers, a buy limit placed by a click on the price
 * ladder goes to TWS with its ATM bracket (stop 8 ticks under, target 16
 * over); its stop line dragged on the chart becomes a modify of the same
 * order at TWS; Flatten cancels at TWS and closes the position, and flat is
 * confirmed by TWS's own position while the kill switch stays ACTIVE.
 * Screenshots go to tests/e2e/__screenshots__/ (ladder-*.png).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barTicks } from '../peers/data';
import type { PeerTick } from '../peers/dtc-server';
import { TwsPeer } from '../peers/tws-server';
import { SHOTS } from '../support/browser';
import { fileBars } from '../support/file-bars';
import { closeConnections, startLiveApp, type LiveApp } from '../support/live-app';

let app: LiveApp;
let page: Page;
let peer: TwsPeer;
/** Trades streamed one by one in the background (a live feed never goes quiet for 10 s: that would trip the stale-data rule). */
let trickle: Promise<void> | null = null;
let trickling = false;

beforeAll(async () => {
  peer = new TwsPeer({ account: 'DU4711' });
  await peer.start();
  app = await startLiveApp('mia-e2e-ladder-ib-');
  page = app.page;
});

afterAll(async () => {
  trickling = false;
  await trickle;
  await app?.stop();
  await peer?.stop();
});

type ChartEl = HTMLElement & { orderLineYs(): Record<string, number | null>; priceToY(p: number): number | null };

describe('orders by hand on Interactive Brokers (the fake TWS) in the browser', () => {
  it('a click on the ladder sends a buy limit with its ATM bracket; a drag of its stop modifies it at TWS; Flatten ends flat, armed', async () => {
    await page.getByTestId('exec-MANUAL').click();
    await page.getByTestId('open-connections').click();
    await page.getByTestId('data-source').selectOption('ib');
    await page.getByTestId('order-route').selectOption('ib');
    await page.getByTestId('ib-port').fill(String(peer.port));
    await page.getByTestId('ib-client-id').fill('12');
    await page.getByTestId('ib-connect').click();
    await expect.poll(() => page.getByTestId('ib-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await closeConnections(page);
    await page.getByTestId('mode').selectOption('LIVE');
    await page.getByTestId('live-account').fill('DU4711');
    await page.getByTestId('live-go').click();
    await expect.poll(() => page.getByTestId('live-badge').isVisible()).toBe(true);

    const ticks = barTicks(await fileBars());
    const slowFrom = Date.UTC(2023, 8, 25, 15, 0);
    await peer.stream(ticks.filter((t) => t.ts < slowFrom), { perSecond: 4000 });
    await expect.poll(async () => Number(await page.getByTestId('chart').getAttribute('data-bars')), { timeout: 30_000 }).toBeGreaterThan(1000);
    // Then a quiet market: trades bouncing between the bid and the ask of the last quote, a second apart in market
    // time, every 150 ms (the stops and targets stay out of reach; a buy limit at the bid fills).
    const lastTick = ticks.filter((t) => t.ts < slowFrom).at(-1)!;
    const ask = lastTick.ask;
    const bid = ask - 0.25;
    trickling = true;
    trickle = (async () => {
      for (let i = 1; trickling; i++) {
        const t: PeerTick = { ts: lastTick.ts + i * 1000, price: i % 2 === 0 ? bid : ask, size: 1, at: i % 2 === 0 ? 1 : 2, bid, ask };
        await peer.stream([t]);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    // The ladder centres on the last trade; a click in the Buy column at the bid, under the ask, is a buy limit.
    await expect.poll(() => page.getByTestId('ladder').locator('tr.last').count(), { timeout: 10_000 }).toBe(1);
    const price = bid;
    await expect.poll(() => page.getByTestId('ladder-atm').textContent()).toBe('ATM 8/16t');
    await page.getByTestId(`ladder-buy-${price.toFixed(2)}`).click();
    // Entry, then target and stop as its children in one OCA group, at 8 and 16 ticks from the limit.
    await expect.poll(() => peer.received.filter((m) => m.id === 3).length, { timeout: 10_000 }).toBe(3);
    const [entry, target, stop] = peer.received.filter((m) => m.id === 3);
    // Fields as TWS reads a placeOrder: 15 action, 17 orderType, 18 lmtPrice, 19 auxPrice, 27 parentId.
    expect([entry, target, stop].map((m) => [m?.fields[15], m?.fields[17], Number(m?.fields[m?.fields[17] === 'STP' ? 19 : 18])])).toEqual([
      ['BUY', 'LMT', price],
      ['SELL', 'LMT', price + 4],
      ['SELL', 'STP', price - 2],
    ]);
    expect([Number(target?.fields[27]), Number(stop?.fields[27])]).toEqual([Number(entry?.fields[0]), Number(entry?.fields[0])]);
    await expect.poll(() => peer.fills.some((f) => f.orderRef === entry?.fields[25]), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => peer.workingOrders().map((o) => [o.type, o.type === 'STP' ? o.aux : o.lmt]).sort(), { timeout: 10_000 }).toEqual([
      ['LMT', price + 4],
      ['STP', price - 2],
    ]);
    await expect.poll(() => page.getByTestId('chart').getAttribute('data-order-lines')).toBe('stop,target');
    await expect.poll(() => page.getByTestId('ladder-position').textContent()).toMatch(/^LONG 1 @/);
    for (const [w, h] of [[1366, 768], [1920, 1080]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(SHOTS, `ladder-live-${w}x${h}.png`) });
      // What the trader must see at both sizes: the top bar in one row (LIVE has no replay controls), the ladder's
      // last price row in view, the position line on the chart with its open P&L.
      expect((await page.locator('.topbar').boundingBox())!.height).toBeLessThan(48);
      const ladderBox = (await page.locator('.ladder-scroll').boundingBox())!;
      const lastBox = (await page.locator('.ladder tr.last').boundingBox())!;
      expect(lastBox.y).toBeGreaterThan(ladderBox.y);
      expect(lastBox.y + lastBox.height).toBeLessThan(ladderBox.y + ladderBox.height);
      expect(await page.getByTestId('chart').getAttribute('data-position-line')).toMatch(/^Pos \+1 [+\u2212]\d+\.\d\d$/);
    }

    // Drag the stop line 3 ticks up: a modify of the same TWS order at the new stop price.
    const chart = page.getByTestId('chart');
    const box = (await chart.boundingBox())!;
    const prices = JSON.parse((await chart.getAttribute('data-order-prices')) ?? '{}') as Record<string, number>;
    // The long's stop is the lower of its two lines.
    const stopId = Object.entries(prices).sort((a, b) => a[1] - b[1])[0]?.[0];
    expect(stopId, JSON.stringify(prices)).toBeDefined();
    const [fromY, toY] = await page.evaluate(
      ([id, p]) => {
        const el = document.querySelector('[data-testid=chart]') as ChartEl;
        return [el.orderLineYs()[id as string] ?? null, el.priceToY(p as number)];
      },
      [stopId, price - 2 + 0.75] as const,
    );
    expect(fromY).not.toBeNull();
    expect(toY).not.toBeNull();
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + fromY!);
    await page.mouse.down();
    await page.mouse.move(x, box.y + (fromY! + toY!) / 2, { steps: 3 });
    await page.mouse.move(x, box.y + toY!, { steps: 3 });
    await page.mouse.up();
    await expect.poll(() => peer.workingOrders().find((o) => o.type === 'STP')?.aux, { timeout: 10_000 }).toBe(price - 1.25);
    const modifies = peer.received.filter((m) => m.id === 3);
    expect(modifies).toHaveLength(4); // the bracket's three, and the stop placed again under its id
    expect(modifies[3]?.fields[0]).toBe(stop?.fields[0]);
    await expect.poll(() => page.getByTestId('orders').locator('tr[data-role=stop]').textContent()).toContain((price - 1.25).toFixed(2));
    await page.screenshot({ path: join(SHOTS, 'ladder-stop-dragged.png') });

    // Flatten: TWS cancels the legs, the position is closed, flat by TWS's word; the switch stays ACTIVE.
    await page.getByTestId('flatten').click();
    await expect.poll(() => peer.netPosition(), { timeout: 15_000 }).toBe(0);
    expect(peer.workingOrders()).toHaveLength(0);
    await expect.poll(() => page.getByTestId('position-qty').textContent(), { timeout: 10_000 }).toBe('FLAT');
    await expect.poll(() => page.getByTestId('ladder-position').textContent()).toBe('FLAT');
    expect(await page.getByTestId('kill-switch').getAttribute('data-state')).toBe('ACTIVE');
    expect(peer.received.some((m) => m.id === 58)).toBe(false); // no global cancel: Flatten is not the kill switch
    await page.screenshot({ path: join(SHOTS, 'ladder-flat.png') });
    trickling = false;
    await trickle;
    expect(app.consoleErrors).toEqual([]);
  }, 240_000);
});
