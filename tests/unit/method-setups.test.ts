/**
 * battle-navale.md sections 8 (setups: each one's trigger and non-trigger),
 * 9 (regime and strategy selection) and 10 (from setup to signal: window,
 * stops and targets) against hand-computed bars.
 */
import { describe, expect, it } from 'vitest';
import { inWindow, stopAndTarget, strategyAllows } from '../../engine/method/analyzer';
import type { Base, BaseState } from '../../engine/method/bases';
import { DEFAULT_METHOD_CONFIG as C } from '../../engine/method/config';
import type { MappedGamma } from '../../engine/method/context';
import { averageTrueRange, dowStructure, regimeOf } from '../../engine/method/regime';
import { baseRetest, gammaFlip, gammaPin, levelConfluence, trap, vaRejection, vwapDeviation, type SetupProposal } from '../../engine/method/setups';
import { zonesOf } from '../../engine/method/zones';
import { T, bars, contextOf, flat, historyOf, levels, type BarSpec } from '../support/bars';

const S = C.setups;
const gamma = (over: Partial<MappedGamma> = {}): MappedGamma => ({ callWall: 110, putWall: 90, zeroGamma: 100, netGex: 5e9, callVolume: 0, putVolume: 0, basis: 0, chainTs: 0, ...over });
const last = (spec: BarSpec, pad = flat(20)) => bars([...pad, spec]);

describe('setup 1: VAH/VAL rejection', () => {
  const L = levels({ vah: 102, val: 98, poc: 100 });
  it('SHORT at VAH: probe 2 ticks above, close back inside, target POC', () => {
    const p = vaRejection(contextOf(last([101.75, 102.5, 101.5, 101.75, 100]), { levels: L }), S);
    expect(p).toMatchObject({ side: 'SHORT', kind: 'range', label: 'VAH rej', entry: 101.75, stopRef: 102.5, target: 100 });
  });
  it('LONG at VAL', () => {
    expect(vaRejection(contextOf(last([98.25, 98.5, 97.5, 98.25, 100]), { levels: L }), S)).toMatchObject({ side: 'LONG', target: 100 });
  });
  it('no setup on a 1-tick probe, a close outside, or delta with the probe', () => {
    expect(vaRejection(contextOf(last([101.75, 102.25, 101.5, 101.75, 100]), { levels: L }), S)).toBeNull();
    expect(vaRejection(contextOf(last([101.75, 102.5, 101.5, 102.25, 100]), { levels: L }), S)).toBeNull();
    expect(vaRejection(contextOf(last([101.75, 102.5, 101.5, 101.75, 100, [70, 30]]), { levels: L }), S)).toBeNull();
    expect(vaRejection(contextOf(last([101.75, 102.5, 101.5, 101.75, 100, [30, 70]]), { levels: L }), S)).not.toBeNull();
  });
  it('uses the previous value area too', () => {
    const p = vaRejection(contextOf(last([101.75, 102.5, 101.5, 101.75, 100]), { levels: levels({ pVah: 102, pVal: 98, pPoc: 99 }) }), S);
    expect(p).toMatchObject({ side: 'SHORT', label: 'pVAH rej', target: 99 });
  });
});

describe('setup 2: VWAP deviation', () => {
  const L = levels({ vwap: 100, vwapSigma: 1 });
  it('reversion: close beyond +2 sigma on a red bar -> SHORT toward VWAP', () => {
    expect(vwapDeviation(contextOf(last([102.75, 103, 102.25, 102.5, 100]), { levels: L }), S, 0)).toMatchObject({ side: 'SHORT', form: 'reversion', kind: 'range', target: 100 });
  });
  it('reversion needs a reversal bar (or delta against the move)', () => {
    expect(vwapDeviation(contextOf(last([102.25, 103, 102.25, 102.5, 100]), { levels: L }), S, 0)).toBeNull();
    expect(vwapDeviation(contextOf(last([102.25, 103, 102.25, 102.5, 100, [20, 80]]), { levels: L }), S, 0)).toMatchObject({ side: 'SHORT' });
    expect(vwapDeviation(contextOf(last([97.25, 97.75, 97, 97.5, 100]), { levels: L }), S, 0)).toMatchObject({ side: 'LONG', form: 'reversion' });
    expect(vwapDeviation(contextOf(last([101.5, 101.75, 101.25, 101.5, 100]), { levels: L }), S, 0)).toBeNull(); // inside 2 sigma
  });
  it('continuation in a bull trend: low within 2 ticks of VWAP, close above', () => {
    expect(vwapDeviation(contextOf(last([100.5, 101, 100.25, 100.75, 100]), { levels: L }), S, 1)).toMatchObject({ side: 'LONG', form: 'continuation', kind: 'trend' });
    // holds the +1 sigma band (101)
    expect(vwapDeviation(contextOf(last([101.5, 102, 101.25, 101.75, 100]), { levels: L }), S, 1)).toMatchObject({ side: 'LONG', form: 'continuation' });
    // low 3 ticks above VWAP and 3 ticks under the band: no touch
    expect(vwapDeviation(contextOf(last([100.75, 101, 100.75, 101, 100]), { levels: levels({ vwap: 100, vwapSigma: 1.5 }) }), S, 1)).toBeNull();
    // bear trend mirror
    expect(vwapDeviation(contextOf(last([99.5, 99.75, 99, 99.25, 100]), { levels: L }), S, -1)).toMatchObject({ side: 'SHORT', form: 'continuation' });
  });
});

