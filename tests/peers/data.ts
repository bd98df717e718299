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
/** Sierra Chart's markers of an unbundled trade's first and last sub-trade in a tick record's Open field, as float32. */
const FIRST_SUB_TRADE = Math.fround(-1.99900095e37);
const LAST_SUB_TRADE = Math.fround(-1.99900197e37);

export function scidFileTicks(file: string): PeerTick[] {
  const b = readFileSync(file);
  const headerSize = b.readUInt32LE(4);
  const recordSize = b.readUInt32LE(8);
  const out: PeerTick[] = [];
  for (let o = headerSize; o + recordSize <= b.length; o += recordSize) {
    const us = b.readBigInt64LE(o) - SCID_EPOCH_US;
    const open = b.readFloatLE(o + 8);
    const bidVol = b.readUInt32LE(o + 32);
    const askVol = b.readUInt32LE(o + 36);
    out.push({
      ts: Number(us) / 1000,
      price: b.readFloatLE(o + 20),
      size: b.readUInt32LE(o + 28),
      at: askVol > 0 ? 2 : bidVol > 0 ? 1 : 0,
      bid: b.readFloatLE(o + 16),
      ask: b.readFloatLE(o + 12),
      // Sierra Chart's Open-field markers of an unbundled trade (IntradayRecord.h; DTC documentation, "Historical Price Data").
      unbundled: open === FIRST_SUB_TRADE ? 1 : open === LAST_SUB_TRADE ? 2 : 0,
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

/** One option of a CBOE chain file, as the fake TWS serves it. */
export interface ChainRow {
  /** SPX (monthly, AM-settled) or SPXW (weeklies), from the option root. */
  readonly tradingClass: 'SPX' | 'SPXW';
  /** YYYYMMDD. */
  readonly expiry: string;
  readonly strike: number;
  readonly right: 'C' | 'P';
  /** Fraction (0.2 = 20%). */
  readonly iv: number;
  readonly delta: number;
  /** Per option per 1 index point. */
  readonly gamma: number;
  readonly openInterest: number;
  /** The day's volume, contracts. */
  readonly volume: number;
  /** Last sale, index points. */
  readonly price: number;
}

/**
 * The options of a CBOE quote-table CSV (calls then puts on one line per
 * expiration and strike; header lines found by their text), read here on its
 * own so the peer does not share the engine's chain reader.
 */
export function chainRows(file: string): ChainRow[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const head = lines.findIndex((l) => l.startsWith('Expiration Date,'));
  const out: ChainRow[] = [];
  for (const line of lines.slice(head + 1)) {
    const c = line.split(',');
    if (c.length < 22) continue;
    const strike = Number(c[11]);
    for (const [right, at] of [['C', 1], ['P', 12]] as const) {
      const root = /^(SPXW?)(\d{2})(\d{2})(\d{2})[CP]/.exec(c[at] ?? '');
      if (root === null) continue;
      out.push({
        tradingClass: root[1] as 'SPX' | 'SPXW', expiry: `20${root[2]}${root[3]}${root[4]}`, strike, right,
        price: Number(c[at + 1]), volume: Number(c[at + 5]), iv: Number(c[at + 6]), delta: Number(c[at + 7]), gamma: Number(c[at + 8]), openInterest: Number(c[at + 9]),
      });
    }
  }
  return out;
}
