/**
 * End to end (issue 5), the real engine and renderer through the headless
 * shell in Debian's Chromium: the real CSV is backtested into the journal
 * with `mia backtest`, then in the window the Sessions view lists its 11
 * sessions; one is opened, played, stepped back, jumped to its next trade,
 * and its trade opened in the snapshot inspector (no FINAL_RESULT before the
 * exit) and copied as JSON; scrubbing to a bar draws nothing later than it
 * (candles, markers, VWAP) and the levels drawn are the journal's at that
 * bar; a backup is taken with the button; the live journal is then
 * corrupted on disk, restored from the Sessions view, and the session is
 * there again with the kill switch HALTED. Screenshots go to
 * tests/e2e/__screenshots__/.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellProcess, type ShellProcess } from '../../scripts/headless-process.mjs';
import { launchChromium, openApp, SHOTS } from '../support/browser';
import { REAL_CSV, ROOT, SHARED_DATA } from '../support/paths';
const dataDir = mkdtempSync(join(tmpdir(), 'mia-e2e-sessions-'));
const journalPath = join(dataDir, 'journal.sqlite');
/** The session of the golden run's first trade (T1, 11:18 ET). */
const SESSION = '2023-09-25';

let shell: ShellProcess;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // Record: the whole real CSV through `mia backtest` into this data folder's journal.
  const bt = spawnSync(process.execPath, [join(ROOT, 'dist/cli/mia.cjs'), 'backtest', '--data', REAL_CSV, '--data-dir', dataDir, '--json'], { encoding: 'utf8' });
  if (bt.status !== 0) throw new Error(`mia backtest failed: ${bt.stderr}`);
  shell = await startShellProcess(['--data-dir', dataDir, '--market-data-dir', join(SHARED_DATA, 'es')]);
  browser = await launchChromium();
  page = await openApp(browser, shell.url, consoleErrors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
});

const chart = (key: string) => page.getByTestId('chart').getAttribute(`data-${key}`);
const cursor = async () => Number(await page.getByTestId('recorded-bar').getAttribute('data-bar'));
const shot = (name: string) => page.screenshot({ path: join(SHOTS, name) });

async function openSession(id: string): Promise<void> {
  await page.getByTestId('open-sessions').click();
  await page.getByTestId('sessions-table').waitFor();
  await page.locator(`tr[data-session$="/${id}"]`).getByTestId('open-session').click();
  await expect.poll(() => page.getByTestId('recorded-bar').isVisible(), { timeout: 20_000 }).toBe(true);
}

/** The journal's levels at a bar (read beside the running engine: WAL lets a reader in). */
function journaledLevels(ts: number): { vwap: number; poc: number } {
  const db = new Database(journalPath, { readonly: true });
  try {
    return db.prepare(`SELECT vwap, poc FROM levels WHERE ts = ?`).get(ts) as { vwap: number; poc: number };
  } finally {
    db.close();
  }
}

