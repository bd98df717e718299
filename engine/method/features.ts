/**
 * The eight features of battle-navale.md section 7 (plus session context and
 * pullback quality), each in [0, 1] for a direction (0.5 neutral), the
 * confluence score and its grade. A feature whose input is missing is 0.5 and
 * names the input in `missing`.
 */
import type { Grade, MethodConfig, SessionPhase } from './config.js';
import { SESSION_PHASES } from './config.js';
import type { DecisionContext } from './context.js';
import { clamp, regressionSlope } from './history.js';
import { directionalPatternStrength } from './patterns.js';
import type { Side } from './signal.js';

/** Feature names, in the spec's order. */
export const FEATURE_NAMES = [
  'vwap_trend_signal',
  'sierra_pattern_strength',
  'dow_trend_regime',
  'gamma_levels_proximity',
  'level_proximity',
  'es_nq_correlation',
  'volume_confirmation',
  'options_flow_bias',
  'session_context',
  'pullback_quality',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

/** Inputs a feature can lack. */
export type MissingInput = 'orderFlow' | 'gamma' | 'nq' | 'optionsFlow' | 'levels';

/** The features for one direction and the confluence score. */
export interface Confluence {
  readonly side: Side;
  readonly features: Features;
  /** sum(weight * feature), 0..1. */
  readonly score: number;
  readonly grade: Grade;
  readonly missing: readonly MissingInput[];
}

/** Grade of a confluence score (section 7). */
export function gradeOf(score: number, g: MethodConfig['grades']): Grade {
  return score >= g.premium ? 'PREMIUM' : score >= g.strong ? 'STRONG' : score >= g.weak ? 'WEAK' : 'NO_TRADE';
}

/** Slope score of section 7's vwap_trend_signal, for a slope in points (already signed for the side). */
export function vwapSlopeScore(slope: number): number {
  return slope > 0.5 ? 1 : slope > 0.2 ? 0.75 : slope > -0.2 ? 0.5 : slope > -0.5 ? 0.25 : 0;
}

/** vwap_trend_signal for direction `dir` (+1 LONG, -1 SHORT). */
export function vwapTrendSignal(ctx: DecisionContext, dir: 1 | -1, c: MethodConfig['features']): number {
  const slope = dir * ctx.vwapSlope;
  const l = ctx.levels;
  let position = 0.5;
  if (l !== null && l.vwapSigma > 0) position = 0.5 + 0.5 * clamp((dir * (ctx.bar.close - l.vwap)) / (2 * l.vwapSigma), -1, 1);
  const n = Math.min(c.slopeBars, ctx.h.length);
  const closeSlope = dir * regressionSlope(n, (k) => ctx.h.at(n - 1 - k).close);
  const alignment = closeSlope > 0 && slope > 0 ? 1 : closeSlope < 0 && slope < 0 ? 0 : 0.5;
  return 0.4 * vwapSlopeScore(slope) + 0.3 * position + 0.3 * alignment;
}

/** sierra_pattern_strength: max(ps, 0.4 (s+1)/2 + 0.25 q + 0.2 (tc+1)/2 + 0.15 battleStrength), mirrored for SHORT. */
export function sierraPatternStrength(ctx: DecisionContext, side: Side): number {
  const dir = side === 'LONG' ? 1 : -1;
  const sg = ctx.signal;
  const blend = (0.4 * (dir * sg.s + 1)) / 2 + 0.25 * sg.baseQuality + (0.2 * (dir * ctx.tc + 1)) / 2 + 0.15 * sg.battleStrength;
  return Math.max(directionalPatternStrength(ctx.patterns, side), blend);
}

/** dow_trend_regime: regression slopes of the last 20 highs and lows plus a 10-bar momentum term. */
export function dowTrendRegime(ctx: DecisionContext, dir: 1 | -1, c: MethodConfig['features']): number {
  const h = ctx.h;
  const n = Math.min(c.regressionBars, h.length);
  const hs = dir * regressionSlope(n, (k) => h.at(n - 1 - k).high);
  const ls = dir * regressionSlope(n, (k) => h.at(n - 1 - k).low);
  let v = 0.5;
  if (hs > 0 && ls > 0) v = 0.5 + 0.5 * Math.min((hs + ls) / (2 * ctx.t), 1);
  else if (hs < 0 && ls < 0) v = 0.5 - 0.5 * Math.min(-(hs + ls) / (2 * ctx.t), 1);
  const m = Math.min(c.slopeBars, h.length - 1);
  const momentumTicks = m > 0 ? (dir * (ctx.bar.close - h.at(m).close)) / ctx.t : 0;
  return clamp(v + clamp(momentumTicks / 100, -0.1, 0.1), 0, 1);
}

/** gamma_levels_proximity; null when no chain is loaded. */
export function gammaLevelsProximity(ctx: DecisionContext, dir: 1 | -1, c: MethodConfig['features']): number | null {
  const g = ctx.gamma;
  if (g === null) return null;
  const price = ctx.bar.close;
  const wall = dir > 0 ? g.putWall : g.callWall;
  const wallTicks = Math.abs(price - wall) / ctx.t;
  const wallScore = Math.max(0, 1 - wallTicks / c.wallProximityTicks);
  let regime: number;
  if (g.netGex > 0) regime = dir * (price - wall) <= 0 ? 0.7 : 0.6;
  else {
    const beyondFlip = g.zeroGamma !== null && dir * (price - g.zeroGamma) > 0;
    regime = beyondFlip ? 0.5 + 0.3 * Math.min(Math.abs(g.netGex) / c.netGexScaleUsd, 1) : 0.3;
  }
  const flip = g.zeroGamma === null ? 0 : Math.max(0, 1 - Math.abs(price - g.zeroGamma) / ctx.t / c.zeroGammaProximityTicks);
  return 0.6 * wallScore + 0.25 * regime + 0.15 * flip;
}

/** level_proximity: max(0, 1 - d / 3 ticks) to the nearest of POC, VAH, VAL, pPOC, pVAH, pVAL, VWAP; null without levels. */
export function levelProximity(ctx: DecisionContext, c: MethodConfig['features']): number | null {
  const l = ctx.levels;
  if (l === null) return null;
  const p = ctx.bar.close;
  let d = Number.POSITIVE_INFINITY;
  for (const x of [l.poc, l.vah, l.val, l.pPoc, l.pVah, l.pVal, l.vwap]) {
    const e = Math.abs(p - x);
    if (e < d) d = e;
  }
  return Number.isFinite(d) ? Math.max(0, 1 - d / ctx.t / c.levelProximityTicks) : 0;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function std(xs: readonly number[]): number {
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / xs.length);
}

/**
 * es_nq_correlation from aligned closes (oldest first): 0.7 max(0, Pearson r of
 * the last `bars` one-bar returns) + 0.3 max(0, 1 - |divergence|), divergence
 * = (z_ES - z_NQ) / 3 with z = 10-bar return / (std of one-bar returns *
 * sqrt(10)). 0.5 with fewer than 10 returns. Non-directional.
 */
export function esNqCorrelation(es: readonly number[], nq: readonly number[], bars = 20): number {
  const n = Math.min(es.length, nq.length);
  const k = Math.min(bars, n - 1);
  if (k < 10) return 0.5;
  const ret = (xs: readonly number[]): number[] => {
    const out: number[] = [];
    for (let i = xs.length - k; i < xs.length; i++) out.push(xs[i]! / xs[i - 1]! - 1);
    return out;
  };
  const re = ret(es.slice(es.length - n));
  const rn = ret(nq.slice(nq.length - n));
  const me = mean(re);
  const mn = mean(rn);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxy += (re[i]! - me) * (rn[i]! - mn);
    sxx += (re[i]! - me) ** 2;
    syy += (rn[i]! - mn) ** 2;
  }
  const r = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
  const z = (xs: readonly number[], rs: number[]): number => {
    const s = std(rs) * Math.sqrt(10);
    const r10 = xs[xs.length - 1]! / xs[xs.length - 11]! - 1;
    return s > 0 ? r10 / s : 0;
  };
  const divergence = (z(es, re) - z(nq, rn)) / 3;
  return 0.7 * Math.max(0, r) + 0.3 * Math.max(0, 1 - Math.abs(divergence));
}

