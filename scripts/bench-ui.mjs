// `npm run bench:ui`: how smooth the window stays while the whole real CSV
// (11 sessions, 15,176 bars) replays at max speed with an SPX chain loaded,
// the Battle Navale method running and its markers, base boxes and gamma
// lines drawn. Starts the built headless shell, opens it in Chromium
// (MIA_CHROMIUM or /usr/bin/chromium), records the gap between animation
// frames during the replay, and prints the figures.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startShellProcess } from './headless-process.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const csv = resolve(process.argv[2] ?? join(root, '../shared/data/es/ES_1min_2023-09-24_2023-10-09.csv'));
const chain = resolve(process.argv[3] ?? join(root, '../shared/data/options/spx_quotedata_2023-08-20.csv'));
const shell = await startShellProcess(['--data-dir', mkdtempSync(join(tmpdir(), 'mia-bench-ui-'))]);
const url = shell.url;
const browser = await chromium.launch({ executablePath: process.env.MIA_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(url);
  await page.getByTestId('chart').waitFor();
  await page.getByTestId('exec-AUTO').click(); // play straight through: MANUAL would pause at each queued signal
  await page.getByTestId('chain-path').fill(chain);
  await page.getByTestId('chain-basis').fill('40');
  await page.getByTestId('load-chain').click();
  await page.getByTestId('gamma-legend').waitFor();
  await page.getByTestId('file-path').fill(csv);
  await page.getByTestId('open-file').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=replay-state]')?.textContent === 'paused');
  await page.getByTestId('speed-max').click();
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      w.__frames.push(t - last);
      last = t;
      // Done when the engine has ended and the chart holds every bar it processed.
      const processed = (document.querySelector('[data-testid=status-bars]')?.textContent ?? '').replace(/\D/g, '');
      const done = document.querySelector('[data-testid=replay-state]')?.textContent === 'ended' && document.querySelector('[data-testid=chart]')?.getAttribute('data-bars') === processed;
      if (!done) requestAnimationFrame(tick);
      else w.__doneAt = t;
    };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  await page.getByTestId('play').click();
  await page.waitForFunction(() => window.__doneAt !== undefined, null, { timeout: 120_000 });
  const wallMs = Date.now() - t0;
  const frames = (await page.evaluate(() => window.__frames)).slice(1).sort((a, b) => a - b);
  const q = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))].toFixed(1);
  const bars = await page.getByTestId('chart').getAttribute('data-bars');
  console.log(`Replay of ${bars} bars at max speed, all drawn in Chromium: ${wallMs} ms wall`);
  console.log(`Frames: ${frames.length}; gap between frames median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${frames[frames.length - 1].toFixed(1)} ms`);
  const chart = page.getByTestId('chart');
  console.log(`Annotations: ${await chart.getAttribute('data-markers')} signal markers, ${await chart.getAttribute('data-violations')} violation marks, ${await chart.getAttribute('data-bases')} bases; gamma lines ${await chart.getAttribute('data-gamma-lines')}`);
} finally {
  await browser.close();
  await shell.stop();
}
