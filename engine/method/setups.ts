/**
 * The seven setups of battle-navale.md section 8. Each looks at the bar just
 * completed and proposes a side, an entry (the close), a stop reference and a
 * target reference; section 10 decides whether a proposal becomes a signal.
 */
import type { MethodConfig } from './config.js';
import type { DecisionContext } from './context.js';
import type { Side } from './signal.js';
import type { Zone } from './zones.js';

/** Setup identifiers, in the spec's order. */
export const SETUPS = ['VA_REJECTION', 'VWAP_DEVIATION', 'GAMMA_FLIP', 'BN_BASE_RETEST', 'LEVEL_CONFLUENCE', 'GAMMA_PIN', 'TRAP'] as const;
export type SetupName = (typeof SETUPS)[number];

/** Which stop and reward:risk rules apply (section 10): trend, range or other. */
export type SetupKind = 'trend' | 'range' | 'other';

/** A setup's proposal. Prices in points. */
export interface SetupProposal {
  readonly setup: SetupName;
  /** VWAP_DEVIATION only: mean reversion (range) or trend continuation. */
  readonly form: 'reversion' | 'continuation' | null;
  readonly kind: SetupKind;
  readonly side: Side;
  /** Short label for the chart, e.g. "VAL rej", "BN". */
  readonly label: string;
  readonly entry: number;
  /** The price that proves the setup wrong (probe extreme, base edge, level). */
  readonly stopRef: number;
  /** The setup's own target, or null when it has none. */
  readonly target: number | null;
  /** What fired it, for the trader. */
  readonly reason: string;
}

const near = (a: number, b: number, ticks: number, t: number): boolean => Math.abs(a - b) <= ticks * t + 1e-9;

/** 1. VAH/VAL rejection: a probe >= 2 ticks beyond VAH or VAL (developing, then previous) that closes back inside, with delta against the probe when known. */
export function vaRejection(ctx: DecisionContext, c: MethodConfig['setups']): SetupProposal | null {
  const l = ctx.levels;
  if (l === null) return null;
  const b = ctx.bar;
  const probe = c.probeTicks * ctx.t - 1e-9;
  const areas: [number, number, number, string][] = [
    [l.vah, l.val, l.poc, ''],
    [l.pVah, l.pVal, l.pPoc, 'p'],
  ];
  for (const [vah, val, poc, p] of areas) {
    if (Number.isNaN(vah) || Number.isNaN(val)) continue;
    const inside = b.close <= vah && b.close >= val;
    if (!inside) continue;
    if (b.high - vah >= probe && (!b.hasOrderFlow || b.delta < 0))
      return { setup: 'VA_REJECTION', form: null, kind: 'range', side: 'SHORT', label: `${p}VAH rej`, entry: b.close, stopRef: b.high, target: poc, reason: `probed ${p}VAH ${vah} to ${b.high}, closed back inside` };
    if (val - b.low >= probe && (!b.hasOrderFlow || b.delta > 0))
      return { setup: 'VA_REJECTION', form: null, kind: 'range', side: 'LONG', label: `${p}VAL rej`, entry: b.close, stopRef: b.low, target: poc, reason: `probed ${p}VAL ${val} to ${b.low}, closed back inside` };
  }
  return null;
}

/**
 * 2. VWAP deviation. Reversion: a close beyond VWAP +- 2 sigma on a reversal bar
 * (colour against the move, or delta against it when known) -> toward VWAP.
 * Continuation (read only in a trend regime): a bar whose low (high) comes
 * within 2 ticks of VWAP or the 1-sigma band on the trend's side and closes
 * beyond it -> with the trend.
 */
