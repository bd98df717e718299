/**
 * End to end (issue 17, item 17): the rejected-records list follows the
 * replay live. A CSV with bad lines is opened and played in the browser; the
 * Rejected records panel lists each one, by file, line and field, as it is
 * read, without a reload of the page.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { launchChromium, openApp } from '../support/browser';
import { REAL_CSV } from '../support/paths';

const dataDir = mkdtempSync(join(tmpdir(), 'mia-e2e-rejections-'));
let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  shell = await startShellProcess(['--data-dir', dataDir, '--market-data-dir', dataDir]);
  browser = await launchChromium();
  page = await openApp(browser, shell.url, consoleErrors);
});

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
});

describe('rejected records in the browser', () => {
  it('lists each bad line as the replay reads it, with no reload', async () => {
    // The real CSV's first 300 lines with three of them spoilt: a negative price, a hex volume, a high below the low.
    const lines = readFileSync(REAL_CSV, 'utf8').split('\n').slice(0, 301);
    lines[50] = lines[50]!.replace(/,([0-9.]+),/, ',-5,');
    lines[120] = lines[120]!.replace(/,(\d+)(\r?)$/, ',0x1F$2'); // the file's lines end in CRLF
    const f = lines[200]!.split(',');
    lines[200] = [f[0], f[1], '4000.00', '4500.00', f[4], f[5]].join(',');
    const file = join(dataDir, 'spoilt.csv');
    writeFileSync(file, lines.join('\n'));
    await page.getByTestId('file-path').fill(file);
    await page.getByTestId('open-file').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 10_000 }).toBe('paused');
    await page.getByTestId('speed-max').click();
    await page.getByTestId('play').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 30_000 }).toBe('ended');
    await expect.poll(() => page.getByTestId('status-rejected').textContent()).toBe('3 rejected');
    await expect.poll(() => page.getByTestId('rejection').allTextContents()).toEqual([
      expect.stringMatching(/spoilt\.csv line 51, field "open": -5 is not a positive price/),
      expect.stringMatching(/spoilt\.csv line 121, field "volume"/),
      expect.stringMatching(/spoilt\.csv line 201, field "high"/),
    ]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
