/**
 * Market data for the protocol peers, from the real files in ../shared/data:
 * - a SCID file's ticks, read here from Sierra Chart's documented layout (not
 *   with the engine's reader: the peers stay independent of the code under test);
 * - a bar file's bars as trades: each bar becomes the trades of its path
 *   open -> nearer extreme -> farther extreme -> close (equal neighbours merged),
 *   at 0/15/30/45 s into the minute, its volume split over them, the remainder
 *   on the close. Those trades rebuild the bar exactly (OHLC and volume).
 */
import { readFileSync } from 'node:fs';
import type { Bar } from '../../engine/domain.js';
import type { PeerTick } from './dtc-server.js';

const SCID_EPOCH_US = 2_209_161_600_000_000n;

/** Every record of a SCID tick file as a peer tick (Close = price, High = ask, Low = bid). */
export function scidFileTicks(file: string): PeerTick[] {
  const b = readFileSync(file);
  const headerSize = b.readUInt32LE(4);
  const recordSize = b.readUInt32LE(8);
  const out: PeerTick[] = [];
  for (let o = headerSize; o + recordSize <= b.length; o += recordSize) {
    const us = b.readBigInt64LE(o) - SCID_EPOCH_US;
    const bidVol = b.readUInt32LE(o + 32);
    const askVol = b.readUInt32LE(o + 36);
    out.push({
      ts: Number(us) / 1000,
      price: b.readFloatLE(o + 20),
      size: b.readUInt32LE(o + 28),
      at: askVol > 0 ? 2 : bidVol > 0 ? 1 : 0,
      bid: b.readFloatLE(o + 16),
      ask: b.readFloatLE(o + 12),
    });
  }
  return out;
}

/** The trades that rebuild each bar (see the module header). Tick size in points. */
export function barTicks(bars: readonly Bar[], tickSize = 0.25): PeerTick[] {
  const out: PeerTick[] = [];
  for (const bar of bars) {
    const highFirst = bar.high - bar.open <= bar.open - bar.low;
    const path = [bar.open, highFirst ? bar.high : bar.low, highFirst ? bar.low : bar.high, bar.close].filter((p, i, a) => i === 0 || p !== a[i - 1]);
    const each = Math.floor(bar.volume / path.length);
    path.forEach((price, i) => {
      const size = i === path.length - 1 ? bar.volume - each * (path.length - 1) : each;
      if (size <= 0) return;
      const up = i === 0 ? bar.close >= bar.open : price > (path[i - 1] as number);
      out.push({ ts: bar.ts + i * 15_000, price, size, at: up ? 2 : 1, bid: up ? price - tickSize : price, ask: up ? price : price + tickSize });
    });
  }
  return out;
}