describe('setup 3: gamma flip momentum', () => {
  // 20 flat bars at 99.75 with volume 100: avgVol20 100
  const pad = flat(20, 99.75);
  it('a close across zero gamma on volume > 1.5 x avgVol20', () => {
    expect(gammaFlip(contextOf(last([99.75, 100.5, 99.75, 100.25, 151], pad), { gamma: gamma() }), S)).toMatchObject({ side: 'LONG', kind: 'trend' });
    const above = flat(20, 100.25);
    expect(gammaFlip(contextOf(last([100.25, 100.25, 99.5, 99.75, 200], above), { gamma: gamma() }), S)).toMatchObject({ side: 'SHORT' });
  });
  it('not on 1.5 x volume exactly, nor without a cross or a chain', () => {
    expect(gammaFlip(contextOf(last([99.75, 100.5, 99.75, 100.25, 150], pad), { gamma: gamma() }), S)).toBeNull();
    expect(gammaFlip(contextOf(last([99.75, 100, 99.5, 99.75, 300], pad), { gamma: gamma() }), S)).toBeNull();
    expect(gammaFlip(contextOf(last([99.75, 100.5, 99.75, 100.25, 300], pad)), S)).toBeNull();
  });
});

const greenBase: Base = {
  id: 1, startTs: 0, endTs: 0, confirmedTs: 0, bars: 6, high: 100, low: 99, rangeTicks: 4, upCloses: 4, downCloses: 1,
  askVolume: null, bidVolume: null, type: 'GREEN', quality: 0.7, terms: { duration: 0, size: 0, volumeConsistency: 0, tests: 0 },
  touches: 4, rating: 'GOOD', qualified: true, breakout: 'up',
};
const holding = (g: Base, violated = false): BaseState => ({ forming: null, confirmed: null, governing: g, violated, violatedNow: false });

describe('setup 4: Battle Navale base retest', () => {
  const won = (ctx: ReturnType<typeof contextOf>, side: 'LONG' | 'SHORT') => ({ ...ctx, signal: { ...ctx.signal, status: 'BATTLE_WON' as const, candidate: side } });
  it('LONG: low within 2 ticks of the green base high, close above it', () => {
    const ctx = won(contextOf(last([100.25, 101, 99.75, 100.75, 100]), { bases: holding(greenBase) }), 'LONG');
    expect(baseRetest(ctx, S)).toMatchObject({ side: 'LONG', label: 'BN', stopRef: 99 });
  });
  it('or on the bar completing a Long Down-Up', () => {
    const ctx = won(contextOf(last([101, 102, 101, 101.5, 100]), { bases: holding(greenBase), patterns: { longDownUp: 0.6, longUpDown: 0, colorDownSetting: 0 } }), 'LONG');
    expect(baseRetest(ctx, S)).toMatchObject({ side: 'LONG', reason: 'Long Down-Up above a green base' });
  });
  it('not without BATTLE_WON, under a violated base, or when the retest fails', () => {
    const bar: BarSpec = [100.25, 101, 99.75, 100.75, 100];
    const plain = contextOf(last(bar), { bases: holding(greenBase) });
    expect(baseRetest({ ...plain, signal: { ...plain.signal, status: 'VIKINGS_WINNING', candidate: 'LONG' } }, S)).toBeNull();
    expect(baseRetest(won(contextOf(last(bar), { bases: holding(greenBase, true) }), 'LONG'), S)).toBeNull();
    // low 3 ticks above the base high: no retest
    expect(baseRetest(won(contextOf(last([101, 101.5, 100.75, 101.25, 100]), { bases: holding(greenBase) }), 'LONG'), S)).toBeNull();
    // closes under the base high
    expect(baseRetest(won(contextOf(last([100.25, 100.5, 99.75, 99.75, 100]), { bases: holding(greenBase) }), 'LONG'), S)).toBeNull();
  });
  it('SHORT mirror under a red base', () => {
    const red = { ...greenBase, type: 'RED' as const, high: 101, low: 100 };
    const ctx = won(contextOf(last([99.75, 100.25, 99, 99.25, 100]), { bases: holding(red) }), 'SHORT');
    expect(baseRetest(ctx, S)).toMatchObject({ side: 'SHORT', stopRef: 101 });
  });
});

