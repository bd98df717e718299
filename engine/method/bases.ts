/**
 * Bases, consolidation zones (battle-navale.md section 2), and the golden rule
 * "rouge sous verte" that watches the governing one (section 3).
 *
 * After each completed bar the tracker finds the forming base (the longest run
 * of 4..15 bars ending at the bar whose range is at most 10 ticks, never
 * reusing bars of a confirmed base), confirms the base left by the previous bar
 * when this bar closes beyond it, rates it, and checks the governing base for a
 * violation. It reads only completed bars.
 */
import type { Bar } from '../domain.js';
import type { MethodConfig } from './config.js';
import type { BarHistory } from './history.js';

/** GREEN (verte), RED (rouge) or NEUTRAL, from the base's closes and order flow. */
export type BaseType = 'GREEN' | 'RED' | 'NEUTRAL';
/** Quality rating (section 2). */
export type BaseRating = 'EXCELLENT' | 'GOOD' | 'AVERAGE' | 'POOR' | 'INVALID';

/** The four quality terms, each already weighted (their sum capped at 1 is the quality). */
export interface BaseQualityTerms {
  /** 0.30 * min(n / 10, 1). */
  readonly duration: number;
  /** 0.20 * s, s by range in ticks. */
  readonly size: number;
  /** 0.25 * max(0, 1 - cv) of the bars' volumes. */
  readonly volumeConsistency: number;
  /** 0.25 * min(touches / 4, 1). */
  readonly tests: number;
}

/** A confirmed base. Prices in points, times Unix ms (bar open times). */
export interface Base {
  /** 1, 2, ... in order of confirmation within one run. */
  readonly id: number;
  /** Open time of the base's first and last bar. */
  readonly startTs: number;
  readonly endTs: number;
  /** Open time of the bar that confirmed it (closed beyond it). */
  readonly confirmedTs: number;
  readonly bars: number;
  readonly high: number;
  readonly low: number;
  readonly rangeTicks: number;
  readonly upCloses: number;
  readonly downCloses: number;
  /** Summed ask and bid volume of the base's bars; null without order flow on every bar. */
  readonly askVolume: number | null;
  readonly bidVolume: number | null;
  readonly type: BaseType;
  readonly quality: number;
  readonly terms: BaseQualityTerms;
  readonly touches: number;
  readonly rating: BaseRating;
  /** quality > 0.5. */
  readonly qualified: boolean;
  /** Which side the confirming bar closed on. */
  readonly breakout: 'up' | 'down';
}

/** The run of bars a base is forming from, as of the newest bar. */
export interface FormingBase {
  readonly startTs: number;
  readonly endTs: number;
  readonly bars: number;
  readonly high: number;
  readonly low: number;
}

/** Golden-rule states and their tc (section 3). */
export type GoldenRuleState = 'STRONG_BULLISH' | 'WEAK_BULLISH' | 'STRONG_BEARISH' | 'WEAK_BEARISH' | 'VIOLATION_CONFIRMED' | 'UNCLEAR';

/** What the bases say after one bar. */
export interface BaseState {
  readonly forming: FormingBase | null;
  /** The base this bar confirmed, if any. */
  readonly confirmed: Base | null;
  /** The most recent confirmed, qualified, GREEN or RED base. */
  readonly governing: Base | null;
  /** The governing base has been violated on or since its confirmation. */
  readonly violated: boolean;
  /** This bar is the one that violated it. */
  readonly violatedNow: boolean;
}

/** Quality rating for q (section 2). */
export function rateBase(q: number): BaseRating {
  return q >= 0.8 ? 'EXCELLENT' : q >= 0.6 ? 'GOOD' : q >= 0.4 ? 'AVERAGE' : q >= 0.2 ? 'POOR' : 'INVALID';
}

/** Size score s for a range of `ticks`: 1.0 for 2..6, 0.7 for 1 or 7..8, else 0.3. */
export function sizeScore(ticks: number): number {
  if (ticks >= 2 && ticks <= 6) return 1;
  if (ticks === 1 || ticks === 7 || ticks === 8) return 0.7;
  return 0.3;
}

/**
 * Rates the bars `bars` (oldest first) as a base. `prevClose` is the close of
 * the bar before the first (NaN when none: the first bar then has no up/down
 * close). cv uses the population standard deviation; a base with no volume
 * scores 0 for consistency.
 */
export function describeBase(
  bars: readonly Bar[],
  prevClose: number,
  t: number,
  touchTicks: number,
): Omit<Base, 'id' | 'confirmedTs' | 'breakout' | 'qualified'> {
  const n = bars.length;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let up = 0;
  let down = 0;
  let ask = 0;
  let bid = 0;
  let flow = true;
  let sumV = 0;
  let prev = prevClose;
  for (const b of bars) {
    if (b.high > high) high = b.high;
    if (b.low < low) low = b.low;
    if (b.close > prev) up += 1;
    else if (b.close < prev) down += 1;
    prev = b.close;
    sumV += b.volume;
    if (b.hasOrderFlow) {
      ask += b.askVolume;
      bid += b.bidVolume;
    } else flow = false;
  }
  const mean = sumV / n;
  let ss = 0;
  let touches = 0;
  const touch = touchTicks * t + 1e-9;
  for (const b of bars) {
    ss += (b.volume - mean) ** 2;
    if (high - b.high <= touch || b.low - low <= touch) touches += 1;
  }
  const cv = mean > 0 ? Math.sqrt(ss / n) / mean : Number.POSITIVE_INFINITY;
  const rangeTicks = Math.round((high - low) / t);
  const terms: BaseQualityTerms = {
    duration: 0.3 * Math.min(n / 10, 1),
    size: 0.2 * sizeScore(rangeTicks),
    volumeConsistency: 0.25 * Math.max(0, 1 - cv),
    tests: 0.25 * Math.min(touches / 4, 1),
  };
  const quality = Math.min(1, terms.duration + terms.size + terms.volumeConsistency + terms.tests);
  let type: BaseType = 'NEUTRAL';
  if (up > down && (!flow || ask >= bid)) type = 'GREEN';
  else if (down > up && (!flow || bid >= ask)) type = 'RED';
  return {
    startTs: bars[0]!.ts,
    endTs: bars[n - 1]!.ts,
    bars: n,
    high,
    low,
    rangeTicks,
    upCloses: up,
    downCloses: down,
    askVolume: flow ? ask : null,
    bidVolume: flow ? bid : null,
    type,
    quality,
    terms,
    touches,
    rating: rateBase(quality),
  };
}

