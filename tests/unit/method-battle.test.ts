/**
 * battle-navale.md sections 1 (battle balance), 4 (bar patterns) and 5 (the
 * Battle Navale signal) against hand-computed bars. The arithmetic is in the
 * comments.
 */
import { describe, expect, it } from 'vitest';
import { battleBalance, bodyRatio } from '../../engine/method/battle';
import type { Base, BaseState } from '../../engine/method/bases';
import { DEFAULT_METHOD_CONFIG as C } from '../../engine/method/config';
import { BarHistory } from '../../engine/method/history';
import { colorDownSetting, directionalPatternStrength, longDownUp, longUpDown, patternStrengths } from '../../engine/method/patterns';
import { battleConfidence, battleSignal } from '../../engine/method/signal';
import { T, bars, historyOf, type BarSpec } from '../support/bars';

// Five bars, volumes 100/100/100/200/100:
//  1 green, body 1/1 = 1.0 (strong)      avgVol20 = own 100 (no bar before)  f = 1
//  2 green, body 0.75/1 = 0.75 (strong)  avgVol20 = 100                       f = 1
//  3 doji                                 (adds nothing)
//  4 red, body 0.5/1 (not strong)         avgVol20 = (100+100+100)/3 = 100     f = min(2, 2) = 2
//  5 red, body 1.0 (strong)               avgVol20 = 500/4 = 125               f = 0.8
// V = 0.8*1 + 0.2*1 + 0.8*0.75 + 0.2*1 = 1.8
// D = 0.2*2 + 0.8*1 + 0.2*0.8 = 1.36
// b = 2 * 1.8 / 3.16 - 1 = 0.44 / 3.16 = 0.13924050632911392
const FIVE: BarSpec[] = [
  [100, 101, 100, 101, 100],
  [100, 101, 100, 100.75, 100],
  [100.5, 101, 100, 100.5, 100],
  [101, 101, 100, 100.5, 200],
  [101, 101, 100, 100, 100],
];

const withFlow = (specs: BarSpec[], flows: [number, number][]): BarSpec[] => specs.map((s, i) => [s[0], s[1], s[2], s[3], s[4], flows[i]]);

describe('section 1: Vikings vs Defenders', () => {
  it('scores strong bodies and relative volume; a doji adds nothing', () => {
    const r = battleBalance(historyOf(bars(FIVE)), C.battle);
    expect(r.complete).toBe(true);
    expect(r.vikings).toBeCloseTo(1.8, 12);
    expect(r.defenders).toBeCloseTo(1.36, 12);
    expect(r.balance).toBeCloseTo(0.13924050632911392, 12);
    expect(r.deltaRatio).toBeNull();
  });

  it('body ratio is |C - O| / (H - L), 0 without a range', () => {
    expect(bodyRatio(100, 101, 100, 100.75)).toBe(0.75);
    expect(bodyRatio(100, 100, 100, 100)).toBe(0);
  });

  it('is 0 with NO_BATTLE below 5 bars', () => {
    const r = battleBalance(historyOf(bars(FIVE.slice(0, 4))), C.battle);
    expect(r).toMatchObject({ balance: 0, complete: false });
    const s = battleSignal(r.balance, r.complete, 0, { forming: null, confirmed: null, governing: null, violated: false, violatedNow: false }, patternStrengths(historyOf(bars(FIVE.slice(0, 4))), T), C.signal);
    expect(s.status).toBe('NO_BATTLE');
  });

  it('is 0 when both sides score 0 (five dojis)', () => {
    const r = battleBalance(historyOf(bars(Array.from({ length: 5 }, () => [100, 100.5, 99.5, 100, 100] as BarSpec))), C.battle);
    expect(r.balance).toBe(0);
  });

  it('adds the delta ratio and aggressor share terms when order flow is known', () => {
    // ask 400, bid 200: dr = 200/600 = 1/3 -> 0.5 * min(1.11, 1) = 0.5 to V; share 0.667 > 0.6 -> +0.3 to V
    // V = 1.8 + 0.8 = 2.6, D = 1.36; b = 1.24 / 3.96 = 0.31313131...
    const r = battleBalance(historyOf(bars(withFlow(FIVE, [[80, 40], [80, 40], [80, 40], [80, 40], [80, 40]]))), C.battle);
    expect(r.deltaRatio).toBeCloseTo(1 / 3, 12);
    expect(r.aggressorShare).toBeCloseTo(2 / 3, 12);
    expect(r.vikings).toBeCloseTo(2.6, 12);
    expect(r.balance).toBeCloseTo(1.24 / 3.96, 12);
  });

  it('scales a small delta ratio and skips the aggressor term between 0.4 and 0.6', () => {
    // ask 330, bid 270: dr = 0.1 -> 0.5 * 0.1 / 0.3 = 0.1666.. to V; share 0.55: nothing
    // V = 1.9666.., D = 1.36 -> b = 0.6066.. / 3.3266.. = 0.18236...
    const r = battleBalance(historyOf(bars(withFlow(FIVE, [[66, 54], [66, 54], [66, 54], [66, 54], [66, 54]]))), C.battle);
    expect(r.vikings).toBeCloseTo(1.8 + 0.5 / 3, 12);
    expect(r.balance).toBeCloseTo((1.8 + 0.5 / 3 - 1.36) / (1.8 + 0.5 / 3 + 1.36), 12);
  });

  it('gives selling order flow to the Defenders', () => {
    // ask 100, bid 500: dr = -2/3 -> 0.5 to D; share 1/6 < 0.4 -> +0.3 to D. D = 1.36 + 0.8 = 2.16
    const r = battleBalance(historyOf(bars(withFlow(FIVE, [[20, 100], [20, 100], [20, 100], [20, 100], [20, 100]]))), C.battle);
    expect(r.defenders).toBeCloseTo(2.16, 12);
    expect(r.balance).toBeCloseTo((1.8 - 2.16) / (1.8 + 2.16), 12);
  });

  it('ignores order flow unless every bar of the window has it', () => {
    const specs = withFlow(FIVE, [[80, 40], [80, 40], [80, 40], [80, 40], [80, 40]]);
    specs[2] = FIVE[2]!;
    expect(battleBalance(historyOf(bars(specs)), C.battle).balance).toBeCloseTo(0.13924050632911392, 12);
  });

  it('records each bar\'s avgVol20 as the mean of up to 20 earlier bars', () => {
    const h = new BarHistory(20);
    const list = bars(Array.from({ length: 25 }, (_, i) => [100, 101, 99, 100, i + 1] as BarSpec));
    for (const b of list) h.push(b);
    expect(h.avgVolumeAt(24)).toBe(1); // first bar: its own volume
    expect(h.avgVolumeAt(23)).toBe(1); // mean(1)
    expect(h.avgVolumeAt(0)).toBe((5 + 24) / 2); // bar 25: mean of bars 5..24
  });
});