describe('setup 5: multi-level confluence', () => {
  const zone = zonesOf([{ name: 'POC', price: 100, weight: 0.9 }, { name: 'VAL', price: 100.25, weight: 0.8 }, { name: 'put wall', price: 100.5, weight: 1 }, { name: 'round', price: 100, weight: 0.3 }], T, C.zones);
  // zone 100..100.5, score (0.9 + 0.8 + 1 + 0.3) / 5 = 0.6 STRONG
  it('a rejection wick of 2+ ticks into a zone of score >= 0.6, closing beyond it', () => {
    expect(zone[0]!.score).toBeCloseTo(0.6, 12);
    expect(levelConfluence(contextOf(last([100.75, 101, 100.25, 101, 100])), zone, S)).toMatchObject({ side: 'LONG', label: 'Zone' });
    // upper wick 100.25 - 99.75 = 2 ticks into the zone, close under its low 100 -> SHORT
    expect(levelConfluence(contextOf(last([99.75, 100.25, 99.5, 99.75, 100])), zone, S)).toMatchObject({ side: 'SHORT' });
    // a wick into the zone that closes inside it: no reaction
    expect(levelConfluence(contextOf(last([100.25, 100.75, 99.75, 100.25, 100])), zone, S)).toBeNull();
  });
  it('not with a 1-tick wick or a weaker zone', () => {
    expect(levelConfluence(contextOf(last([100.75, 101, 100.5, 101, 100])), zone, S)).toBeNull();
    const weak = zonesOf([{ name: 'POC', price: 100, weight: 0.9 }], T, C.zones);
    expect(levelConfluence(contextOf(last([100.75, 101, 100.25, 101, 100])), weak, S)).toBeNull();
  });
});

describe('setup 6: gamma pin', () => {
  // avgVol20 100; call wall 110
  const pad = flat(20, 110.5);
  it('within 5 ticks of a wall, positive GEX, volume < 0.7 x avg, moving away: fade back', () => {
    expect(gammaPin(contextOf(last([110.5, 111, 110.5, 111, 60], pad), { gamma: gamma() }), S)).toMatchObject({ side: 'SHORT', kind: 'range', target: 110 });
  });
  it('not with negative GEX, normal volume, too far, or moving toward the wall', () => {
    expect(gammaPin(contextOf(last([110.5, 111, 110.5, 111, 60], pad), { gamma: gamma({ netGex: -1 }) }), S)).toBeNull();
    expect(gammaPin(contextOf(last([110.5, 111, 110.5, 111, 70], pad), { gamma: gamma() }), S)).toBeNull();
    expect(gammaPin(contextOf(last([110.5, 111.5, 110.5, 111.5, 60], pad), { gamma: gamma() }), S)).toBeNull();
    expect(gammaPin(contextOf(last([111, 111, 110.5, 110.5, 60], pad), { gamma: gamma() }), S)).toBeNull();
  });
});

describe('setup 7: headfake / trap', () => {
  // 20 bars 99.75..100.25, volume 100
  it('BULL_TRAP: breaks the 10-bar high on 1.5x volume with absorption and closes back -> SHORT', () => {
    // high 100.75 > 100.25; volume 200 > 150; |delta| 20 / 200 = 0.1 < 0.3; close 100.5 <= 100.25 + 0.5
    expect(trap(contextOf(last([100, 100.75, 100, 100.5, 200, [110, 90]])), S)).toMatchObject({ side: 'SHORT', label: 'Bull trap' });
    expect(trap(contextOf(last([100, 100, 99.25, 99.5, 200, [90, 110]])), S)).toMatchObject({ side: 'LONG', label: 'Bear trap' });
  });
  it('not without absorption, volume, closing back, or order flow', () => {
    expect(trap(contextOf(last([100, 100.75, 100, 100.5, 200, [140, 60]])), S)).toBeNull(); // 80/200 = 0.4
    expect(trap(contextOf(last([100, 100.75, 100, 100.5, 150, [80, 70]])), S)).toBeNull();
    expect(trap(contextOf(last([100, 101.25, 100, 101, 200, [110, 90]])), S)).toBeNull(); // 3 ticks beyond
    expect(trap(contextOf(last([100, 100.75, 100, 100.5, 200])), S)).toBeNull();
  });
});