export function vwapDeviation(ctx: DecisionContext, c: MethodConfig['setups'], trend: -1 | 0 | 1): SetupProposal | null {
  const l = ctx.levels;
  if (l === null || !(l.vwapSigma > 0)) return null;
  const b = ctx.bar;
  const upper = l.vwap + 2 * l.vwapSigma;
  const lower = l.vwap - 2 * l.vwapSigma;
  const red = b.close < b.open;
  const green = b.close > b.open;
  if (trend === 0) {
    if (b.close > upper && (red || (b.hasOrderFlow && b.delta < 0)))
      return { setup: 'VWAP_DEVIATION', form: 'reversion', kind: 'range', side: 'SHORT', label: 'VWAP dev', entry: b.close, stopRef: b.high, target: l.vwap, reason: `closed ${(b.close - upper).toFixed(2)} above VWAP +2σ on a reversal bar` };
    if (b.close < lower && (green || (b.hasOrderFlow && b.delta > 0)))
      return { setup: 'VWAP_DEVIATION', form: 'reversion', kind: 'range', side: 'LONG', label: 'VWAP dev', entry: b.close, stopRef: b.low, target: l.vwap, reason: `closed ${(lower - b.close).toFixed(2)} below VWAP -2σ on a reversal bar` };
    return null;
  }
  const levels = trend > 0 ? [l.vwap, l.vwap + l.vwapSigma] : [l.vwap, l.vwap - l.vwapSigma];
  for (const level of levels) {
    if (trend > 0 && near(b.low, level, c.continuationHoldTicks, ctx.t) && b.close > level)
      return { setup: 'VWAP_DEVIATION', form: 'continuation', kind: 'trend', side: 'LONG', label: 'VWAP cont', entry: b.close, stopRef: Math.min(b.low, level), target: null, reason: `pullback to ${level.toFixed(2)} held` };
    if (trend < 0 && near(b.high, level, c.continuationHoldTicks, ctx.t) && b.close < level)
      return { setup: 'VWAP_DEVIATION', form: 'continuation', kind: 'trend', side: 'SHORT', label: 'VWAP cont', entry: b.close, stopRef: Math.max(b.high, level), target: null, reason: `pullback to ${level.toFixed(2)} held` };
  }
  return null;
}

/** 3. Gamma flip momentum: a close across zero gamma with volume > 1.5 x avgVol20. */
export function gammaFlip(ctx: DecisionContext, c: MethodConfig['setups']): SetupProposal | null {
  const z = ctx.gamma?.zeroGamma;
  if (z === null || z === undefined || ctx.h.length < 2) return null;
  const b = ctx.bar;
  const prev = ctx.h.at(1).close;
  if (!(b.volume > c.momentumVolumeRatio * ctx.h.avgVolumeAt(0))) return null;
  if (prev < z && b.close > z) return { setup: 'GAMMA_FLIP', form: null, kind: 'trend', side: 'LONG', label: 'Γ flip', entry: b.close, stopRef: z, target: null, reason: `closed above zero gamma ${z.toFixed(2)} on ${b.volume} contracts` };
  if (prev > z && b.close < z) return { setup: 'GAMMA_FLIP', form: null, kind: 'trend', side: 'SHORT', label: 'Γ flip', entry: b.close, stopRef: z, target: null, reason: `closed below zero gamma ${z.toFixed(2)} on ${b.volume} contracts` };
  return null;
}

/**
 * 4. Battle Navale base retest: a BATTLE_WON candidate under a holding
 * governing base of its colour, on a bar that retests the base's breakout edge
 * within 2 ticks and closes beyond it, or that completes the side's pattern.
 */
export function baseRetest(ctx: DecisionContext, c: MethodConfig['setups']): SetupProposal | null {
  const sg = ctx.signal;
  const g = ctx.bases.governing;
  if (sg.status !== 'BATTLE_WON' || g === null || ctx.bases.violated) return null;
  const b = ctx.bar;
  if (sg.candidate === 'LONG' && g.type === 'GREEN') {
    const retest = near(b.low, g.high, c.retestTicks, ctx.t) && b.close > g.high;
    if (retest || ctx.patterns.longDownUp > 0)
      return { setup: 'BN_BASE_RETEST', form: null, kind: 'other', side: 'LONG', label: 'BN', entry: b.close, stopRef: g.low, target: null, reason: retest ? `retested green base high ${g.high}` : 'Long Down-Up above a green base' };
  }
  if (sg.candidate === 'SHORT' && g.type === 'RED') {
    const retest = near(b.high, g.low, c.retestTicks, ctx.t) && b.close < g.low;
    if (retest || ctx.patterns.longUpDown > 0 || ctx.patterns.colorDownSetting > 0)
      return { setup: 'BN_BASE_RETEST', form: null, kind: 'other', side: 'SHORT', label: 'BN', entry: b.close, stopRef: g.high, target: null, reason: retest ? `retested red base low ${g.low}` : 'bearish pattern under a red base' };
  }
  return null;
}