// Long Down-Up: x, y, z with t = 0.25 (8t = 2 points)
//   x O104 H105 L103 C104.5 | y O104 H104.25 L102 C102.5 V50 | z O103 H105.5 L102.75 C105.25
//   O_y 104 < C_x 104.5; H_x 105 > L_y + 2 = 104; O_z 103 > C_y 102.5; H_z 105.5 > 104; H_z 105.5 > H_x 105
//   strength = 0.7 * min(3 / 4, 1) + 0.3 * min(50 / 100, 1) = 0.525 + 0.15 = 0.675
const X = bars([[104, 105, 103, 104.5, 100]])[0]!;
const Y = bars([[104, 104.25, 102, 102.5, 50]])[0]!;
const Z = bars([[103, 105.5, 102.75, 105.25, 100]])[0]!;

describe('section 4: Sierra Chart bar patterns', () => {
  it('Long Down-Up fires with its strength', () => {
    expect(longDownUp(X, Y, Z, 100, T)).toBeCloseTo(0.675, 12);
  });

  it.each([
    ['O_y < C_x', { y: { open: 104.5 } }],
    ['H_x > L_y + 8t', { x: { high: 104 } }],
    ['O_z > C_y', { z: { open: 102.5 } }],
    // H_z > L_y + 8t follows from H_z > H_x > L_y + 8t, so it cannot fail alone: this one fails both.
    ['H_z > L_y + 8t (and H_z > H_x)', { z: { high: 104 } }],
    ['H_z > H_x', { z: { high: 105 } }],
  ])('Long Down-Up is absent when %s fails', (_name, change) => {
    const c = change as { x?: object; y?: object; z?: object };
    expect(longDownUp({ ...X, ...c.x }, { ...Y, ...c.y }, { ...Z, ...c.z }, 100, T)).toBe(0);
  });

  // Long Up-Down: x O101 H102 L100 C101.5 | y O102 H103 L101.75 C102.5 V100 | z O102.25 H102.5 L99.5 C99.75
  //   O_y 102 > C_x 101.5; H_y 103 > L_x + 2 = 102; O_z 102.25 < C_y 102.5; H_y 103 > L_z + 2 = 101.5; L_z 99.5 < L_x 100
  //   strength = 0.7 * min((103 - 100) / 4, 1) + 0.3 * min(100 / 200, 1) = 0.525 + 0.15 = 0.675
  const x = bars([[101, 102, 100, 101.5, 100]])[0]!;
  const y = bars([[102, 103, 101.75, 102.5, 100]])[0]!;
  const z = bars([[102.25, 102.5, 99.5, 99.75, 100]])[0]!;
  it('Long Up-Down fires with its strength', () => {
    expect(longUpDown(x, y, z, 200, T)).toBeCloseTo(0.675, 12);
  });

  it.each([
    ['O_y > C_x', { y: { open: 101.5 } }],
    ['H_y > L_x + 8t', { x: { low: 101 }, z: { low: 99.5 } }],
    ['O_z < C_y', { z: { open: 102.5 } }],
    // H_y > L_z + 8t follows from H_y > L_x + 8t and L_z < L_x: this one fails it with L_z < L_x.
    ['H_y > L_z + 8t (and L_z < L_x)', { z: { low: 101.25 } }],
    ['L_z < L_x', { z: { low: 100 } }],
  ])('Long Up-Down is absent when %s fails', (_name, change) => {
    const c = change as { x?: object; y?: object; z?: object };
    expect(longUpDown({ ...x, ...c.x }, { ...y, ...c.y }, { ...z, ...c.z }, 200, T)).toBe(0);
  });

  // Color Down Setting, 12t = 3 points:
  //   w O100 H104 L100 C103 | x O102.5 H103.5 L99.5 C100 | y O100.5 H103.25 L100 C103 | z O102.75 H103 L99.75 C100
  //   O_z 102.75 < C_y 103; H_y 103.25 > L_z + 3 = 102.75; L_z 99.75 < L_y 100; O_x 102.5 < C_w 103;
  //   H_w 104 > L_x + 3 = 102.5; L_x 99.5 < L_w 100; H_y 103.25 < H_x 103.5
  //   strength = 0.8 * min((104 - 99.5) / 6, 1) = 0.8 * 0.75 = 0.6
  const cw = bars([[100, 104, 100, 103, 100]])[0]!;
  const cx = bars([[102.5, 103.5, 99.5, 100, 100]])[0]!;
  const cy = bars([[100.5, 103.25, 100, 103, 100]])[0]!;
  const cz = bars([[102.75, 103, 99.75, 100, 100]])[0]!;
  it('Color Down Setting fires with its strength', () => {
    expect(colorDownSetting(cw, cx, cy, cz, T)).toBeCloseTo(0.6, 12);
  });

  it.each([
    ['O_z < C_y', { z: { open: 103 } }],
    ['H_y > L_z + 12t', { y: { high: 102.75 } }],
    ['L_z < L_y', { z: { low: 100 } }],
    ['O_x < C_w', { x: { open: 103 } }],
    ['H_w > L_x + 12t', { w: { high: 102.5 } }],
    ['L_x < L_w', { x: { low: 100 } }],
    ['H_y < H_x', { y: { high: 103.5 } }],
  ])('Color Down Setting is absent when %s fails', (_name, change) => {
    const c = change as { w?: object; x?: object; y?: object; z?: object };
    expect(colorDownSetting({ ...cw, ...c.w }, { ...cx, ...c.x }, { ...cy, ...c.y }, { ...cz, ...c.z }, T)).toBe(0);
  });

  it('reads the newest bars of the history and picks ps by side', () => {
    const h = historyOf(bars([[100, 100.25, 99.75, 100, 100], [104, 105, 103, 104.5, 100], [104, 104.25, 102, 102.5, 50], [103, 105.5, 102.75, 105.25, 100]]));
    // y's avgVol20 = mean(100, 100) = 100 -> 0.675
    const p = patternStrengths(h, T);
    expect(p.longDownUp).toBeCloseTo(0.675, 12);
    expect(directionalPatternStrength(p, 'LONG')).toBeCloseTo(0.675, 12);
    expect(directionalPatternStrength(p, 'SHORT')).toBe(0);
    expect(directionalPatternStrength(p, null)).toBeCloseTo(0.675, 12);
  });
});