describe('section 9: regime', () => {
  // A 4-bar wave on a drift of 1 tick a bar: high_i = 100 + 0.25 i + 2 w(i), w = 0, 1, 0, -1, low = high - 1.
  // Pivot highs at i = 1, 5, 9, ... (each 1 point above the last), pivot lows at i = 3, 7, 11, ... (likewise).
  const wave = (n: number): BarSpec[] =>
    Array.from({ length: n }, (_, i) => {
      const high = 100 + 0.25 * i + 2 * [0, 1, 0, -1][i % 4]!;
      return [high - 0.5, high, high - 1, high - 0.5, 100] as BarSpec;
    });

  it('Dow structure counts higher highs and higher lows among 5-bar pivots', () => {
    // 32 bars (0..31), the last 30 are 2..31; a pivot needs 2 bars each side inside them: candidates 4..29.
    // highs at 5, 9, .., 29 (7), lows at 7, 11, .., 27 (6) -> 6 + 5 pairs, all higher: share 1, bullish
    const s = dowStructure(historyOf(bars(wave(32))), 30, 2);
    expect(s).toEqual({ share: 1, direction: 1, swingHighs: 7, swingLows: 6 });
    // the mirror image is bearish
    const down = wave(32).map(([o, h, l, c, v]) => [-o + 300, -l + 300, -h + 300, -c + 300, v] as BarSpec);
    expect(dowStructure(historyOf(bars(down)), 30, 2)).toMatchObject({ share: 1, direction: -1 });
    expect(dowStructure(historyOf(bars(flat(30))), 30, 2)).toMatchObject({ share: 0, direction: 0 });
  });

  it('ATR14 is the mean true range of 14 bars', () => {
    // 15 bars, each H - L = 1 with no gaps: ATR = 1; one gap bar: TR = |H - prev C| = 3
    const list: BarSpec[] = Array.from({ length: 15 }, () => [100, 100.5, 99.5, 100, 1] as BarSpec);
    expect(averageTrueRange(historyOf(bars(list)), 14)).toBe(1);
    list[14] = [102, 103, 102, 102.5, 1];
    expect(averageTrueRange(historyOf(bars(list)), 14)).toBeCloseTo((13 + 3) / 14, 12);
    expect(averageTrueRange(historyOf(bars(list.slice(0, 14))), 14)).toBeNaN();
  });

  it('TREND_BULL needs strength >= 0.6 with structure and VWAP slope agreeing; RANGE below 0.35', () => {
    const h = historyOf(bars(wave(40)));
    const bull = regimeOf(h, 2, C.regime);
    expect(bull.structure.direction).toBe(1);
    // strength = 0.4 * share + 0.35 * min(2/2, 1) + 0.25 * min(|20-bar return| / (2 ATR), 1)
    expect(bull.strength).toBeCloseTo(0.4 * bull.structure.share + 0.35 + 0.25 * Math.min(Math.abs(h.at(0).close - h.at(20).close) / (2 * bull.atr), 1), 12);
    expect(bull.regime).toBe('TREND_BULL');
    expect(regimeOf(h, -2, C.regime).regime).toBe('TRANSITION'); // slope disagrees
    expect(regimeOf(historyOf(bars(flat(40))), 0, C.regime).regime).toBe('RANGE');
  });

  it('strategy selection by regime', () => {
    const p = (setup: SetupProposal['setup'], side: 'LONG' | 'SHORT', form: SetupProposal['form'] = null) => ({ setup, side, form }) as SetupProposal;
    expect(strategyAllows('TREND_BULL', p('BN_BASE_RETEST', 'LONG'))).toBe(true);
    expect(strategyAllows('TREND_BULL', p('BN_BASE_RETEST', 'SHORT'))).toBe(false);
    expect(strategyAllows('TREND_BULL', p('VWAP_DEVIATION', 'LONG', 'continuation'))).toBe(true);
    expect(strategyAllows('TREND_BULL', p('VA_REJECTION', 'LONG'))).toBe(false);
    expect(strategyAllows('TREND_BEAR', p('GAMMA_FLIP', 'SHORT'))).toBe(true);
    expect(strategyAllows('RANGE', p('VWAP_DEVIATION', 'LONG', 'reversion'))).toBe(true);
    expect(strategyAllows('RANGE', p('VWAP_DEVIATION', 'LONG', 'continuation'))).toBe(false);
    expect(strategyAllows('RANGE', p('GAMMA_FLIP', 'LONG'))).toBe(false);
    expect(strategyAllows('RANGE', p('TRAP', 'SHORT'))).toBe(true);
    expect(strategyAllows('TRANSITION', p('GAMMA_FLIP', 'SHORT'))).toBe(true);
  });
});

