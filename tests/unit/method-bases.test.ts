/**
 * battle-navale.md sections 2 (bases) and 3 (the golden rule, rouge sous
 * verte) against hand-computed bars.
 */
import { describe, expect, it } from 'vitest';
import { BaseTracker, describeBase, goldenRule, rateBase, sizeScore, type BaseState } from '../../engine/method/bases';
import { DEFAULT_METHOD_CONFIG as C } from '../../engine/method/config';
import { BarHistory } from '../../engine/method/history';
import { T, bars, type BarSpec } from '../support/bars';

function run(specs: BarSpec[]): { states: BaseState[]; tracker: BaseTracker } {
  const tracker = new BaseTracker(C.bases, C.goldenRule.violationTicks, T);
  const h = new BarHistory(20);
  const states: BaseState[] = [];
  for (const b of bars(specs)) {
    h.push(b);
    states.push(tracker.onBar(h));
  }
  return { states, tracker };
}

// p0 far below, then four bars inside 100..101 (4 ticks), then b5 closes above 101.
//   closes vs previous: 100.5 > 96 up, 100.75 up, 100.5 down, 100.75 up -> 3 up, 1 down -> GREEN
//   quality: duration 0.3 * 4/10 = 0.12; size 4 ticks -> 1.0 * 0.2 = 0.2; volumes all 100 -> cv 0 -> 0.25;
//   touches: every bar's high is within 1 tick of 101 -> 4 -> 0.25. q = 0.82 -> EXCELLENT, qualified
const GREEN_BASE: BarSpec[] = [
  [95, 96, 95, 96, 100],
  [100, 101, 100, 100.5, 100],
  [100.5, 101, 100.25, 100.75, 100],
  [100.75, 101, 100.5, 100.5, 100],
  [100.5, 100.75, 100, 100.75, 100],
  [100.75, 101.75, 100.75, 101.5, 100],
];