const base = (type: Base['type'], quality: number): Base => ({
  id: 1,
  startTs: 0,
  endTs: 0,
  confirmedTs: 0,
  bars: 6,
  high: 101,
  low: 100,
  rangeTicks: 4,
  upCloses: 4,
  downCloses: 1,
  askVolume: null,
  bidVolume: null,
  type,
  quality,
  terms: { duration: 0, size: 0, volumeConsistency: 0, tests: 0 },
  touches: 4,
  rating: 'EXCELLENT',
  qualified: true,
  breakout: 'up',
});
const state = (governing: Base | null, violated = false): BaseState => ({ forming: null, confirmed: null, governing, violated, violatedNow: false });
const NO_PATTERNS = { longDownUp: 0, longUpDown: 0, colorDownSetting: 0 };

describe('section 5: the Battle Navale signal', () => {
  it('s = 0.40 b + 0.35 tc + 0.25 d q, LONG with BATTLE_WON and its confidence', () => {
    // b 0.5, tc 0.6, GREEN base q 0.8 holding: s = 0.2 + 0.21 + 0.2 = 0.61 -> LONG; b > 0.4 -> VIKINGS -> BATTLE_WON
    // confidence = min(1, 0.4 * min(0.61/0.6, 1) + 0.3 * 0.8 + 0.3 * 0.6/0.6 + 0.1 * 0) = 0.4 + 0.24 + 0.3 = 0.94
    const s = battleSignal(0.5, true, 0.6, state(base('GREEN', 0.8)), NO_PATTERNS, C.signal);
    expect(s.s).toBeCloseTo(0.61, 12);
    expect(s).toMatchObject({ candidate: 'LONG', status: 'BATTLE_WON', baseDirection: 1 });
    expect(s.battleStrength).toBeCloseTo(0.61, 12);
    expect(s.confidence).toBeCloseTo(0.94, 12);
  });

  it('reverses d for a violated base', () => {
    // violated GREEN: d = -1, tc = -0.6 (VIOLATION_CONFIRMED): s = 0.4 * -0.5 + 0.35 * -0.6 - 0.25 * 0.8 = -0.2 - 0.21 - 0.2 = -0.61
    const s = battleSignal(-0.5, true, -0.6, state(base('GREEN', 0.8), true), NO_PATTERNS, C.signal);
    expect(s.baseDirection).toBe(-1);
    expect(s.s).toBeCloseTo(-0.61, 12);
    expect(s).toMatchObject({ candidate: 'SHORT', status: 'BATTLE_WON' });
  });

  it('makes a candidate at exactly +-0.25 and none just inside', () => {
    // no base, tc 0: s = 0.4 b; b = 0.625 -> s = 0.25
    expect(battleSignal(0.625, true, 0, state(null), NO_PATTERNS, C.signal).candidate).toBe('LONG');
    expect(battleSignal(-0.625, true, 0, state(null), NO_PATTERNS, C.signal).candidate).toBe('SHORT');
    expect(battleSignal(0.6249, true, 0, state(null), NO_PATTERNS, C.signal).candidate).toBeNull();
  });

  it.each([
    [0.45, 'VIKINGS_WINNING'],
    [-0.45, 'DEFENDERS_WINNING'],
    [0.2, 'BALANCED_FIGHT'],
    [-0.1, 'BALANCED_FIGHT'],
    [0.3, 'NO_BATTLE'],
    [-0.4, 'NO_BATTLE'],
  ] as const)('status for b = %s without a candidate agreeing is %s', (b, status) => {
    // tc pushes s the other way so no candidate agrees with the winner
    const s = battleSignal(b, true, b > 0 ? -1 : 1, state(null), NO_PATTERNS, C.signal);
    expect(s.status).toBe(status);
  });

  it('keeps DEFENDERS_WINNING when the candidate is LONG', () => {
    // b -0.45, tc +0.6, GREEN q 1: s = -0.18 + 0.21 + 0.25 = 0.28 -> LONG, but the Defenders are winning
    const s = battleSignal(-0.45, true, 0.6, state(base('GREEN', 1)), NO_PATTERNS, C.signal);
    expect(s).toMatchObject({ candidate: 'LONG', status: 'DEFENDERS_WINNING' });
  });

  it('confidence adds 0.1 * ps of the side and caps at 1', () => {
    const p = { longDownUp: 0.5, longUpDown: 0.2, colorDownSetting: 0.6 };
    // s 0.3, q 0.5, tc 0.2: 0.4 * 0.5 + 0.15 + 0.1 + 0.1 * ps
    expect(battleConfidence(0.3, 0.5, 0.2, p, 'LONG')).toBeCloseTo(0.2 + 0.15 + 0.1 + 0.05, 12);
    expect(battleConfidence(0.3, 0.5, 0.2, p, 'SHORT')).toBeCloseTo(0.2 + 0.15 + 0.1 + 0.06, 12);
    expect(battleConfidence(0.3, 0.5, 0.2, p, null)).toBeCloseTo(0.2 + 0.15 + 0.1 + 0.06, 12);
    expect(battleConfidence(1, 1, 0.6, p, 'LONG')).toBe(1);
  });
});
