/**
 * The levels of one session (battle-navale.md section 6): VWAP and its sigma,
 * the developing volume profile's POC/VAH/VAL, high, low and volume, plus
 * the previous session's POC/VAH/VAL (pPOC/pVAH/pVAL).
 */
import type { SessionInfo } from '../time/sessions.js';
import { VolumeProfile, type ValueArea } from './profile.js';
import { SessionVwap } from './vwap.js';

/** Levels at one instant, in points; NaN where not yet defined. */
export interface LevelsSnapshot {
  readonly sessionId: string;
  readonly vwap: number;
  readonly vwapSigma: number;
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
  readonly pPoc: number;
  readonly pVah: number;
  readonly pVal: number;
  readonly sessionHigh: number;
  readonly sessionLow: number;
}

/** What a session looked like at its last bar. Prices in points, times Unix ms. */
export interface SessionSummary {
  readonly id: string;
  readonly kind: SessionInfo['kind'];
  /** Open time of the session's first bar. */
  readonly startTs: number;
  /** End time of the session's last bar. */
  readonly endTs: number;
  readonly bars: number;
  readonly volume: number;
  readonly high: number;
  readonly low: number;
  readonly vwap: number;
  readonly vwapSigma: number;
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
}

/** Running state of one session's levels. */
export class SessionLevels {
  readonly info: SessionInfo;
  readonly vwap = new SessionVwap();
  readonly profile: VolumeProfile;
  private readonly previous: ValueArea | null;
  high = Number.NEGATIVE_INFINITY;
  low = Number.POSITIVE_INFINITY;
  bars = 0;
  startTs = Number.NaN;
  endTs = Number.NaN;

  /** @param previous the previous session's value area, for pPOC/pVAH/pVAL. */
  constructor(info: SessionInfo, tickSize: number, previous: ValueArea | null) {
    this.info = info;
    this.profile = new VolumeProfile(tickSize);
    this.previous = previous;
  }

  /** Adds a trade. */
  addTrade(price: number, size: number): void {
    this.vwap.add(price, size);
    this.profile.addTrade(price, size);
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
  }

  /** Adds a whole bar (bar files). */
  addBar(high: number, low: number, close: number, volume: number): void {
    this.vwap.addBar(high, low, close, volume);
    this.profile.addBar(low, high, volume);
    if (high > this.high) this.high = high;
    if (low < this.low) this.low = low;
  }

  /** Counts a completed bar `[ts, endTs)` of this session. */
  countBar(ts: number, endTs: number): void {
    if (this.bars === 0) this.startTs = ts;
    this.bars += 1;
    this.endTs = endTs;
  }

  /** The levels now. O(rows in the value area). */
  snapshot(): LevelsSnapshot {
    const va = this.profile.valueArea();
    return {
      sessionId: this.info.id,
      vwap: this.vwap.vwap,
      vwapSigma: this.vwap.sigma,
      poc: va?.poc ?? Number.NaN,
      vah: va?.vah ?? Number.NaN,
      val: va?.val ?? Number.NaN,
      pPoc: this.previous?.poc ?? Number.NaN,
      pVah: this.previous?.vah ?? Number.NaN,
      pVal: this.previous?.val ?? Number.NaN,
      sessionHigh: this.high,
      sessionLow: this.low,
    };
  }

  /**
   * The session as it stands, for the journal and the CLI. Pass the value
   * area when the caller already has it (it costs O(rows in the area)).
   */
  summary(va: ValueArea | null = this.profile.valueArea()): SessionSummary {
    return {
      id: this.info.id,
      kind: this.info.kind,
      startTs: this.startTs,
      endTs: this.endTs,
      bars: this.bars,
      volume: this.vwap.volume,
      high: this.high,
      low: this.low,
      vwap: this.vwap.vwap,
      vwapSigma: this.vwap.sigma,
      poc: va?.poc ?? Number.NaN,
      vah: va?.vah ?? Number.NaN,
      val: va?.val ?? Number.NaN,
    };
  }
}