describe('recorded sessions, the inspector, backup and restore in the browser', () => {
  it('lists the recorded sessions with their trades and P&L', async () => {
    await page.getByTestId('open-sessions').click();
    const rows = page.getByTestId('sessions-table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(11);
    const first = await page.locator(`tr[data-session$="/${SESSION}"]`).textContent();
    expect(first).toContain(basename(REAL_CSV));
    expect(first).toMatch(/PAPER · AUTO/);
    await shot('sessions-view.png');
    await page.getByRole('button', { name: 'Close' }).first().click();
  });

  it('opens a session, plays, steps back, and jumps to the next trade', async () => {
    await openSession(SESSION);
    expect(await cursor()).toBe(0);
    await expect.poll(() => page.getByTestId('verification').getAttribute('data-differences')).toBe('0');
    await page.getByTestId('speed-100x').click();
    await page.getByTestId('play').click();
    await expect.poll(cursor, { timeout: 20_000 }).toBeGreaterThan(3);
    await page.getByTestId('pause').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent()).toBe('paused');
    const at = await cursor();
    await expect.poll(() => chart('bars')).toBe(String(at));
    await page.getByTestId('step-back').click();
    await expect.poll(cursor).toBe(at - 1);
    await expect.poll(() => chart('bars')).toBe(String(at - 1));
    await page.getByTestId('next-trade').click();
    await expect.poll(cursor, { timeout: 10_000 }).toBeGreaterThan(at);
    await expect.poll(() => chart('fill-markers')).not.toBe('0');
    await expect.poll(() => page.getByTestId('trades').locator('tr[data-trade]').count()).toBeGreaterThan(0);
    await shot('session-next-trade.png');
  });

  it('opens the trade in the inspector: snapshots up to the cursor only, and copies them as JSON', async () => {
    await page.getByTestId('trades').locator('tr[data-trade]').first().click();
    const inspector = page.getByTestId('inspector');
    await inspector.getByTestId('snap-EXECUTION').waitFor({ timeout: 10_000 });
    for (const kind of ['snap-signal', 'snap-PRE_ANALYSIS', 'snap-DECISION', 'snap-EXECUTION']) expect(await inspector.getByTestId(kind).isVisible()).toBe(true);
    expect(await inspector.getByTestId('snap-FINAL_RESULT').count()).toBe(0); // the trade is still open at the cursor
    expect(await inspector.getByTestId('feature-weights').locator('tbody tr').count()).toBeGreaterThan(5);
    await inspector.getByTestId('copy-json').click();
    const copied = JSON.parse((await page.evaluate(() => (window as unknown as { __lastCopiedJson?: string }).__lastCopiedJson)) ?? 'null') as { snapshots: { kind: string }[] };
    expect(copied.snapshots.map((s) => s.kind)).toEqual(expect.arrayContaining(['PRE_ANALYSIS', 'DECISION', 'EXECUTION']));
    await shot('inspector.png');
    // Past the exit the outcome appears.
    await page.getByTestId('speed-max').click();
    await page.getByTestId('play').click();
    await expect.poll(() => page.getByTestId('replay-state').textContent(), { timeout: 20_000 }).toBe('ended');
    await inspector.getByTestId('snap-FINAL_RESULT').waitFor({ timeout: 10_000 });
    await inspector.getByRole('button', { name: 'Close' }).click();
  });

  it('draws nothing later than the scrubbed bar, and the levels the journal had at it', async () => {
    const target = 700;
    await page.getByTestId('scrubber').fill(String(target));
    await expect.poll(cursor, { timeout: 10_000 }).toBe(target);
    await expect.poll(() => chart('bars')).toBe(String(target));
    const lastTs = Number(await chart('last-bar-ts'));
    expect(Number(await chart('last-candle-ts'))).toBe(lastTs);
    expect(Number((await chart('last-marker-ts')) || 0)).toBeLessThanOrEqual(lastTs);
    expect(Number(await chart('last-vwap-ts'))).toBeLessThanOrEqual(lastTs);
    const levels = journaledLevels(lastTs);
    expect(await chart('levels')).toContain(`POC=${levels.poc}`);
    await shot('session-scrubbed.png');
  });

  it('scrubbed back before the trade, no panel shows its future: the trade list is empty and the inspector shows no execution or result (issue 17)', async () => {
    const bars = Number(await page.getByTestId('scrubber').getAttribute('max'));
    await page.getByTestId('scrubber').fill(String(bars));
    await expect.poll(cursor, { timeout: 10_000 }).toBe(bars);
    await expect.poll(() => page.getByTestId('trades').locator('tr[data-trade]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByTestId('trades').locator('tr[data-trade]').first().click();
    const inspector = page.getByTestId('inspector');
    await inspector.getByTestId('snap-FINAL_RESULT').waitFor({ timeout: 10_000 });
    await page.getByTestId('scrubber').fill('1');
    await expect.poll(cursor, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('trades').locator('tr[data-trade]').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => inspector.getByTestId('snap-FINAL_RESULT').count(), { timeout: 10_000 }).toBe(0);
    expect(await inspector.getByTestId('snap-EXECUTION').count()).toBe(0);
    expect(await page.getByTestId('realized').textContent()).toMatch(/^\$0\.00/);
    await shot('session-scrubbed-before-trade.png');
    await inspector.getByRole('button', { name: 'Close' }).click();
  });

  it('backs up with the button, survives a corrupted journal by restoring from the Sessions view, and shows the session again', async () => {
    await page.getByTestId('backup-now').click();
    await expect.poll(() => page.getByTestId('backup-status').getAttribute('data-phase'), { timeout: 30_000 }).toBe('done');
    const archive = (await page.getByTestId('backup-status').getAttribute('data-archive')) ?? '';
    expect(archive).toMatch(/mia-backup-.*\.zip$/);
    expect(existsSync(archive)).toBe(true);
    await shot('backup-done.png');

    // Corrupt the live journal on disk: the header and the pages after it.
    const fd = openSync(journalPath, 'r+');
    writeSync(fd, Buffer.alloc(64 * 1024, 0xa5), 0, 64 * 1024, 0);
    closeSync(fd);

    await page.getByTestId('open-sessions').click();
    const backups = page.getByTestId('backups');
    await backups.locator(`li[data-archive="${archive.split('/').pop()}"]`).getByTestId('restore').click();
    await backups.getByTestId('confirm-restore').click();
    await backups.getByTestId('restored').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('kill-switch').getAttribute('data-state')).toBe('HALTED');
    await expect.poll(() => page.getByTestId('sessions-table').locator('tbody tr').count(), { timeout: 10_000 }).toBe(11);
    await shot('restored.png');
    await page.locator(`tr[data-session$="/${SESSION}"]`).getByTestId('open-session').click();
    await expect.poll(() => page.getByTestId('recorded-bar').isVisible(), { timeout: 20_000 }).toBe(true);
    await page.getByTestId('next-trade').click();
    await expect.poll(() => chart('fill-markers'), { timeout: 10_000 }).not.toBe('0');
    await shot('restored-session.png');
    expect(consoleErrors).toEqual([]);
  });
});
