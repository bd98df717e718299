/**
 * Hand-written bars and decision contexts for the method's unit tests. Bars
 * are one minute apart from 2023-09-26 10:00 ET (14:00 UTC) unless a test
 * says otherwise.
 */
import type { Bar } from '../../engine/domain';
import { battleBalance } from '../../engine/method/battle';
import { BaseTracker, goldenRule, type BaseState } from '../../engine/method/bases';
import { DEFAULT_METHOD_CONFIG } from '../../engine/method/config';
import type { DecisionContext } from '../../engine/method/context';
import { BarHistory } from '../../engine/method/history';
import { patternStrengths } from '../../engine/method/patterns';
import { battleSignal } from '../../engine/method/signal';
import type { LevelsSnapshot } from '../../engine/indicators/session-levels';

export const T = 0.25;
export const T0 = Date.UTC(2023, 8, 26, 14, 0);

/** [open, high, low, close, volume] and optional [ask, bid] volume. */
export type BarSpec = [number, number, number, number, number, ([number, number] | undefined)?];

/** Bars from specs, one minute apart from `start`. */
export function bars(specs: readonly BarSpec[], start = T0): Bar[] {
  return specs.map(([open, high, low, close, volume, flow], i) => ({
    kind: 'bar',
    tf: '1m',
    ts: start + i * 60_000,
    open,
    high,
    low,
    close,
    volume,
    askVolume: flow?.[0] ?? 0,
    bidVolume: flow?.[1] ?? 0,
    delta: flow === undefined ? 0 : flow[0] - flow[1],
    trades: 0,
    hasOrderFlow: flow !== undefined,
  }));
}

/** A history holding `list`, oldest first. */
export function historyOf(list: readonly Bar[]): BarHistory {
  const h = new BarHistory(20);
  for (const b of list) h.push(b);
  return h;
}

/** Levels with every value NaN except those given. */
export function levels(over: Partial<LevelsSnapshot> = {}): LevelsSnapshot {
  return {
    sessionId: '2023-09-26',
    vwap: Number.NaN,
    vwapSigma: Number.NaN,
    poc: Number.NaN,
    vah: Number.NaN,
    val: Number.NaN,
    pPoc: Number.NaN,
    pVah: Number.NaN,
    pVal: Number.NaN,
    sessionHigh: Number.NaN,
    sessionLow: Number.NaN,
    ...over,
  };
}

/**
 * A decision context over `list` with the real sections 1-5 computed from the
 * bars, then `over` applied (to pin a value a test is not about).
 */
export function contextOf(list: readonly Bar[], over: Partial<DecisionContext> = {}): DecisionContext {
  const c = DEFAULT_METHOD_CONFIG;
  const h = historyOf(list);
  const tracker = new BaseTracker(c.bases, c.goldenRule.violationTicks, T);
  const sub = new BarHistory(20);
  let bases: BaseState = { forming: null, confirmed: null, governing: null, violated: false, violatedNow: false };
  for (const b of list) {
    sub.push(b);
    bases = tracker.onBar(sub);
  }
  const balance = battleBalance(h, c.battle);
  const golden = goldenRule(over.bases ?? bases, balance.balance, c.goldenRule);
  const patterns = patternStrengths(h, T);
  const signal = battleSignal(balance.balance, balance.complete, golden.tc, over.bases ?? bases, patterns, c.signal);
  return {
    h,
    bar: list[list.length - 1]!,
    t: T,
    levels: null,
    vwapSlope: 0,
    overnightHigh: Number.NaN,
    overnightLow: Number.NaN,
    minuteOfDay: 10 * 60 + 1,
    balance,
    tc: golden.tc,
    bases,
    patterns,
    signal,
    gamma: null,
    nqCloses: null,
    ...over,
  };
}

/** `n` flat doji bars at `price` with volume `v` (padding history). */
export function flat(n: number, price = 100, v = 100): BarSpec[] {
  return Array.from({ length: n }, () => [price, price + T, price - T, price, v] as BarSpec);
}
