/**
 * The end-to-end tests' browser: Debian's Chromium through playwright-core
 * (a Playwright browser download fails on the build machine), headless, and
 * a page on the headless shell's URL that records console errors.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './paths';

export const CHROMIUM = process.env.MIA_CHROMIUM ?? '/usr/bin/chromium';
/** Where end-to-end screenshots go (gitignored). */
export const SHOTS = resolve(ROOT, 'tests/e2e/__screenshots__');

/**
 * Launches Chromium.
 * @throws Error naming the fix when Chromium is not installed.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set MIA_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A 1600x900 page on the app at `url`, once the chart is there; console errors and page errors go to `errors`. */
export async function openApp(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.getByTestId('chart').waitFor();
  return page;
}
