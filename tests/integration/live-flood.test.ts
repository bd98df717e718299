/**
 * Floods (issue 6): each peer streams the whole real CSV as trades (every
 * bar of 15,176 rebuilt by its trades) as fast as the socket takes them into
 * a live run through the kernel. The rate is printed in contracts a second
 * beside the file's busiest minute: the flood must be more than 10x that.
 * Every bar must come out identical and every trade recorded; the peak memory
 * is printed (memory is measured, not asserted).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock.js';
import { createKernel, type Kernel } from '../../engine/kernel.js';
import { barTicks } from '../peers/data.js';
import { DtcPeer } from '../peers/dtc-server.js';
import { TwsPeer } from '../peers/tws-server.js';
import { eventually } from '../support/manual-clock.js';
import { fileBars, ohlcv } from '../support/file-bars.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});


function kernel(): Kernel {
  const dataDir = mkdtempSync(join(tmpdir(), 'mia-flood-'));
  const k = createKernel({ dataDir, marketDataDir: dataDir, version: 'test' }, new LiveClock());
  cleanup.push(() => k.close());
  return k;
}

/** Samples RSS and heap every 25 ms while `work` runs; returns the contracts a second streamed. */
async function measured(label: string, trades: number, contracts: number, busiestPerSec: number, work: () => Promise<void>): Promise<number> {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 25);
  const t0 = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const s = (performance.now() - t0) / 1000;
  const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
  const after = process.memoryUsage();
  const rate = contracts / s;
  console.log(
    `${label}: ${trades.toLocaleString('en-US')} trades, ${contracts.toLocaleString('en-US')} contracts in ${s.toFixed(1)} s: ${Math.round(rate).toLocaleString('en-US')} contracts/s, ` +
      `${(rate / busiestPerSec).toFixed(0)}x the file's busiest minute (${Math.round(busiestPerSec).toLocaleString('en-US')} contracts/s); ` +
      `RSS ${mib(before.rss)} -> peak ${mib(peakRss)} -> ${mib(after.rss)}; heap ${mib(before.heapUsed)} -> peak ${mib(peakHeap)} -> ${mib(after.heapUsed)}`,
  );
  return rate;
}

describe('floods through the kernel', () => {
  it.each(['ib', 'dtc'] as const)('%s: the whole real CSV as fast as the socket takes it: identical bars, every trade recorded, memory printed', async (broker) => {
    const bars = await fileBars();
    const ticks = barTicks(bars);
    const contracts = ticks.reduce((a, t) => a + t.size, 0);
    const busiest = Math.max(...bars.map((b) => b.volume)) / 60;
    let rate = 0;
    const k = kernel();
    if (broker === 'ib') {
      const peer = new TwsPeer();
      await peer.start();
      cleanup.push(() => peer.stop());
      await k.api.setRouting({ dataSource: 'ib', orderRoute: 'ib' });
      await k.api.connect({ broker: 'ib', settings: { host: '127.0.0.1', port: peer.port, clientId: 5 } });
      await eventually(() => expect([peer.subscribers('AllLast'), peer.subscribers('BidAsk')]).toEqual([1, 1]));
      rate = await measured('fake TWS flood', ticks.length, contracts, busiest, async () => {
        await peer.stream(ticks);
        await eventually(async () => expect((await k.api.getConnections()).recordings[0]?.records).toBe(ticks.length), 60_000);
      });
    } else {
      const peer = new DtcPeer();
      await peer.start();
      cleanup.push(() => peer.stop());
      await k.api.setRouting({ dataSource: 'dtc', orderRoute: 'dtc' });
      await k.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
      await eventually(() => expect(peer.subscribers()).toBe(1));
      rate = await measured('DTC peer flood', ticks.length, contracts, busiest, async () => {
        await peer.stream(ticks, { trade: 112, quote: 117 });
        await eventually(async () => expect((await k.api.getConnections()).recordings[0]?.records).toBe(ticks.length), 60_000);
      });
    }
    expect(rate).toBeGreaterThan(10 * busiest);
    await eventually(async () => expect((await k.api.getReplaySnapshot()).forming?.bar.volume).toBe(bars.at(-1)?.volume), 30_000);
    const snap = await k.api.getReplaySnapshot();
    expect([...snap.bars, snap.forming!.bar].map(ohlcv)).toEqual(bars.map(ohlcv));
  }, 120_000);
});
