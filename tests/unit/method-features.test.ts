/**
 * battle-navale.md section 7: the features (each with its missing-input
 * neutral value), the confluence score and grades, and level zones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SESSION_PHASES, type SessionPhase } from '../../engine/method/config';
import { DEFAULT_METHOD_CONFIG as C, methodConfig } from '../../engine/method/config';
import type { MappedGamma } from '../../engine/method/context';
import {
  confluence,
  dowTrendRegime,
  esNqCorrelation,
  gammaLevelsProximity,
  gradeOf,
  levelProximity,
  optionsFlowBias,
  pullbackQuality,
  sessionPhase,
  sierraPatternStrength,
  volumeConfirmation,
  vwapSlopeScore,
  vwapTrendSignal,
} from '../../engine/method/features';
import { levelsOf, zonesOf, zoneStrength } from '../../engine/method/zones';
import { T, bars, contextOf, flat, levels, type BarSpec } from '../support/bars';

const F = C.features;
const gamma = (over: Partial<MappedGamma> = {}): MappedGamma => ({ callWall: 110, putWall: 99, zeroGamma: 103, netGex: 5e9, callVolume: 1000, putVolume: 500, basis: 0, chainTs: 0, ...over });
// Ten bars whose closes rise one tick a bar (100 .. 102.25)
const RISING: BarSpec[] = Array.from({ length: 10 }, (_, i) => {
  const c = 100 + i * T;
  return [c - T, c + T, c - 2 * T, c, 100] as BarSpec;
});

describe('section 7: features', () => {
  it('vwap slope score thresholds', () => {
    expect([0.6, 0.5, 0.3, 0.2, 0, -0.2, -0.3, -0.5, -0.6].map(vwapSlopeScore)).toEqual([1, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25, 0, 0]);
  });

  it('vwap_trend_signal = 0.4 slope + 0.3 position + 0.3 alignment, mirrored for a SHORT', () => {
    // slope +0.6 -> 1; close 102.25 = VWAP 101.25 + 1 sigma (1) -> 0.5 + 0.5 * 0.5 = 0.75; rising closes & slope -> 1
    // LONG: 0.4 + 0.225 + 0.3 = 0.925. SHORT: slope -0.6 -> 0; position 0.25; both falling -> 0: 0.075
    const ctx = contextOf(bars(RISING), { vwapSlope: 0.6, levels: levels({ vwap: 101.25, vwapSigma: 1 }) });
    expect(vwapTrendSignal(ctx, 1, F)).toBeCloseTo(0.925, 12);
    expect(vwapTrendSignal(ctx, -1, F)).toBeCloseTo(0.075, 12);
    // without levels the position is neutral: 0.4 + 0.15 + 0.3
    expect(vwapTrendSignal(contextOf(bars(RISING), { vwapSlope: 0.6 }), 1, F)).toBeCloseTo(0.85, 12);
  });

  it('sierra_pattern_strength is the larger of ps and the Battle Navale blend', () => {
    const ctx = contextOf(bars(RISING));
    const sg = { ...ctx.signal, s: 0.61, baseQuality: 0.8, battleStrength: 0.61 };
    // 0.4 * (0.61 + 1)/2 + 0.25 * 0.8 + 0.2 * (0.6 + 1)/2 + 0.15 * 0.61 = 0.322 + 0.2 + 0.16 + 0.0915 = 0.7735
    expect(sierraPatternStrength({ ...ctx, signal: sg, tc: 0.6 }, 'LONG')).toBeCloseTo(0.7735, 12);
    // SHORT mirror: 0.4 * (1 - 0.61)/2 + 0.2 + 0.2 * (1 - 0.6)/2 + 0.0915 = 0.078 + 0.2 + 0.04 + 0.0915 = 0.4095
    expect(sierraPatternStrength({ ...ctx, signal: sg, tc: 0.6 }, 'SHORT')).toBeCloseTo(0.4095, 12);
    const strong = { ...ctx, signal: sg, tc: 0.6, patterns: { longDownUp: 0.9, longUpDown: 0, colorDownSetting: 0 } };
    expect(sierraPatternStrength(strong, 'LONG')).toBe(0.9);
  });

  it('dow_trend_regime from the slopes of highs and lows plus momentum', () => {
    // highs and lows rise 1 tick a bar: hs = ls = 0.25 -> 0.5 + 0.5 * min(0.5 / 0.5, 1) = 1; momentum +9 ticks / 100 -> clamp to 1
    const up = contextOf(bars(RISING));
    expect(dowTrendRegime(up, 1, F)).toBe(1);
    // SHORT: both down -> 0.5 - 0.5 = 0, momentum -0.09 -> clamp 0
    expect(dowTrendRegime(up, -1, F)).toBe(0);
    // highs rise, lows fall (mixed) with flat closes: 0.5
    const mixed: BarSpec[] = Array.from({ length: 10 }, (_, i) => [100, 100 + (i + 1) * T, 100 - (i + 1) * T, 100, 100] as BarSpec);
    expect(dowTrendRegime(contextOf(bars(mixed)), 1, F)).toBe(0.5);
    // flat highs and lows (slopes 0: neutral 0.5), the last close 8 ticks above the close 10 bars back: + 8/100
    const drift: BarSpec[] = [...Array.from({ length: 10 }, () => [100, 102.25, 99.75, 100, 100] as BarSpec), [100, 102.25, 99.75, 102, 100]];
    expect(dowTrendRegime(contextOf(bars(drift)), 1, F)).toBeCloseTo(0.58, 12);
    expect(dowTrendRegime(contextOf(bars(drift)), -1, F)).toBeCloseTo(0.42, 12);
  });

  it('gamma_levels_proximity: wall, regime and zero-gamma terms; null without a chain', () => {
    // close 100: put wall 99 is 4 ticks away -> 1 - 4/10 = 0.6; net GEX > 0 and above the put wall -> 0.6;
    // zero gamma 103 is 12 ticks away -> 1 - 12/15 = 0.2. 0.6 * 0.6 + 0.25 * 0.6 + 0.15 * 0.2 = 0.54
    const list = bars([...flat(4), [100, 100.25, 99.75, 100, 100]]);
    expect(gammaLevelsProximity(contextOf(list, { gamma: gamma() }), 1, F)).toBeCloseTo(0.54, 12);
    // at or below the put wall with positive GEX -> 0.7: put wall 100 -> wall 1.0: 0.6 + 0.175 + 0.03 = 0.805
    expect(gammaLevelsProximity(contextOf(list, { gamma: gamma({ putWall: 100 }) }), 1, F)).toBeCloseTo(0.805, 12);
    // negative GEX -15 bn, price below zero gamma (LONG) -> 0.3: 0.36 + 0.075 + 0.03 = 0.465
    expect(gammaLevelsProximity(contextOf(list, { gamma: gamma({ netGex: -15e9 }) }), 1, F)).toBeCloseTo(0.465, 12);
    // SHORT mirror: below zero gamma -> 0.5 + 0.3 * min(1.5, 1) = 0.8; call wall 110 is 40 ticks -> 0: 0 + 0.2 + 0.03 = 0.23
    expect(gammaLevelsProximity(contextOf(list, { gamma: gamma({ netGex: -15e9 }) }), -1, F)).toBeCloseTo(0.23, 12);
    expect(gammaLevelsProximity(contextOf(list), 1, F)).toBeNull();
  });

  it('level_proximity: 1 - d / 3 ticks to the nearest level', () => {
    const list = bars([...flat(4), [100, 100.25, 99.75, 100, 100]]);
    // POC 100.25 is 1 tick away -> 2/3; VWAP 101 is farther
    expect(levelProximity(contextOf(list, { levels: levels({ poc: 100.25, vwap: 101 }) }), F)).toBeCloseTo(2 / 3, 12);
    expect(levelProximity(contextOf(list, { levels: levels({ pVal: 101 }) }), F)).toBe(0);
    expect(levelProximity(contextOf(list), F)).toBeNull();
  });

  it('es_nq_correlation: identical series score 1, too few points 0.5', () => {
    const es = Array.from({ length: 21 }, (_, i) => 4000 + 3 * Math.sin(i));
    expect(esNqCorrelation(es, es, 20)).toBeCloseTo(1, 12);
    expect(esNqCorrelation(es.slice(0, 10), es.slice(0, 10), 20)).toBe(0.5);
    // opposite moves: r = -1 -> 0, divergence large -> the 0.3 term shrinks
    const nq = es.map((x) => 8000 - 2 * (x - 4000));
    expect(esNqCorrelation(es, nq, 20)).toBeLessThan(0.3);
  });

  it('volume_confirmation with and without order flow', () => {
    // avgVol20 100, volume 200: 0.5 * min(200/100/2, 1) = 0.5; ask 150 bid 50: delta 100 agrees -> 0.3 * min(200/200, 1) = 0.3;
    // share 0.75 -> 0.15. LONG = 0.95; SHORT: 0.5 + 0 + 0.2 * 0.25 = 0.55
    const list = bars([...flat(4), [100, 100.25, 99.75, 100, 200, [150, 50]]]);
    expect(volumeConfirmation(contextOf(list), 1).value).toBeCloseTo(0.95, 12);
    expect(volumeConfirmation(contextOf(list), 1).flow).toBe(true);
    expect(volumeConfirmation(contextOf(list), -1).value).toBeCloseTo(0.55, 12);
    // no order flow: the delta and share terms are neutral: 0.5 + 0.15 + 0.1
    const bare = bars([...flat(4), [100, 100.25, 99.75, 100, 200]]);
    expect(volumeConfirmation(contextOf(bare), 1)).toEqual({ value: 0.75, flow: false });
  });

  it('options_flow_bias from put/call volume, mirrored for a SHORT; null without option volume', () => {
    const list = bars(flat(5));
    // calls 1000, puts 500: pc 0.5 -> 0.7 + 0.3 * 0.5 = 0.85 -> 0.6 * 0.85 + 0.4 * 2/3 = 0.7766..
    expect(optionsFlowBias(contextOf(list, { gamma: gamma() }), 1)).toBeCloseTo(0.51 + 0.4 * (2 / 3), 12);
    // SHORT swaps them: pc 2 -> 0.3 - min(0.8 * 0.3, 0.3) = 0.06 -> 0.036 + 0.4 / 3
    expect(optionsFlowBias(contextOf(list, { gamma: gamma() }), -1)).toBeCloseTo(0.036 + 0.4 / 3, 12);
    // pc 1.0 -> 0.5: 0.3 + 0.2
    expect(optionsFlowBias(contextOf(list, { gamma: gamma({ putVolume: 1000 }) }), 1)).toBeCloseTo(0.5, 12);
    expect(optionsFlowBias(contextOf(list, { gamma: gamma({ callVolume: 0, putVolume: 0 }) }), 1)).toBeNull();
    expect(optionsFlowBias(contextOf(list), 1)).toBeNull();
  });

  it.each([
    [9 * 60 + 45, 'ny_open'],
    [11 * 60, 'ny_am'],
    [12 * 60 + 30, 'lunch'],
    [14 * 60, 'ny_pm'],
    [15 * 60 + 30, 'close'],
    [19 * 60, 'asia'],
    [2 * 60, 'asia'],
    [5 * 60, 'london'],
  ] as const)('session phase at minute %s is %s', (minute, phase) => {
    expect(sessionPhase(minute, C.sessionPhaseStart)).toBe(phase);
  });

  it('session phase with any starts (ties too): the latest start at or before the minute, else the latest of the day, ties to the first listed', () => {
    const reference = (minute: number, starts: Record<SessionPhase, number>): SessionPhase => {
      const at = SESSION_PHASES.filter((p) => starts[p] <= minute);
      const pick = (ps: readonly SessionPhase[]) => ps.reduce((a, p) => (starts[p] > starts[a] ? p : a));
      return at.length > 0 ? pick(at) : pick(SESSION_PHASES);
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1439 }), { minLength: 7, maxLength: 7 }), fc.integer({ min: 0, max: 1439 }), (mins, minute) => {
        const starts = Object.fromEntries(SESSION_PHASES.map((p, i) => [p, mins[i] === undefined ? 0 : i % 3 === 0 ? mins[0]! : mins[i]!])) as Record<SessionPhase, number>;
        expect(sessionPhase(minute, starts)).toBe(reference(minute, starts));
      }),
      { numRuns: 2000 },
    );
  });

  it('pullback_quality: 0.3 chasing a breakout, 0.8 at a level within 4 ticks, else 0.5', () => {
    const base = flat(10, 100);
    // breakout: close 101 above the 10-bar high 100.25
    expect(pullbackQuality(contextOf(bars([...base, [100, 101.25, 100, 101, 100]])), 1, F)).toBe(0.3);
    // close 100 sits 3 ticks above VWAP 99.25 -> pullback
    const near = bars([...base, [100.25, 100.25, 99.75, 100, 100]]);
    expect(pullbackQuality(contextOf(near, { levels: levels({ vwap: 99.25 }) }), 1, F)).toBe(0.8);
    // VWAP 5 ticks below: neither
    expect(pullbackQuality(contextOf(near, { levels: levels({ vwap: 98.75 }) }), 1, F)).toBe(0.5);
    // a SHORT wants the level above: VWAP below does not count
    expect(pullbackQuality(contextOf(near, { levels: levels({ vwap: 99.25 }) }), -1, F)).toBe(0.5);
  });

  it('grades: >= 0.85 PREMIUM, >= 0.70 STRONG, >= 0.60 WEAK', () => {
    expect([0.85, 0.849, 0.7, 0.6, 0.599].map((x) => gradeOf(x, C.grades))).toEqual(['PREMIUM', 'STRONG', 'STRONG', 'WEAK', 'NO_TRADE']);
  });

  it('confluence is the weighted sum and names the missing inputs', () => {
    const ctx = contextOf(bars(RISING), { vwapSlope: 0.6, levels: levels({ vwap: 101.25, vwapSigma: 1, poc: 102.25 }) });
    const c = confluence(ctx, 'LONG', C);
    let sum = 0;
    for (const [k, v] of Object.entries(c.features)) sum += C.weights[k as keyof typeof C.weights] * v;
    expect(c.score).toBeCloseTo(sum, 12);
    expect(c.features.gamma_levels_proximity).toBe(0.5);
    expect(c.features.es_nq_correlation).toBe(0.5);
    expect(c.features.options_flow_bias).toBe(0.5);
    expect(c.features.level_proximity).toBe(1);
    expect(c.features.session_context).toBe(0.75); // 10:01 ET: ny_open
    expect([...c.missing].sort()).toEqual(['gamma', 'nq', 'optionsFlow', 'orderFlow']);
    expect(c.grade).toBe(gradeOf(c.score, C.grades));
  });
});

describe('section 7: level zones', () => {
  it('groups levels within 3 ticks and scores sum / 5', () => {
    const z = zonesOf(
      [
        { name: 'POC', price: 100, weight: 0.9 },
        { name: 'VAH', price: 100.5, weight: 0.8 },
        { name: 'VWAP', price: 100.75, weight: 0.8 },
        { name: 'round', price: 101.5, weight: 0.3 },
      ],
      T,
      C.zones,
    );
    // 100, 100.5, 100.75 within 0.75 -> (0.9 + 0.8 + 0.8) / 5 = 0.5 MODERATE; 101.5 alone 0.06
    expect(z).toHaveLength(2);
    expect(z[0]).toMatchObject({ low: 100, high: 100.75, strength: 'MODERATE', levels: ['POC', 'VAH', 'VWAP'] });
    expect(z[0]!.score).toBeCloseTo(0.5, 12);
    expect(z[1]!.score).toBeCloseTo(0.06, 12);
  });

  it('caps the score at 1 and names the strengths', () => {
    const z = zonesOf([1, 1, 1, 1, 0.9, 0.9].map((w, i) => ({ name: `l${i}`, price: 100, weight: w })), T, C.zones);
    expect(z[0]!.score).toBe(1);
    expect([0.8, 0.6, 0.4, 0.39].map(zoneStrength)).toEqual(['EXTREME', 'STRONG', 'MODERATE', 'WEAK']);
  });

  it('lists every known level with the spec weights, round and psychological numbers around the price', () => {
    const ctx = contextOf(bars([...flat(4), [4410, 4410.25, 4409.75, 4410, 100]]), {
      levels: levels({ poc: 4400, vah: 4420, val: 4390, vwap: 4405, vwapSigma: 5, pPoc: 4380, pVah: 4430, pVal: 4370, sessionHigh: 4440, sessionLow: 4360 }),
      gamma: gamma({ callWall: 4450, putWall: 4350, zeroGamma: 4398 }),
      overnightHigh: 4425,
      overnightLow: 4385,
    });
    const byName = Object.fromEntries(levelsOf(ctx, C.zones).map((l) => [l.name, [l.price, l.weight]]));
    expect(byName).toMatchObject({
      'call wall': [4450, 1],
      'put wall': [4350, 1],
      'zero gamma': [4398, 0.9],
      POC: [4400, 0.9],
      VAH: [4420, 0.8],
      VWAP: [4405, 0.8],
      'VWAP +1σ': [4410, 0.7],
      'VWAP -2σ': [4395, 0.6],
      pPOC: [4380, 0.7],
      pVAL: [4370, 0.6],
      'session high': [4440, 0.5],
      'overnight low': [4385, 0.4],
      'round 4400': [4400, 0.3],
      'round 4425': [4425, 0.3],
      'psychological 4400': [4400, 0.2],
      'psychological 4500': [4500, 0.2],
    });
  });

  it('validates the configuration and names a bad field', () => {
    expect(() => methodConfig({ battle: { windowBars: 0 } })).toThrow(/battle\.windowBars/);
    expect(() => methodConfig({ mode: 'YOLO' as never })).toThrow(/mode/);
    expect(() => methodConfig({ features: { slopeBars: 20 } })).toThrow(/features\.slopeBars must be at most 15 bars/);
    expect(methodConfig({ modes: { LIVE: { minConfidence: 0.9 } } as never }).modes.LIVE).toEqual({ ...C.modes.LIVE, minConfidence: 0.9 });
  });
});
