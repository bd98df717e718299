/**
 * Every number of the Battle Navale method (battle-navale.md sections 1-11) in
 * one typed, validated configuration object. The defaults are the spec's; the
 * trader may override any of them, and each signal's snapshot keeps the values
 * in force. Distances are in ticks unless a name says points.
 */
import { z } from 'zod';

const unit = z.number().min(0).max(1);
const positive = z.number().positive();
const nonNegative = z.number().min(0);
const count = z.number().int().positive();
/** Minutes after midnight, exchange wall time (ET). */
const minuteOfDay = z.number().int().min(0).max(24 * 60);

/** Grades of the confluence score (section 7), weakest first. */
export const GRADES = ['NO_TRADE', 'WEAK', 'STRONG', 'PREMIUM'] as const;
export type Grade = (typeof GRADES)[number];

/** Operating modes (section 11). */
export const MODES = ['DATA_COLLECTION', 'PAPER', 'LIVE'] as const;
export type Mode = (typeof MODES)[number];

const modeThresholds = z.object({
  /** Minimum signal confidence (section 10's blend), 0..1. */
  minConfidence: unit,
  /** Minimum confluence score, 0..1. */
  minConfluence: unit,
  /** Weakest confluence grade accepted. */
  minGrade: z.enum(GRADES),
  /** Minimum quality of the governing base, 0..1 (0: no requirement). */
  minBaseQuality: unit,
});
export type ModeThresholds = z.infer<typeof modeThresholds>;

const featureWeights = z.object({
  vwap_trend_signal: unit,
  sierra_pattern_strength: unit,
  dow_trend_regime: unit,
  gamma_levels_proximity: unit,
  level_proximity: unit,
  es_nq_correlation: unit,
  volume_confirmation: unit,
  options_flow_bias: unit,
  session_context: unit,
  pullback_quality: unit,
});

/** Session phases of section 7's session_context, by ET wall time. */
export const SESSION_PHASES = ['asia', 'london', 'ny_open', 'ny_am', 'lunch', 'ny_pm', 'close'] as const;
export type SessionPhase = (typeof SESSION_PHASES)[number];

const schema = z.object({
  // Section 1
  battle: z.object({
    windowBars: count,
    strongBodyMin: unit,
    strongBodyWeight: nonNegative,
    volumeWeight: nonNegative,
    volumeRatioCap: positive,
    deltaRatioFull: positive,
    deltaWeight: nonNegative,
    aggressorHigh: unit,
    aggressorLow: unit,
    aggressorWeight: nonNegative,
  }),
  /** Bars in the avgVol20 mean (preamble). */
  avgVolumeBars: count,
  // Section 2
  bases: z.object({
    minBars: count,
    maxBars: count,
    maxRangeTicks: positive,
    historySize: count,
    qualifiedAbove: unit,
    touchTicks: nonNegative,
  }),
  // Section 3
  goldenRule: z.object({ violationTicks: nonNegative, strongBalance: unit, strongTc: unit, weakTc: unit, violationTc: unit }),
  // Section 5
  signal: z.object({
    battleWeight: unit,
    tcWeight: unit,
    baseWeight: unit,
    candidateThreshold: unit,
    winningBalance: unit,
    balancedBalance: unit,
  }),
  // Section 7
  weights: featureWeights,
  grades: z.object({ premium: unit, strong: unit, weak: unit }),
  gradeSize: z.object({ PREMIUM: nonNegative, STRONG: nonNegative, WEAK: nonNegative, NO_TRADE: nonNegative }),
  sessionContext: z.object(Object.fromEntries(SESSION_PHASES.map((p) => [p, unit])) as Record<SessionPhase, typeof unit>),
  /** Start of each phase (minutes after midnight ET); a phase runs until the next one starts. */
  sessionPhaseStart: z.object(Object.fromEntries(SESSION_PHASES.map((p) => [p, minuteOfDay])) as Record<SessionPhase, typeof minuteOfDay>),
  features: z.object({
    slopeBars: count,
    regressionBars: count,
    wallProximityTicks: positive,
    zeroGammaProximityTicks: positive,
    levelProximityTicks: positive,
    netGexScaleUsd: positive,
    pullbackTicks: nonNegative,
    breakoutBars: count,
    correlationBars: count,
  }),
  // Multi-level confluence (section 7)
  zones: z.object({
    widthTicks: nonNegative,
    scoreDivisor: positive,
    roundNumberPoints: positive,
    psychologicalPoints: positive,
    weights: z.object({
      wall: nonNegative,
      zeroGamma: nonNegative,
      poc: nonNegative,
      valueAreaEdge: nonNegative,
      vwap: nonNegative,
      vwapBand1: nonNegative,
      vwapBand2: nonNegative,
      pPoc: nonNegative,
      pValueAreaEdge: nonNegative,
      sessionExtreme: nonNegative,
      overnightExtreme: nonNegative,
      roundNumber: nonNegative,
      psychological: nonNegative,
    }),
  }),
  // Section 8
  setups: z.object({
    probeTicks: nonNegative,
    retestTicks: nonNegative,
    rejectionWickTicks: nonNegative,
    zoneMinScore: unit,
    pinTicks: nonNegative,
    pinVolumeRatio: positive,
    momentumVolumeRatio: positive,
    trapBars: count,
    trapVolumeRatio: positive,
    trapAbsorption: unit,
    trapCloseTicks: nonNegative,
    continuationHoldTicks: nonNegative,
  }),
  // Section 9
  regime: z.object({
    swingBars: count,
    pivotSide: count,
    trendAt: unit,
    rangeBelow: unit,
    returnBars: count,
    atrBars: count,
  }),
  // Section 10
  window: z.object({ startMinute: minuteOfDay, endMinute: minuteOfDay, noEntryStartMinute: minuteOfDay, noEntryEndMinute: minuteOfDay }),
  stops: z.object({ trendTicks: positive, rangeTicks: positive, otherTicks: positive, excellentFactor: positive, baseBufferTicks: nonNegative }),
  targets: z.object({ trendRR: positive, rangeRR: positive, otherRR: positive, highConfluence: unit, highConfluenceFactor: positive, minRR: positive }),
  /** Range setups may fire against the Battle Navale signal unless |s| is beyond this, against them. */
  rangeAgainstLimit: unit,
  // Section 11
  mode: z.enum(MODES),
  modes: z.object({ DATA_COLLECTION: modeThresholds, PAPER: modeThresholds, LIVE: modeThresholds }),
});

