/**
 * Sierra Chart's three bar patterns (battle-navale.md section 4), evaluated
 * when the pattern's last bar completes: z = the bar just completed, y the one
 * before, x before that, w before that. Only completed bars are read; the
 * original system's peek at a simulated next bar is gone.
 */
import type { Bar } from '../domain.js';
import type { BarHistory } from './history.js';

/** Strengths in [0, 1]; 0 when the pattern is absent. */
export interface PatternStrengths {
  /** Long Down-Up (bullish, 3 bars). */
  readonly longDownUp: number;
  /** Long Up-Down (bearish, 3 bars). */
  readonly longUpDown: number;
  /** Color Down Setting (bearish, 4 bars). */
  readonly colorDownSetting: number;
}

/** Long Down-Up strength for bars x, y, z; `avgVolY` = avgVol20 of bar y; `t` the tick size. */
export function longDownUp(x: Bar, y: Bar, z: Bar, avgVolY: number, t: number): number {
  const ok = y.open < x.close && x.high > y.low + 8 * t && z.open > y.close && z.high > y.low + 8 * t && z.high > x.high;
  if (!ok) return 0;
  return 0.7 * Math.min((x.high - y.low) / (16 * t), 1) + 0.3 * volumeTerm(y.volume, avgVolY);
}

/** Long Up-Down strength for bars x, y, z; `avgVolY` = avgVol20 of bar y. */
export function longUpDown(x: Bar, y: Bar, z: Bar, avgVolY: number, t: number): number {
  const ok = y.open > x.close && y.high > x.low + 8 * t && z.open < y.close && y.high > z.low + 8 * t && z.low < x.low;
  if (!ok) return 0;
  return 0.7 * Math.min((y.high - x.low) / (16 * t), 1) + 0.3 * volumeTerm(y.volume, avgVolY);
}

/** Color Down Setting strength for bars w, x, y, z. */
export function colorDownSetting(w: Bar, x: Bar, y: Bar, z: Bar, t: number): number {
  const ok =
    z.open < y.close && y.high > z.low + 12 * t && z.low < y.low && x.open < w.close && w.high > x.low + 12 * t && x.low < w.low && y.high < x.high;
  if (!ok) return 0;
  return 0.8 * Math.min((w.high - x.low) / (24 * t), 1);
}

function volumeTerm(volume: number, avg: number): number {
  return avg > 0 ? Math.min(volume / avg, 1) : volume > 0 ? 1 : 0;
}

/** The three patterns at the newest bar of `h` (0 where too few bars exist). */
export function patternStrengths(h: BarHistory, t: number): PatternStrengths {
  const n = h.length;
  if (n < 3) return { longDownUp: 0, longUpDown: 0, colorDownSetting: 0 };
  const z = h.at(0);
  const y = h.at(1);
  const x = h.at(2);
  const avgY = h.avgVolumeAt(1);
  return {
    longDownUp: longDownUp(x, y, z, avgY, t),
    longUpDown: longUpDown(x, y, z, avgY, t),
    colorDownSetting: n < 4 ? 0 : colorDownSetting(h.at(3), x, y, z, t),
  };
}

/** Directional strength ps: LONG -> Long Down-Up; SHORT -> the larger bearish one; none -> the largest. */
export function directionalPatternStrength(p: PatternStrengths, side: 'LONG' | 'SHORT' | null): number {
  if (side === 'LONG') return p.longDownUp;
  const bearish = Math.max(p.longUpDown, p.colorDownSetting);
  return side === 'SHORT' ? bearish : Math.max(bearish, p.longDownUp);
}