describe('section 10: window, stops and targets', () => {
  it('trades 09:40 to 15:45 ET (09:35 start, no new entries 09:30-09:40)', () => {
    const m = (h: number, mm: number) => h * 60 + mm;
    expect([m(9, 35), m(9, 39), m(9, 40), m(15, 44), m(15, 45), m(3, 0)].map((x) => inWindow(x, C.window))).toEqual([false, false, true, true, false, false]);
  });

  const proposal = (kind: SetupProposal['kind'], side: 'LONG' | 'SHORT', entry: number, target: number | null = null) =>
    ({ setup: 'VA_REJECTION', form: null, kind, side, label: '', entry, stopRef: entry, target, reason: '' }) as SetupProposal;
  const none: BaseState = { forming: null, confirmed: null, governing: null, violated: false, violatedNow: false };

  it('stop 8 / 4 / 6 ticks by kind, target at 2.5 / 1.5 / 2.0 R', () => {
    // trend LONG at 100: stop 98, target 100 + 2.5 * 2 = 105
    expect(stopAndTarget(proposal('trend', 'LONG', 100), { t: T, bases: none }, 0.7, C)).toEqual({ stop: 98, target: 105, rewardRisk: 2.5, riskTicks: 8 });
    // range SHORT at 100: stop 101, target 100 - 1.5 = 98.5
    expect(stopAndTarget(proposal('range', 'SHORT', 100), { t: T, bases: none }, 0.7, C)).toEqual({ stop: 101, target: 98.5, rewardRisk: 1.5, riskTicks: 4 });
    // other LONG: 6 ticks, 2R = 12 ticks
    expect(stopAndTarget(proposal('other', 'LONG', 100), { t: T, bases: none }, 0.7, C)).toEqual({ stop: 98.5, target: 103, rewardRisk: 2, riskTicks: 6 });
  });

  it('x1.2 reward above 0.8 confluence; the setup target when nearer', () => {
    // other: 6 ticks, 2 * 1.2 = 2.4R = 14.4 -> 14 ticks (rounded toward the entry)
    expect(stopAndTarget(proposal('other', 'LONG', 100), { t: T, bases: none }, 0.81, C)).toMatchObject({ target: 103.5, riskTicks: 6 });
    expect(stopAndTarget(proposal('other', 'LONG', 100), { t: T, bases: none }, 0.81, C).rewardRisk).toBeCloseTo(14 / 6, 12);
    // range LONG with POC 1 point above: 4-tick reward < 6 -> 1.0R (dropped by the 1.5 minimum)
    expect(stopAndTarget(proposal('range', 'LONG', 100, 101), { t: T, bases: none }, 0.7, C)).toMatchObject({ target: 101, rewardRisk: 1 });
    // a setup target on the wrong side is ignored
    expect(stopAndTarget(proposal('range', 'LONG', 100, 99), { t: T, bases: none }, 0.7, C)).toMatchObject({ target: 101.5 });
  });

  it('x0.8 under an EXCELLENT base, and a LONG stop never above base.low - 2 ticks', () => {
    const excellent = { ...greenBase, rating: 'EXCELLENT' as const, low: 99.5 };
    // trend 8 * 0.8 = 6.4 -> 7 ticks: 98.25; base.low - 2t = 99 is higher, so 98.25 stays
    expect(stopAndTarget(proposal('trend', 'LONG', 100), { t: T, bases: holding(excellent) }, 0.7, C)).toMatchObject({ stop: 98.25, riskTicks: 7 });
    // range 4 ticks would be 99, but base.low 98 - 0.5 = 97.5 is lower: the stop goes there (10 ticks)
    expect(stopAndTarget(proposal('range', 'LONG', 100), { t: T, bases: holding({ ...greenBase, low: 98 }) }, 0.7, C)).toMatchObject({ stop: 97.5, riskTicks: 10 });
    // SHORT under a RED base: never below base.high + 2 ticks
    const red = { ...greenBase, type: 'RED' as const, high: 101 };
    expect(stopAndTarget(proposal('range', 'SHORT', 100), { t: T, bases: holding(red) }, 0.7, C)).toMatchObject({ stop: 101.5 });
  });
});