/** The method's configuration; every field documented in battle-navale.md under its section. */
export type MethodConfig = z.infer<typeof schema>;

/** The spec's defaults (battle-navale.md sections 1-11). */
export const DEFAULT_METHOD_CONFIG: MethodConfig = Object.freeze({
  battle: {
    windowBars: 5,
    strongBodyMin: 0.6,
    strongBodyWeight: 0.8,
    volumeWeight: 0.2,
    volumeRatioCap: 2,
    deltaRatioFull: 0.3,
    deltaWeight: 0.5,
    aggressorHigh: 0.6,
    aggressorLow: 0.4,
    aggressorWeight: 0.3,
  },
  avgVolumeBars: 20,
  bases: { minBars: 4, maxBars: 15, maxRangeTicks: 10, historySize: 20, qualifiedAbove: 0.5, touchTicks: 1 },
  goldenRule: { violationTicks: 0.5, strongBalance: 0.4, strongTc: 0.6, weakTc: 0.2, violationTc: 0.6 },
  signal: { battleWeight: 0.4, tcWeight: 0.35, baseWeight: 0.25, candidateThreshold: 0.25, winningBalance: 0.4, balancedBalance: 0.2 },
  weights: {
    vwap_trend_signal: 0.18,
    sierra_pattern_strength: 0.18,
    dow_trend_regime: 0.18,
    gamma_levels_proximity: 0.12,
    level_proximity: 0.08,
    es_nq_correlation: 0.08,
    volume_confirmation: 0.07,
    options_flow_bias: 0.06,
    session_context: 0.03,
    pullback_quality: 0.02,
  },
  grades: { premium: 0.85, strong: 0.7, weak: 0.6 },
  gradeSize: { PREMIUM: 1.5, STRONG: 1, WEAK: 0.5, NO_TRADE: 0 },
  sessionContext: { asia: 0.4, london: 0.65, ny_open: 0.75, ny_am: 0.65, lunch: 0.45, ny_pm: 0.55, close: 0.4 },
  sessionPhaseStart: { asia: 18 * 60, london: 3 * 60, ny_open: 9 * 60 + 30, ny_am: 10 * 60 + 30, lunch: 12 * 60, ny_pm: 13 * 60 + 30, close: 15 * 60 },
  features: {
    slopeBars: 10,
    regressionBars: 20,
    wallProximityTicks: 10,
    zeroGammaProximityTicks: 15,
    levelProximityTicks: 3,
    netGexScaleUsd: 10e9,
    pullbackTicks: 4,
    breakoutBars: 10,
    correlationBars: 20,
  },
  zones: {
    widthTicks: 3,
    scoreDivisor: 5,
    roundNumberPoints: 25,
    psychologicalPoints: 100,
    weights: {
      wall: 1,
      zeroGamma: 0.9,
      poc: 0.9,
      valueAreaEdge: 0.8,
      vwap: 0.8,
      vwapBand1: 0.7,
      vwapBand2: 0.6,
      pPoc: 0.7,
      pValueAreaEdge: 0.6,
      sessionExtreme: 0.5,
      overnightExtreme: 0.4,
      roundNumber: 0.3,
      psychological: 0.2,
    },
  },
  setups: {
    probeTicks: 2,
    retestTicks: 2,
    rejectionWickTicks: 2,
    zoneMinScore: 0.6,
    pinTicks: 5,
    pinVolumeRatio: 0.7,
    momentumVolumeRatio: 1.5,
    trapBars: 10,
    trapVolumeRatio: 1.5,
    trapAbsorption: 0.3,
    trapCloseTicks: 2,
    continuationHoldTicks: 2,
  },
  regime: { swingBars: 30, pivotSide: 2, trendAt: 0.6, rangeBelow: 0.35, returnBars: 20, atrBars: 14 },
  window: { startMinute: 9 * 60 + 35, endMinute: 15 * 60 + 45, noEntryStartMinute: 9 * 60 + 30, noEntryEndMinute: 9 * 60 + 40 },
  stops: { trendTicks: 8, rangeTicks: 4, otherTicks: 6, excellentFactor: 0.8, baseBufferTicks: 2 },
  targets: { trendRR: 2.5, rangeRR: 1.5, otherRR: 2, highConfluence: 0.8, highConfluenceFactor: 1.2, minRR: 1.5 },
  rangeAgainstLimit: 0.5,
  mode: 'PAPER',
  modes: {
    DATA_COLLECTION: { minConfidence: 0.55, minConfluence: 0.45, minGrade: 'NO_TRADE', minBaseQuality: 0 },
    PAPER: { minConfidence: 0.7, minConfluence: 0.65, minGrade: 'WEAK', minBaseQuality: 0 },
    LIVE: { minConfidence: 0.8, minConfluence: 0.8, minGrade: 'STRONG', minBaseQuality: 0.75 },
  },
} satisfies MethodConfig);