describe('section 2: bases', () => {
  it('forms from 4 bars within 10 ticks and is confirmed by a close beyond it', () => {
    const { states, tracker } = run(GREEN_BASE);
    expect(states[3]!.forming).toBeNull(); // 3 bars only
    expect(states[4]!.forming).toMatchObject({ bars: 4, high: 101, low: 100 });
    const b = states[5]!.confirmed!;
    expect(b).toMatchObject({ id: 1, bars: 4, high: 101, low: 100, rangeTicks: 4, upCloses: 3, downCloses: 1, type: 'GREEN', touches: 4, rating: 'EXCELLENT', qualified: true, breakout: 'up' });
    expect(b.quality).toBeCloseTo(0.82, 12);
    expect(b.terms.duration).toBeCloseTo(0.12, 12);
    expect(b.terms.size).toBeCloseTo(0.2, 12);
    expect(b.terms.volumeConsistency).toBeCloseTo(0.25, 12);
    expect(b.terms.tests).toBeCloseTo(0.25, 12);
    expect(states[5]!.governing).toBe(b);
    expect(tracker.history).toEqual([b]);
  });

  it('takes the longest run up to 15 bars', () => {
    const { states } = run([[90, 91, 90, 91, 100], ...Array.from({ length: 20 }, () => [100, 100.5, 99.5, 100, 100] as BarSpec)]);
    expect(states[20]!.forming!.bars).toBe(15);
  });

  it('never reuses bars of a confirmed base: a new one starts at the confirming bar', () => {
    // after confirmation at bar 5 (index 5), bars 5..8 stay within 101..101.75 -> a new 4-bar base from bar 5
    const { states } = run([...GREEN_BASE, [101.5, 101.75, 101.25, 101.5, 100], [101.5, 101.75, 101.25, 101.25, 100], [101.25, 101.5, 101, 101.25, 100]]);
    expect(states[5]!.forming).toBeNull(); // one bar since the confirmation
    expect(states[8]!.forming).toMatchObject({ bars: 4, high: 101.75, low: 100.75 });
  });

  it('is not confirmed by a close inside it, and a run wider than 10 ticks is no base', () => {
    const { states } = run([...GREEN_BASE.slice(0, 5), [100.75, 101, 100, 100.5, 100]]);
    expect(states[5]!.confirmed).toBeNull();
    expect(states[5]!.forming!.bars).toBe(5);
    const wide = run([[100, 103, 100, 101, 1], [101, 103, 100, 102, 1], [102, 103, 100, 101, 1], [101, 103, 100, 102, 1]]);
    expect(wide.states[3]!.forming).toBeNull(); // 12 ticks
  });

  it('types RED on more down-closes, and NEUTRAL when order flow disagrees', () => {
    const down: BarSpec[] = [[105, 106, 105, 105, 100], [100.75, 101, 100, 100.5, 100], [100.5, 101, 100, 100.25, 100], [100.25, 101, 100, 100.5, 100], [100.5, 101, 100, 100, 100]];
    // closes 100.5 < 105 down, 100.25 down, 100.5 up, 100 down -> RED
    expect(describeBase(bars(down.slice(1)), 105, T, 1).type).toBe('RED');
    // the same closes with more ask than bid volume: RED needs bid >= ask -> NEUTRAL
    const flow = down.slice(1).map(([o, h, l, c, v]): BarSpec => [o, h, l, c, v, [60, 40]]);
    expect(describeBase(bars(flow), 105, T, 1).type).toBe('NEUTRAL');
    expect(describeBase(bars(flow), 105, T, 1)).toMatchObject({ askVolume: 240, bidVolume: 160 });
    // equal up and down closes -> NEUTRAL
    expect(describeBase(bars([[100, 101, 100, 100.5, 1], [100.5, 101, 100, 100, 1]]), 100, T, 1).type).toBe('NEUTRAL');
  });

  it('size score: 2..6 ticks 1.0, 1 or 7..8 ticks 0.7, else 0.3', () => {
    expect([0, 1, 2, 6, 7, 8, 9, 10].map(sizeScore)).toEqual([0.3, 0.7, 1, 1, 0.7, 0.7, 0.3, 0.3]);
  });

  it('duration caps at 10 bars', () => {
    const b = (n: number) => describeBase(bars(Array.from({ length: n }, () => [100, 100.5, 100, 100.25, 100] as BarSpec)), 100, T, 1);
    expect(b(5).terms.duration).toBeCloseTo(0.15, 12);
    expect(b(12).terms.duration).toBeCloseTo(0.3, 12);
  });

  it('volume consistency is 0.25 * max(0, 1 - std/mean)', () => {
    // volumes 100, 200, 100, 200: mean 150, population std 50, cv 1/3 -> 0.25 * 2/3
    const b = describeBase(bars([[100, 101, 100, 100.5, 100], [100.5, 101, 100, 101, 200], [101, 101, 100, 100.5, 100], [100.5, 101, 100, 101, 200]]), 100, T, 1);
    expect(b.terms.volumeConsistency).toBeCloseTo(0.25 * (2 / 3), 12);
    // volumes 10, 100: mean 55, std 45, cv 0.818 -> 0.25 * 0.1818..; cv > 1 floors at 0
    const c = describeBase(bars([[100, 101, 100, 100.5, 1], [100.5, 101, 100, 101, 100], [101, 101, 100, 100.5, 1], [100.5, 101, 100, 101, 1000]]), 100, T, 1);
    expect(c.terms.volumeConsistency).toBe(0);
  });

  it('tests count bars within 1 tick of the base high or low', () => {
    // high 102, low 100: bar 1 touches the low (100), bar 2 the high (101.75 within 0.25 of 102), bars 3-4 stay in the middle
    const b = describeBase(bars([[100.5, 101, 100, 100.5, 1], [101, 101.75, 100.75, 101, 1], [101, 101.25, 100.5, 101, 1], [101, 102, 100.5, 101, 1]]), 100, T, 1);
    // bar 4 reaches 102 -> touch; bar 3 high 101.25 (0.75 away), low 100.5 (0.5 away) -> no
    expect(b.touches).toBe(3);
    expect(b.terms.tests).toBeCloseTo(0.25 * 0.75, 12);
  });

  it('rates quality', () => {
    expect([0.8, 0.79, 0.6, 0.4, 0.2, 0.19].map(rateBase)).toEqual(['EXCELLENT', 'GOOD', 'GOOD', 'AVERAGE', 'POOR', 'INVALID']);
  });

  it('keeps the newest 20 confirmed bases', () => {
    const specs: BarSpec[] = [];
    for (let k = 0; k < 25; k++) {
      const p = 100 + k * 10;
      specs.push([p, p + 0.5, p, p + 0.25, 100], [p, p + 0.5, p, p + 0.25, 100], [p, p + 0.5, p, p + 0.25, 100], [p, p + 0.5, p, p + 0.25, 100]);
    }
    specs.push([400, 410, 400, 410, 100]);
    const { tracker } = run(specs);
    // 25 blocks, each confirmed by the next block's first bar (the last one by the final bar)
    expect(tracker.history.length).toBe(20);
    expect(tracker.history[0]!.id).toBe(6);
    expect(tracker.history[19]!.id).toBe(25);
  });
});