/** volume_confirmation; `flow` false when the bar has no bid/ask volume (its terms then count 0.5). */
export function volumeConfirmation(ctx: DecisionContext, dir: 1 | -1): { value: number; flow: boolean } {
  const b = ctx.bar;
  const avg = ctx.h.avgVolumeAt(0);
  const volume = 0.5 * (avg > 0 ? Math.min(b.volume / avg / 2, 1) : 0.5);
  const total = b.askVolume + b.bidVolume;
  if (!b.hasOrderFlow || total <= 0) return { value: volume + 0.3 * 0.5 + 0.2 * 0.5, flow: false };
  const delta = dir * b.delta > 0 ? 0.3 * Math.min((2 * Math.abs(b.delta)) / total, 1) : 0;
  const share = (dir > 0 ? b.askVolume : b.bidVolume) / total;
  return { value: volume + delta + 0.2 * share, flow: true };
}

/** options_flow_bias from the chain's call and put volume; null without option volume. */
export function optionsFlowBias(ctx: DecisionContext, dir: 1 | -1): number | null {
  const g = ctx.gamma;
  if (g === null || g.callVolume + g.putVolume <= 0) return null;
  // The mirror image for a SHORT swaps calls and puts.
  const calls = dir > 0 ? g.callVolume : g.putVolume;
  const puts = dir > 0 ? g.putVolume : g.callVolume;
  const pc = calls > 0 ? puts / calls : Number.POSITIVE_INFINITY;
  const bias = pc < 0.8 ? 0.7 + (0.8 - pc) * 0.5 : pc > 1.2 ? 0.3 - Math.min((pc - 1.2) * 0.3, 0.3) : 0.5;
  return 0.6 * bias + 0.4 * (calls / (calls + puts));
}