/** A partial override, any depth. */
export type MethodConfigOverride = { [K in keyof MethodConfig]?: MethodConfig[K] extends object ? Partial<{ [L in keyof MethodConfig[K]]: MethodConfig[K][L] extends object ? Partial<MethodConfig[K][L]> : MethodConfig[K][L] }> : MethodConfig[K] };

/**
 * The defaults with `override` merged in (two levels deep), validated.
 * @throws Error naming each offending field, e.g. `method config: battle.windowBars: Too small: expected number to be >0`.
 */
export function methodConfig(override: MethodConfigOverride = {}): MethodConfig {
  const merged: Record<string, unknown> = structuredClone(DEFAULT_METHOD_CONFIG) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(override)) {
    const base = merged[k];
    if (v !== null && typeof v === 'object' && base !== null && typeof base === 'object') {
      const inner: Record<string, unknown> = { ...(base as Record<string, unknown>) };
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        const b2 = inner[k2];
        inner[k2] = v2 !== null && typeof v2 === 'object' && b2 !== null && typeof b2 === 'object' ? { ...(b2 as object), ...(v2 as object) } : v2;
      }
      merged[k] = inner;
    } else merged[k] = v;
  }
  const res = schema.safeParse(merged);
  if (!res.success) {
    const detail = res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`method config: ${detail}`);
  }
  const c = res.data;
  if (c.bases.minBars > c.bases.maxBars) throw new Error('method config: bases.minBars must not exceed bases.maxBars');
  // The analyzer keeps the last 64 bars and the last 16 VWAP values (engine/method/history.ts, analyzer.ts).
  const lookbacks: [string, number, number][] = [
    ['battle.windowBars', c.battle.windowBars, 63],
    ['avgVolumeBars', c.avgVolumeBars, 63],
    ['bases.maxBars', c.bases.maxBars, 62],
    ['features.slopeBars', c.features.slopeBars, 15],
    ['features.regressionBars', c.features.regressionBars, 63],
    ['features.breakoutBars', c.features.breakoutBars, 63],
    ['features.correlationBars', c.features.correlationBars, 62],
    ['setups.trapBars', c.setups.trapBars, 63],
    ['regime.swingBars', c.regime.swingBars, 64],
    ['regime.returnBars', c.regime.returnBars, 63],
    ['regime.atrBars', c.regime.atrBars, 63],
  ];
  for (const [name, v, max] of lookbacks) if (v > max) throw new Error(`method config: ${name} must be at most ${max} bars (the analyzer's history)`);
  return c;
}

/** The thresholds of the configured mode. */
export function modeThresholdsOf(c: MethodConfig): ModeThresholds {
  return c.modes[c.mode];
}