interface Run {
  startIndex: number;
  endIndex: number;
  high: number;
  low: number;
}

/** Finds, confirms, keeps and judges bases, one completed bar at a time. */
export class BaseTracker {
  private readonly c: MethodConfig['bases'];
  private readonly violationTicks: number;
  private readonly t: number;
  private forming: Run | null = null;
  /** Series index of the bar that confirmed the previous base: runs start no earlier. */
  private minStart = 0;
  private nextId = 1;
  private governing: Base | null = null;
  private violated = false;
  /** Confirmed bases, oldest first, the newest `historySize` kept. */
  readonly history: Base[] = [];

  constructor(c: MethodConfig['bases'], violationTicks: number, tickSize: number) {
    this.c = c;
    this.violationTicks = violationTicks;
    this.t = tickSize;
  }

  /** Updates the bases with the newest bar of `h` (call once per pushed bar). */
  onBar(h: BarHistory): BaseState {
    const i = h.indexOf(0);
    const bar = h.at(0);
    let confirmed: Base | null = null;
    const f = this.forming;
    if (f !== null && (bar.close > f.high || bar.close < f.low)) {
      confirmed = this.confirm(h, f, bar);
      this.minStart = i;
    }
    this.forming = this.findRun(h, i);
    let violatedNow = false;
    const g = this.governing;
    if (g !== null && !this.violated) {
      const limit = this.violationTicks * this.t;
      if (g.type === 'GREEN' && bar.close < bar.open && bar.close < g.low - limit) violatedNow = true;
      else if (g.type === 'RED' && bar.close > bar.open && bar.close > g.high + limit) violatedNow = true;
      if (violatedNow) this.violated = true;
    }
    const r = this.forming;
    return {
      forming: r === null ? null : { startTs: h.byIndex(r.startIndex).ts, endTs: h.byIndex(r.endIndex).ts, bars: r.endIndex - r.startIndex + 1, high: r.high, low: r.low },
      confirmed,
      governing: this.governing,
      violated: this.violated,
      violatedNow,
    };
  }

  private confirm(h: BarHistory, f: Run, bar: Bar): Base {
    const bars: Bar[] = [];
    for (let k = f.startIndex; k <= f.endIndex; k++) bars.push(h.byIndex(k));
    const prevClose = f.startIndex > 0 && h.count - f.startIndex < h.length ? h.byIndex(f.startIndex - 1).close : Number.NaN;
    const d = describeBase(bars, prevClose, this.t, this.c.touchTicks);
    const base: Base = {
      ...d,
      id: this.nextId++,
      confirmedTs: bar.ts,
      qualified: d.quality > this.c.qualifiedAbove,
      breakout: bar.close > f.high ? 'up' : 'down',
    };
    this.history.push(base);
    if (this.history.length > this.c.historySize) this.history.shift();
    if (base.qualified && base.type !== 'NEUTRAL') {
      this.governing = base;
      this.violated = false;
    }
    return base;
  }

  /** The longest run of minBars..maxBars bars ending at index i with range <= maxRangeTicks. */
  private findRun(h: BarHistory, i: number): Run | null {
    const maxTicks = this.c.maxRangeTicks;
    const t = this.t;
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    let best: Run | null = null;
    const limit = Math.min(this.c.maxBars, h.length, i - this.minStart + 1);
    for (let ago = 0; ago < limit; ago++) {
      const b = h.at(ago);
      if (b.high > hi) hi = b.high;
      if (b.low < lo) lo = b.low;
      if (Math.round((hi - lo) / t) > maxTicks) break;
      if (ago + 1 >= this.c.minBars) best = { startIndex: i - ago, endIndex: i, high: hi, low: lo };
    }
    return best;
  }
}

/** Trend continuation from the governing base and the balance b (section 3's table). */
export function goldenRule(s: BaseState, b: number, c: MethodConfig['goldenRule']): { state: GoldenRuleState; tc: number } {
  const g = s.governing;
  if (g === null) return { state: 'UNCLEAR', tc: 0 };
  if (s.violated) return { state: 'VIOLATION_CONFIRMED', tc: g.type === 'GREEN' ? -c.violationTc : c.violationTc };
  if (g.type === 'GREEN') return b > c.strongBalance ? { state: 'STRONG_BULLISH', tc: c.strongTc } : { state: 'WEAK_BULLISH', tc: c.weakTc };
  return b < -c.strongBalance ? { state: 'STRONG_BEARISH', tc: -c.strongTc } : { state: 'WEAK_BEARISH', tc: -c.weakTc };
}