/** Each config's phases by start, latest first (ties: SESSION_PHASES' order), built once per `sessionPhaseStart` object. */
const phaseOrders = new WeakMap<MethodConfig['sessionPhaseStart'], readonly (readonly [number, SessionPhase])[]>();

function phaseOrder(starts: MethodConfig['sessionPhaseStart']): readonly (readonly [number, SessionPhase])[] {
  let order = phaseOrders.get(starts);
  if (order === undefined) {
    order = SESSION_PHASES.map((p, i) => [starts[p], p, i] as const)
      .sort((a, b) => b[0] - a[0] || a[2] - b[2])
      .map(([start, p]) => [start, p] as const);
    phaseOrders.set(starts, order);
  }
  return order;
}

/**
 * The session phase at `minuteOfDay` (ET): the phase whose start is the
 * latest at or before it, wrapping at midnight (before the earliest start,
 * the latest phase of the day before). Called for every bar and side, so the
 * phases' order is worked out once per config.
 */
export function sessionPhase(minuteOfDay: number, starts: MethodConfig['sessionPhaseStart']): SessionPhase {
  const order = phaseOrder(starts);
  for (const [start, p] of order) if (start <= minuteOfDay) return p;
  return order[0]![1];
}

/**
 * pullback_quality: 0.3 when the bar chases a breakout (closes beyond the
 * extreme of the 10 bars before it, in the direction), else 0.8 when the
 * entry (the close) sits 0..4 ticks on the direction's side of VWAP, the
 * governing base's edge or a value-area edge, else 0.5.
 */
export function pullbackQuality(ctx: DecisionContext, dir: 1 | -1, c: MethodConfig['features']): number {
  const h = ctx.h;
  const close = ctx.bar.close;
  const n = Math.min(c.breakoutBars, h.length - 1);
  if (n > 0) {
    let extreme = dir > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (let ago = 1; ago <= n; ago++) extreme = dir > 0 ? Math.max(extreme, h.at(ago).high) : Math.min(extreme, h.at(ago).low);
    if (dir * (close - extreme) > 0) return 0.3;
  }
  const l = ctx.levels;
  const g = ctx.bases.governing;
  const near = c.pullbackTicks * ctx.t + 1e-9;
  for (const level of [l?.vwap, l?.vah, l?.val, g?.high, g?.low]) {
    if (level === undefined || Number.isNaN(level)) continue;
    const d = dir * (close - level);
    if (d >= 0 && d <= near) return 0.8;
  }
  return 0.5;
}

/** All features and the confluence for `side` (section 7). */
export function confluence(ctx: DecisionContext, side: Side, cfg: MethodConfig): Confluence {
  const dir = side === 'LONG' ? 1 : -1;
  const c = cfg.features;
  const missing: MissingInput[] = [];
  const gamma = gammaLevelsProximity(ctx, dir, c);
  if (gamma === null) missing.push('gamma');
  const level = levelProximity(ctx, c);
  if (level === null) missing.push('levels');
  let esNq = 0.5;
  if (ctx.nqCloses === null) missing.push('nq');
  else {
    const n = Math.min(c.correlationBars + 1, ctx.h.length);
    const es: number[] = [];
    for (let ago = n - 1; ago >= 0; ago--) es.push(ctx.h.at(ago).close);
    esNq = esNqCorrelation(es, ctx.nqCloses, c.correlationBars);
  }
  const vol = volumeConfirmation(ctx, dir);
  if (!vol.flow) missing.push('orderFlow');
  const flow = optionsFlowBias(ctx, dir);
  if (flow === null) missing.push('optionsFlow');
  const features: Features = {
    vwap_trend_signal: vwapTrendSignal(ctx, dir, c),
    sierra_pattern_strength: sierraPatternStrength(ctx, side),
    dow_trend_regime: dowTrendRegime(ctx, dir, c),
    gamma_levels_proximity: gamma ?? 0.5,
    level_proximity: level ?? 0.5,
    es_nq_correlation: esNq,
    volume_confirmation: vol.value,
    options_flow_bias: flow ?? 0.5,
    session_context: cfg.sessionContext[sessionPhase(ctx.minuteOfDay, cfg.sessionPhaseStart)],
    pullback_quality: pullbackQuality(ctx, dir, c),
  };
  let score = 0;
  for (const name of FEATURE_NAMES) score += cfg.weights[name] * features[name];
  return { side, features, score, grade: gradeOf(score, cfg.grades), missing };
}
