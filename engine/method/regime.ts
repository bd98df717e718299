/**
 * Market regime and strategy selection (battle-navale.md section 9).
 * Trend strength = 0.4 Dow structure + 0.35 min(|VWAP slope over 10 bars| / 2, 1)
 * + 0.25 min(|20-bar return| / (2 ATR14), 1); TREND_BULL/BEAR at >= 0.6 when
 * structure and slope agree, RANGE below 0.35, TRANSITION otherwise.
 */
import type { MethodConfig } from './config.js';
import type { BarHistory } from './history.js';

/** Market regime. */
export type Regime = 'TREND_BULL' | 'TREND_BEAR' | 'RANGE' | 'TRANSITION';

/** Dow structure of the swing points. */
export interface DowStructure {
  /** The larger of the bullish and bearish shares, 0..1. */
  readonly share: number;
  /** +1 bullish (HH/HL dominate), -1 bearish, 0 tie or no swings. */
  readonly direction: -1 | 0 | 1;
  readonly swingHighs: number;
  readonly swingLows: number;
}

/** The regime and its terms. */
export interface RegimeState {
  readonly regime: Regime;
  readonly strength: number;
  readonly structure: DowStructure;
  /** Points over 10 bars (input). */
  readonly vwapSlope: number;
  /** ATR14, points (simple mean of 14 true ranges); NaN before 15 bars. */
  readonly atr: number;
}

/**
 * Share of higher highs and higher lows (or lower highs and lower lows) among
 * consecutive 5-bar pivots (a high above the 2 bars each side, strictly) of the
 * last `swingBars` bars. A pivot needs its 2 later bars complete, so the newest
 * 2 bars are never pivots yet.
 */
export function dowStructure(h: BarHistory, swingBars: number, side: number): DowStructure {
  const n = Math.min(swingBars, h.length);
  let lastHigh = Number.NaN;
  let lastLow = Number.NaN;
  let up = 0;
  let down = 0;
  let pairs = 0;
  let highs = 0;
  let lows = 0;
  // ago from oldest to newest candidate pivot.
  for (let ago = n - 1 - side; ago >= side; ago--) {
    const b = h.at(ago);
    let isHigh = true;
    let isLow = true;
    for (let k = 1; k <= side && (isHigh || isLow); k++) {
      const before = h.at(ago + k);
      const after = h.at(ago - k);
      if (!(b.high > before.high && b.high > after.high)) isHigh = false;
      if (!(b.low < before.low && b.low < after.low)) isLow = false;
    }
    if (isHigh) {
      highs++;
      if (!Number.isNaN(lastHigh)) {
        pairs++;
        if (b.high > lastHigh) up++;
        else if (b.high < lastHigh) down++;
      }
      lastHigh = b.high;
    }
    if (isLow) {
      lows++;
      if (!Number.isNaN(lastLow)) {
        pairs++;
        if (b.low > lastLow) up++;
        else if (b.low < lastLow) down++;
      }
      lastLow = b.low;
    }
  }
  if (pairs === 0) return { share: 0, direction: 0, swingHighs: highs, swingLows: lows };
  return { share: Math.max(up, down) / pairs, direction: up > down ? 1 : down > up ? -1 : 0, swingHighs: highs, swingLows: lows };
}

/** Mean true range of the newest `bars` bars; NaN when fewer than bars + 1 exist. */
export function averageTrueRange(h: BarHistory, bars: number): number {
  if (h.length < bars + 1) return Number.NaN;
  let sum = 0;
  for (let ago = 0; ago < bars; ago++) {
    const b = h.at(ago);
    const pc = h.at(ago + 1).close;
    sum += Math.max(b.high - b.low, Math.abs(b.high - pc), Math.abs(b.low - pc));
  }
  return sum / bars;
}

/** The regime at the newest bar, given the VWAP slope over 10 bars (points). */
export function regimeOf(h: BarHistory, vwapSlope: number, c: MethodConfig['regime']): RegimeState {
  const structure = dowStructure(h, c.swingBars, c.pivotSide);
  const atr = averageTrueRange(h, c.atrBars);
  const ret = h.length > c.returnBars ? h.at(0).close - h.at(c.returnBars).close : 0;
  const retScore = atr > 0 ? Math.min(Math.abs(ret) / (2 * atr), 1) : 0;
  const strength = 0.4 * structure.share + 0.35 * Math.min(Math.abs(vwapSlope) / 2, 1) + 0.25 * retScore;
  let regime: Regime = 'TRANSITION';
  if (strength >= c.trendAt && structure.direction > 0 && vwapSlope > 0) regime = 'TREND_BULL';
  else if (strength >= c.trendAt && structure.direction < 0 && vwapSlope < 0) regime = 'TREND_BEAR';
  else if (strength < c.rangeBelow) regime = 'RANGE';
  return { regime, strength, structure, vwapSlope, atr };
}
