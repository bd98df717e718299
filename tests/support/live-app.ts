/**
 * The live end-to-end tests' app: the built headless shell on a data folder
 * of its own (its market data folder too, so today's recording starts empty)
 * and its window in Debian's Chromium, beside a broker peer the test starts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { DEFAULT_METHOD_CONFIG } from '../../engine/method/config';
import { launchChromium, openApp } from './browser';

/** The shell, its window, and the console errors the window logged. */
export interface LiveApp {
  readonly shell: ShellProcess;
  readonly browser: Browser;
  readonly page: Page;
  readonly consoleErrors: string[];
  stop(): Promise<void>;
}

/**
 * Starts the shell and opens its window. With `paperThresholdsInLive`, LIVE
 * takes PAPER's thresholds (LIVE's own, STRONG grade, let no signal through
 * on the stretch of data these tests stream; the broker path is under test).
 */
export async function startLiveApp(prefix: string, opts: { paperThresholdsInLive?: boolean } = {}): Promise<LiveApp> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const args = ['--data-dir', dataDir, '--market-data-dir', dataDir];
  if (opts.paperThresholdsInLive === true) {
    const methodFile = join(dataDir, 'method.json');
    writeFileSync(methodFile, JSON.stringify({ modes: { LIVE: DEFAULT_METHOD_CONFIG.modes.PAPER } }));
    args.push('--method-config', methodFile);
  }
  const shell = await startShellProcess(args);
  const browser = await launchChromium();
  const consoleErrors: string[] = [];
  const page = await openApp(browser, shell.url, consoleErrors);
  return {
    shell,
    browser,
    page,
    consoleErrors,
    async stop() {
      await browser.close();
      await shell.stop();
    },
  };
}

/** Connects Sierra Chart DTC at `port` from the Connections panel, with the data and the orders routed to it, and waits for it. */
export async function connectDtcFromPanel(page: Page, port: number, symbol = 'ESZ3'): Promise<void> {
  await page.getByTestId('open-connections').click();
  await page.getByTestId('data-source').selectOption('dtc');
  await page.getByTestId('order-route').selectOption('dtc');
  await page.getByTestId('dtc-port').fill(String(port));
  await page.getByTestId('dtc-symbol').fill(symbol);
  await page.getByTestId('dtc-connect').click();
  await expect.poll(() => page.getByTestId('dtc-state').getAttribute('data-state'), { timeout: 10_000 }).toBe('connected');
}

/** Closes the Connections dialog. */
export async function closeConnections(page: Page): Promise<void> {
  await page.getByRole('dialog', { name: 'Connections' }).getByRole('button', { name: 'Close' }).click();
}
