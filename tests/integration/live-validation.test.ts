/**
 * Live records pass the same boundary checks as a file's (issue 15): a zero
 * price, a price off the 0.25 tick grid and a trade stamped before the one
 * before it, sent by the DTC peer and by the fake TWS, are rejected, counted
 * by reason and journaled with the run, and the run goes on: its bars are
 * the good trades' bars.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock.js';
import { createKernel, type Kernel } from '../../engine/kernel.js';
import { barTicks } from '../peers/data.js';
import { DtcPeer, type PeerTick } from '../peers/dtc-server.js';
import { TwsPeer } from '../peers/tws-server.js';
import { fileBars, ohlcv } from '../support/file-bars.js';
import { eventually } from '../support/manual-clock.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function kernel(): Kernel {
  const dataDir = mkdtempSync(join(tmpdir(), 'mia-live-validation-'));
  const k = createKernel({ dataDir, marketDataDir: dataDir, version: 'test' }, new LiveClock());
  cleanup.push(() => k.close());
  return k;
}

/** The good trades of 30 real bars with three bad ones after the 40th: a zero price, an off-grid price, a time 20 s back. */
async function ticksWithBadOnes(): Promise<{ ticks: PeerTick[]; expected: number[][] }> {
  const bars = await fileBars(30);
  const good = barTicks(bars);
  const at = good[40] as PeerTick;
  const bad: PeerTick[] = [
    { ...at, price: 0 },
    { ...at, price: at.price + 0.1 },
    { ...at, ts: at.ts - 20_000 },
  ];
  return { ticks: [...good.slice(0, 41), ...bad, ...good.slice(41)], expected: bars.map(ohlcv) };
}

async function expectRejectedAndGoingOn(k: Kernel, expected: number[][]): Promise<void> {
  await eventually(async () => expect((await k.api.getReplaySnapshot()).forming?.bar.volume).toBe(expected.at(-1)?.[5]));
  const snap = await k.api.getReplaySnapshot();
  expect(snap.status.rejectedByReason).toEqual({ 'non-positive-price': 1, 'off-tick-grid': 1, 'time-backwards': 1 });
  expect(snap.status.rejected).toBe(3);
  expect(snap.rejections.map((r) => [r.field, r.reason])).toEqual([
    ['price', 'non-positive-price'],
    ['price', 'off-tick-grid'],
    ['ts', 'time-backwards'],
  ]);
  expect([...snap.bars, snap.forming!.bar].map(ohlcv)).toEqual(expected);
  const runId = snap.status.runId;
  // The journal keeps them like a file's rejections (written with the next flush).
  await eventually(() => {
    const rows = k.db!.prepare('SELECT field, reason FROM rejections WHERE run_id = ? ORDER BY seq').all(runId) as { field: string; reason: string }[];
    expect(rows.map((r) => [r.field, r.reason])).toEqual([
      ['price', 'non-positive-price'],
      ['price', 'off-tick-grid'],
      ['ts', 'time-backwards'],
    ]);
  });
}

describe('live records are checked at the boundary like a file’s', () => {
  it('Sierra Chart DTC: a zero price, an off-grid price and a time going back are rejected, counted and journaled; the run goes on', async () => {
    const peer = new DtcPeer({ account: 'SIM-4711' });
    await peer.start();
    cleanup.push(() => peer.stop());
    const k = kernel();
    await k.api.setRouting({ dataSource: 'dtc', orderRoute: 'dtc' });
    await k.api.connect({ broker: 'dtc', settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } });
    await eventually(() => expect(peer.subscribers()).toBe(1));
    const { ticks, expected } = await ticksWithBadOnes();
    await peer.stream(ticks, { trade: 112, quote: 117 });
    await expectRejectedAndGoingOn(k, expected);
  });

  it('Interactive Brokers: the same three trades from TWS are rejected, counted and journaled; the run goes on', async () => {
    const { ticks, expected } = await ticksWithBadOnes();
    const peer = new TwsPeer({ account: 'DU4711', nowMs: ticks[0]!.ts });
    await peer.start();
    cleanup.push(() => peer.stop());
    const k = kernel();
    await k.api.setRouting({ dataSource: 'ib', orderRoute: 'ib' });
    await k.api.connect({ broker: 'ib', settings: { host: '127.0.0.1', port: peer.port, clientId: 3 } });
    await eventually(() => expect([peer.subscribers('AllLast'), peer.subscribers('BidAsk')]).toEqual([1, 1]));
    await peer.stream(ticks);
    await expectRejectedAndGoingOn(k, expected);
  });
});