describe('section 3: the golden rule', () => {
  it('a red bar closing under base.low - 0.5 tick violates the green base', () => {
    // base low 100: a red close at 99.75 < 99.875 violates; the state latches
    const { states } = run([...GREEN_BASE, [101, 101.25, 99.5, 99.75, 100], [99.75, 100.5, 99.75, 100.5, 100]]);
    expect(states[6]!).toMatchObject({ violated: true, violatedNow: true });
    expect(states[7]!).toMatchObject({ violated: true, violatedNow: false });
    expect(goldenRule(states[7]!, 0.9, C.goldenRule)).toEqual({ state: 'VIOLATION_CONFIRMED', tc: -0.6 });
  });

  it('a green bar closing below, or a red bar closing at the low, does not violate', () => {
    const { states } = run([...GREEN_BASE, [99, 99.75, 99, 99.5, 100], [100.5, 100.5, 100, 100, 100]]);
    expect(states[6]!.violated).toBe(false);
    expect(states[7]!.violated).toBe(false);
  });

  it('the confirming bar itself can violate (red, closing under the base)', () => {
    const { states } = run([...GREEN_BASE.slice(0, 5), [100.5, 100.5, 99.5, 99.75, 100]]);
    // confirmed by a close below 100: the base's closes still make it GREEN (3 up, 1 down)
    expect(states[5]!.confirmed).toMatchObject({ type: 'GREEN', breakout: 'down' });
    expect(states[5]!).toMatchObject({ violated: true, violatedNow: true });
  });

  it('the red-base mirror: a green close above base.high + 0.5 tick', () => {
    const red: BarSpec[] = [[106, 106, 105, 105, 100], [101, 101, 100.25, 100.5, 100], [100.5, 100.75, 100, 100.25, 100], [100.25, 101, 100, 100.5, 100], [100.5, 101, 100, 100, 100], [100, 100, 99, 99.25, 100]];
    const { states } = run([...red, [99.5, 101.5, 99.5, 101.25, 100]]);
    expect(states[5]!.confirmed).toMatchObject({ type: 'RED', qualified: true });
    expect(goldenRule(states[5]!, -0.5, C.goldenRule)).toEqual({ state: 'STRONG_BEARISH', tc: -0.6 });
    expect(goldenRule(states[5]!, -0.4, C.goldenRule)).toEqual({ state: 'WEAK_BEARISH', tc: -0.2 });
    expect(states[6]!).toMatchObject({ violated: true, violatedNow: true });
    expect(goldenRule(states[6]!, -0.5, C.goldenRule)).toEqual({ state: 'VIOLATION_CONFIRMED', tc: 0.6 });
  });

  it('tc by state: strong and weak bullish, unclear without a base', () => {
    const { states } = run(GREEN_BASE);
    expect(goldenRule(states[5]!, 0.41, C.goldenRule)).toEqual({ state: 'STRONG_BULLISH', tc: 0.6 });
    expect(goldenRule(states[5]!, 0.4, C.goldenRule)).toEqual({ state: 'WEAK_BULLISH', tc: 0.2 });
    expect(goldenRule(states[4]!, 0.9, C.goldenRule)).toEqual({ state: 'UNCLEAR', tc: 0 });
  });

  it('an unqualified or neutral base does not replace the governing one', () => {
    // after the green base, a wide-volume neutral base: closes alternate, volumes vary wildly
    const { states } = run([
      ...GREEN_BASE,
      [103, 103.5, 103, 103.25, 1],
      [103.25, 103.5, 103, 103, 1000],
      [103, 103.5, 103, 103.25, 1],
      [103.25, 103.5, 103, 103, 1000],
      [104, 106, 104, 106, 100],
    ]);
    expect(states[10]!.confirmed).toMatchObject({ type: 'NEUTRAL' });
    expect(states[10]!.governing!.id).toBe(1);
  });
});
