/**
 * `npm run bench:cycles` (issue 16, item 21): the engine's heap growth per
 * connect/disconnect cycle of each broker link, through the kernel's API, as
 * the Connections panel does it (DTC on the DTC peer, IB on the fake TWS;
 * each connect opens a live run and each disconnect ends it). Printed, never
 * asserted: after a warm-up, the heap used (after forced GCs) before and
 * after N cycles, divided by N. The peers run in this process and keep a log
 * of every request they receive; it is cleared each cycle so that the
 * figure is the engine's alone. Needs `node --expose-gc`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveClock } from '../../engine/clock.js';
import type { EngineApi } from '../../engine/contract.js';
import { createKernel } from '../../engine/kernel.js';
import { DtcPeer } from '../peers/dtc-server.js';
import { TwsPeer } from '../peers/tws-server.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** The heap used after forced collections, bytes. */
async function heapUsed(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().heapUsed;
}

/** Bytes per cycle of `cycle` over `n` cycles after `warmup`. */
async function perCycle(cycle: () => Promise<void>, warmup: number, n: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await cycle();
  const before = await heapUsed();
  for (let i = 0; i < n; i++) await cycle();
  return ((await heapUsed()) - before) / n;
}

async function measure(broker: 'dtc' | 'ib', n: number): Promise<void> {
  const peer = broker === 'dtc' ? new DtcPeer({ account: 'SIM-4711' }) : new TwsPeer();
  await peer.start();
  const dir = mkdtempSync(join(tmpdir(), 'mia-bench-cycles-'));
  const k = createKernel({ dataDir: dir, marketDataDir: dir, version: 'bench' }, new LiveClock());
  const api: EngineApi = k.api;
  await api.setRouting({ dataSource: broker, orderRoute: broker });
  const settings = broker === 'dtc' ? { broker, settings: { host: '127.0.0.1', port: peer.port, encoding: 'binary', username: '', symbol: 'ESZ3' } } : { broker, settings: { host: '127.0.0.1', port: peer.port, clientId: 7 } };
  const cycle = async (): Promise<void> => {
    await api.connect(settings as Parameters<EngineApi['connect']>[0]);
    await api.disconnect(broker);
    peer.received.length = 0;
  };
  const started = performance.now();
  const bytes = await perCycle(cycle, 50, n);
  const ms = (performance.now() - started) / (n + 50);
  console.log(`  ${broker === 'dtc' ? 'Sierra Chart DTC' : 'Interactive Brokers'}: ${bytes.toFixed(0)} B of heap per connect/disconnect cycle over ${n} cycles (${ms.toFixed(1)} ms a cycle)`);
  await k.close();
  await peer.stop();
}

async function main(): Promise<void> {
  if (gc === undefined) {
    console.error('bench:cycles needs node --expose-gc');
    process.exit(2);
  }
  const n = Number(process.env.MIA_BENCH_CYCLES ?? 1000);
  console.log('Engine heap growth per broker connect/disconnect cycle (after forced GC; peers in this process, their request logs cleared)');
  await measure('dtc', n);
  await measure('ib', n);
}

void main();
