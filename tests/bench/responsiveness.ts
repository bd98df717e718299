/**
 * `npm run bench`, responsiveness part (issue 15): while the built headless
 * shell replays the whole real CSV at max speed in Chromium (AUTO, an SPX
 * chain loaded, every annotation drawn), twice (straight through, then with
 * pauses), and a second process keeps the other core busy, it measures and
 * prints (figures are measured, never asserted):
 *
 * - the watchdog's heartbeat round trip (the shell's IPC to the engine
 *   process and back, one beat every 100 ms instead of 500), median and p99,
 *   and how often it restarted the engine;
 * - RPC round trip: `ping()` every 20 ms from a second client over the
 *   shell's WebSocket (the same path as the window's RPCs and the engine's
 *   events: engine process, shell IPC, WebSocket), median and p99;
 * - pause latency: from the window's Pause click (in the page) to the
 *   engine's answer reaching the window's script (the engine has paused by
 *   then) and to the window showing `paused`, median and p99 over several
 *   pauses, and whether the engine's market clock read twice 500 ms later is
 *   unchanged;
 * - the window's frame gaps during the straight replay (as `npm run
 *   bench:ui`), median and p95.
 *
 * Targets on the 2-core reference machine (issue 15): heartbeat and RPC p99
 * < 50 ms, pause p99 < 100 ms, frame gap p95 <= 20 ms. `MIA_BENCH_NO_LOAD=1` runs
 * without the busy process, for comparison. The shell, the engine and
 * Chromium each run in their own process, as the app does; the shell writes
 * the heartbeats' round trips to a file (`--heartbeat-log`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startShellAt } from '../../scripts/shell-at.mjs';
import { connectTestClient } from '../support/ws-client.js';

const REAL_CSV = resolve(process.argv[2] ?? '../shared/data/es/ES_1min_2023-09-24_2023-10-09.csv');
const CHAIN = resolve('../shared/data/options/spx_quotedata_2023-08-20.csv');
const CHROMIUM = process.env.MIA_CHROMIUM ?? '/usr/bin/chromium';
const PAUSES = 12;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function summary(label: string, ms: readonly number[], q2 = 0.99): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return `  ${label}: median ${at(0.5).toFixed(1)} ms, p${Math.round(q2 * 100)} ${at(q2).toFixed(1)} ms, max ${at(1).toFixed(1)} ms over ${s.length} samples`;
}

async function main(): Promise<void> {
  const loaded = process.env.MIA_BENCH_NO_LOAD !== '1';
  console.log(`\nResponsiveness during a max-speed replay of ${REAL_CSV} in Chromium${loaded ? ', with a second process keeping a core busy' : ', no other load'}`);
  const busy = loaded ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : null;
  // The shell in its own process, as the app runs it, writing each heartbeat's round trip to a file.
  const dir = mkdtempSync(join(tmpdir(), 'mia-bench-resp-'));
  const heartbeatLog = join(dir, 'heartbeats.txt');
  const shell = await startShellAt(resolve('dist/main/headless.cjs'), ['--data-dir', join(dir, 'data'), '--heartbeat-log', heartbeatLog]);
  let restarts = 0;
  shell.child.stderr?.on('data', (d: Buffer) => {
    restarts += (String(d).match(/engine restarted by the watchdog/g) ?? []).length;
  });
  const url = new URL(shell.url);
  const beatsBefore = (): number => (existsSync(heartbeatLog) ? readFileSync(heartbeatLog, 'utf8').split('\n').filter(Boolean).length : 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const client = await connectTestClient(Number(url.port), url.searchParams.get('token') ?? '');
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    // When each RPC answer reaches the window's script (a wrapper on the WebSocket's onmessage): the pause's answer says the engine has paused.
    await page.addInitScript(() => {
      const w = window as unknown as { __rpcAt: number[] };
      w.__rpcAt = [];
      const stock = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage') as PropertyDescriptor;
      Object.defineProperty(WebSocket.prototype, 'onmessage', {
        set(fn: (e: MessageEvent) => void) {
          stock.set?.call(this, (e: MessageEvent) => {
            if (typeof e.data === 'string' && e.data.startsWith('{"ch":"rpc"')) w.__rpcAt.push(performance.now());
            fn(e);
          });
        },
        get() {
          return stock.get?.call(this);
        },
      });
    });
    await page.goto(shell.url);
    await page.getByTestId('chart').waitFor();
    await page.getByTestId('exec-AUTO').click();
    await page.getByTestId('chain-path').fill(CHAIN);
    await page.getByTestId('chain-basis').fill('40');
    await page.getByTestId('load-chain').click();
    await page.getByTestId('gamma-legend').waitFor();
    // Done when the engine has ended and the chart holds every bar it processed.
    const drawnToTheEnd = (): Promise<unknown> =>
      page.waitForFunction(
        () => {
          const processed = (document.querySelector('[data-testid=status-bars]')?.textContent ?? '').replace(/\D/g, '');
          return document.querySelector('[data-testid=replay-state]')?.textContent === 'ended' && document.querySelector('[data-testid=chart]')?.getAttribute('data-bars') === processed;
        },
        null,
        { timeout: 300_000 },
      );
    const openAtMax = async (): Promise<void> => {
      await page.getByTestId('file-path').fill(REAL_CSV);
      await page.getByTestId('open-file').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=replay-state]')?.textContent === 'paused');
      await page.getByTestId('speed-max').click();
    };

    // RPC round trips all through both replays.
    const rtts: number[] = [];
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        const t0 = performance.now();
        await client.api.ping();
        rtts.push(performance.now() - t0);
        await sleep(20);
      }
    })();

    // 1. The whole file at max without a pause, as bench:ui: the window's frame gaps.
    await openAtMax();
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __stop: boolean };
      w.__frames = [];
      w.__stop = false;
      let last = performance.now();
      const tick = (t: number): void => {
        w.__frames.push(t - last);
        last = t;
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    let t0 = Date.now();
    const firstBeat = beatsBefore();
    await page.getByTestId('play').click();
    await drawnToTheEnd();
    const straightMs = Date.now() - t0;
    const frames = ((await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __stop: boolean };
      w.__stop = true;
      return w.__frames;
    })) as number[]).slice(1);

    // 2. Again, with pauses: how soon a pause takes effect and shows.
    await openAtMax();
    t0 = Date.now();
    await page.getByTestId('play').click();
    const pauses: number[] = [];
    const answers: number[] = [];
    let stillAfter = 0;
    for (let i = 0; i < PAUSES; i += 1) {
      await sleep(300);
      if ((await client.api.play()).state !== 'playing') break; // already playing: play() only reports the status
      // In the page: the click, then the moment the window says paused (a MutationObserver, no frame wait).
      const [ms, answeredMs] = await page.evaluate(
        () =>
          new Promise<[number, number]>((resolvePause) => {
            const state = document.querySelector('[data-testid=replay-state]') as HTMLElement;
            const rpcAt = (window as unknown as { __rpcAt: number[] }).__rpcAt;
            const start = performance.now();
            const done = (): boolean => {
              if (state.textContent !== 'paused' && state.textContent !== 'ended') return false;
              const answer = rpcAt.find((t) => t >= start);
              // No reply yet: the engine's status event said paused first, so it had taken effect by now (an upper bound).
              const shown = performance.now() - start;
              resolvePause([shown, answer === undefined ? shown : answer - start]);
              return true;
            };
            const obs = new MutationObserver(() => {
              if (done()) obs.disconnect();
            });
            obs.observe(state, { childList: true, characterData: true, subtree: true });
            (document.querySelector('[data-testid=pause]') as HTMLButtonElement).click();
          }),
      );
      pauses.push(ms);
      answers.push(answeredMs);
      // The market clock as the engine has it (getExecution is light; a whole snapshot would load the engine).
      const a = (await client.api.getExecution()).marketTs;
      await sleep(500);
      const b = (await client.api.getExecution()).marketTs;
      if (a === b) stillAfter += 1;
      if ((await page.getByTestId('replay-state').textContent()) !== 'paused') break; // it ended meanwhile
      await page.getByTestId('play').click();
    }
    await drawnToTheEnd();
    const pausedMs = Date.now() - t0;
    const heartbeats = readFileSync(heartbeatLog, 'utf8').split('\n').filter(Boolean).slice(firstBeat).map(Number);
    pinging = false;
    await pinger;
    const bars = await page.getByTestId('chart').getAttribute('data-bars');
    console.log(`  ${bars} bars replayed and drawn in ${straightMs} ms wall straight through, ${pausedMs} ms with ${pauses.length} pauses of 0.5 s`);
    console.log(summary('heartbeat round trip (shell to engine and back)', heartbeats));
    console.log(`  engine restarts by the watchdog: ${restarts}`);
    console.log(summary('RPC round trip (ping over the WebSocket)', rtts));
    console.log(summary('window frame gaps (straight through)', frames, 0.95));
    console.log(summary("pause takes effect (click to the engine's answer in the window)", answers));
    console.log(summary('pause shown (click to paused in the window)', pauses));
    console.log(`  market clock unchanged 500 ms after the pause: ${stillAfter} of ${pauses.length}`);
  } finally {
    client.close();
    await browser.close();
    await shell.stop();
    busy?.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
