/**
 * Vikings vs Defenders, the battle balance (battle-navale.md section 1): who
 * has been winning the last 5 completed bars, from strong bodies, volume and,
 * where bid/ask volume is known, order flow.
 */
import type { MethodConfig } from './config.js';
import type { BarHistory } from './history.js';

/** The balance of the last window and how it was made. */
export interface BattleBalance {
  /** Vikings' score (aggressive buyers). */
  readonly vikings: number;
  /** Defenders' score (aggressive sellers). */
  readonly defenders: number;
  /** 2 * V / (V + D) - 1, in [-1, 1]; 0 when both are 0 or the window is short. */
  readonly balance: number;
  /** False when fewer than `windowBars` bars exist (status NO_BATTLE). */
  readonly complete: boolean;
  /** (sum ask - sum bid) / (sum ask + sum bid) over the window; null without order flow. */
  readonly deltaRatio: number | null;
  /** sum ask / (sum ask + sum bid) over the window; null without order flow. */
  readonly aggressorShare: number | null;
}

/** Body share of the range, |C - O| / (H - L); 0 for a bar with no range. */
export function bodyRatio(open: number, high: number, low: number, close: number): number {
  const range = high - low;
  return range > 0 ? Math.abs(close - open) / range : 0;
}

/**
 * The battle balance over the newest `battle.windowBars` bars of `h`.
 * Order flow counts only when every bar of the window has it (a partial window
 * would compare unlike sums); otherwise its terms are neutral (0) and
 * `deltaRatio` is null.
 */
export function battleBalance(h: BarHistory, c: MethodConfig['battle']): BattleBalance {
  const w = c.windowBars;
  if (h.length < w) return { vikings: 0, defenders: 0, balance: 0, complete: false, deltaRatio: null, aggressorShare: null };
  let v = 0;
  let d = 0;
  let ask = 0;
  let bid = 0;
  let flow = true;
  for (let ago = 0; ago < w; ago++) {
    const bar = h.at(ago);
    const green = bar.close > bar.open;
    const red = bar.close < bar.open;
    const body = bodyRatio(bar.open, bar.high, bar.low, bar.close);
    if (body > c.strongBodyMin) {
      if (green) v += c.strongBodyWeight * body;
      else if (red) d += c.strongBodyWeight * body;
    }
    const avg = h.avgVolumeAt(ago);
    const f = avg > 0 ? Math.min(bar.volume / avg, c.volumeRatioCap) : bar.volume > 0 ? c.volumeRatioCap : 0;
    if (green) v += c.volumeWeight * f;
    else if (red) d += c.volumeWeight * f;
    if (bar.hasOrderFlow) {
      ask += bar.askVolume;
      bid += bar.bidVolume;
    } else flow = false;
  }
  let deltaRatio: number | null = null;
  let aggressorShare: number | null = null;
  if (flow) {
    const total = ask + bid;
    deltaRatio = total > 0 ? (ask - bid) / total : 0;
    const term = c.deltaWeight * Math.min(Math.abs(deltaRatio) / c.deltaRatioFull, 1);
    if (deltaRatio > 0) v += term;
    else if (deltaRatio < 0) d += term;
    if (total > 0) {
      aggressorShare = ask / total;
      if (aggressorShare > c.aggressorHigh) v += c.aggressorWeight;
      else if (aggressorShare < c.aggressorLow) d += c.aggressorWeight;
    }
  }
  const sum = v + d;
  const outcome = sum > 0 ? v / sum : 0.5;
  return { vikings: v, defenders: d, balance: 2 * outcome - 1, complete: true, deltaRatio, aggressorShare };
}