/**
 * 5. Multi-level confluence: a rejection wick of >= 2 ticks into a zone of
 * score >= 0.6, the close back on the far side of the zone.
 */
export function levelConfluence(ctx: DecisionContext, zones: readonly Zone[], c: MethodConfig['setups']): SetupProposal | null {
  const b = ctx.bar;
  const wick = c.rejectionWickTicks * ctx.t - 1e-9;
  const lowerWick = Math.min(b.open, b.close) - b.low;
  const upperWick = b.high - Math.max(b.open, b.close);
  let best: SetupProposal | null = null;
  let bestScore = -1;
  for (const z of zones) {
    if (z.score < c.zoneMinScore || z.score <= bestScore) continue;
    if (lowerWick >= wick && b.low <= z.high && b.close > z.high) {
      best = { setup: 'LEVEL_CONFLUENCE', form: null, kind: 'other', side: 'LONG', label: 'Zone', entry: b.close, stopRef: b.low, target: null, reason: `rejected ${z.strength} zone ${z.levels.join(' + ')}` };
      bestScore = z.score;
    } else if (upperWick >= wick && b.high >= z.low && b.close < z.low) {
      best = { setup: 'LEVEL_CONFLUENCE', form: null, kind: 'other', side: 'SHORT', label: 'Zone', entry: b.close, stopRef: b.high, target: null, reason: `rejected ${z.strength} zone ${z.levels.join(' + ')}` };
      bestScore = z.score;
    }
  }
  return best;
}

/** 6. Gamma pin: within 5 ticks of a wall, positive net GEX, volume < 0.7 x avgVol20, on a bar moving away from the wall: fade back to it. */
export function gammaPin(ctx: DecisionContext, c: MethodConfig['setups']): SetupProposal | null {
  const g = ctx.gamma;
  if (g === null || !(g.netGex > 0)) return null;
  const b = ctx.bar;
  if (!(b.volume < c.pinVolumeRatio * ctx.h.avgVolumeAt(0))) return null;
  for (const [name, wall] of [['call wall', g.callWall], ['put wall', g.putWall]] as const) {
    if (!near(b.close, wall, c.pinTicks, ctx.t) || b.close === wall) continue;
    if (Math.abs(b.close - wall) <= Math.abs(b.open - wall)) continue; // not moving away
    const side: Side = b.close > wall ? 'SHORT' : 'LONG';
    return { setup: 'GAMMA_PIN', form: null, kind: 'range', side, label: 'Γ pin', entry: b.close, stopRef: side === 'SHORT' ? b.high : b.low, target: wall, reason: `drifting from the ${name} ${wall.toFixed(2)} on light volume` };
  }
  return null;
}

/**
 * 7. Headfake / trap: a break of the 10-bar high (low) on volume > 1.5 x
 * avgVol20 with absorption (|delta| / volume < 0.3) that closes back within 2
 * ticks of the broken level. Needs order flow (absorption is unknowable without).
 */
export function trap(ctx: DecisionContext, c: MethodConfig['setups']): SetupProposal | null {
  const b = ctx.bar;
  const h = ctx.h;
  if (!b.hasOrderFlow || b.volume <= 0 || h.length <= c.trapBars) return null;
  if (!(b.volume > c.trapVolumeRatio * h.avgVolumeAt(0)) || !(Math.abs(b.delta) / b.volume < c.trapAbsorption)) return null;
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  for (let ago = 1; ago <= c.trapBars; ago++) {
    hi = Math.max(hi, h.at(ago).high);
    lo = Math.min(lo, h.at(ago).low);
  }
  const back = c.trapCloseTicks * ctx.t + 1e-9;
  if (b.high > hi && b.close <= hi + back) return { setup: 'TRAP', form: null, kind: 'other', side: 'SHORT', label: 'Bull trap', entry: b.close, stopRef: b.high, target: null, reason: `broke the 10-bar high ${hi} with absorption and closed back` };
  if (b.low < lo && b.close >= lo - back) return { setup: 'TRAP', form: null, kind: 'other', side: 'LONG', label: 'Bear trap', entry: b.close, stopRef: b.low, target: null, reason: `broke the 10-bar low ${lo} with absorption and closed back` };
  return null;
}
