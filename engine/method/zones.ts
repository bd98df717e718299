/**
 * Multi-level confluence (battle-navale.md section 7, "level zones"): levels
 * within 3 ticks of each other form a zone whose score is the sum of their
 * weights / 5, capped at 1 (>= 0.8 EXTREME, >= 0.6 STRONG, >= 0.4 MODERATE).
 */
import type { MethodConfig } from './config.js';
import type { DecisionContext } from './context.js';

/** A named price level, points. */
export interface Level {
  readonly name: string;
  readonly price: number;
  readonly weight: number;
}

/** Zone strength. */
export type ZoneStrength = 'EXTREME' | 'STRONG' | 'MODERATE' | 'WEAK';

/** Levels within `widthTicks` of each other. */
export interface Zone {
  readonly low: number;
  readonly high: number;
  readonly score: number;
  readonly strength: ZoneStrength;
  readonly levels: readonly string[];
}

/** Strength of a zone score. */
export function zoneStrength(score: number): ZoneStrength {
  return score >= 0.8 ? 'EXTREME' : score >= 0.6 ? 'STRONG' : score >= 0.4 ? 'MODERATE' : 'WEAK';
}

/** Every level the method knows at this bar, NaN-free. */
export function levelsOf(ctx: DecisionContext, c: MethodConfig['zones']): Level[] {
  const w = c.weights;
  const out: Level[] = [];
  const add = (name: string, price: number | null | undefined, weight: number): void => {
    if (price !== null && price !== undefined && Number.isFinite(price)) out.push({ name, price, weight });
  };
  const g = ctx.gamma;
  if (g !== null) {
    add('call wall', g.callWall, w.wall);
    add('put wall', g.putWall, w.wall);
    add('zero gamma', g.zeroGamma, w.zeroGamma);
  }
  const l = ctx.levels;
  if (l !== null) {
    add('POC', l.poc, w.poc);
    add('VAH', l.vah, w.valueAreaEdge);
    add('VAL', l.val, w.valueAreaEdge);
    add('VWAP', l.vwap, w.vwap);
    if (l.vwapSigma > 0) {
      add('VWAP +1σ', l.vwap + l.vwapSigma, w.vwapBand1);
      add('VWAP -1σ', l.vwap - l.vwapSigma, w.vwapBand1);
      add('VWAP +2σ', l.vwap + 2 * l.vwapSigma, w.vwapBand2);
      add('VWAP -2σ', l.vwap - 2 * l.vwapSigma, w.vwapBand2);
    }
    add('pPOC', l.pPoc, w.pPoc);
    add('pVAH', l.pVah, w.pValueAreaEdge);
    add('pVAL', l.pVal, w.pValueAreaEdge);
    add('session high', l.sessionHigh, w.sessionExtreme);
    add('session low', l.sessionLow, w.sessionExtreme);
  }
  add('overnight high', ctx.overnightHigh, w.overnightExtreme);
  add('overnight low', ctx.overnightLow, w.overnightExtreme);
  const p = ctx.bar.close;
  const r = c.roundNumberPoints;
  const below = Math.floor(p / r) * r;
  add(`round ${below}`, below, w.roundNumber);
  if (below !== p) add(`round ${below + r}`, below + r, w.roundNumber);
  const q = c.psychologicalPoints;
  const pBelow = Math.floor(p / q) * q;
  add(`psychological ${pBelow}`, pBelow, w.psychological);
  if (pBelow !== p) add(`psychological ${pBelow + q}`, pBelow + q, w.psychological);
  return out;
}

/**
 * Groups `levels` into zones: sorted by price, each zone takes levels while
 * they stay within `widthTicks * t` of its lowest level.
 */
export function zonesOf(levels: readonly Level[], t: number, c: MethodConfig['zones']): Zone[] {
  const sorted = levels.slice().sort((a, b) => a.price - b.price);
  const width = c.widthTicks * t + 1e-9;
  const zones: Zone[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i]!;
    let j = i;
    let weight = 0;
    const names: string[] = [];
    while (j < sorted.length && sorted[j]!.price - first.price <= width) {
      weight += sorted[j]!.weight;
      names.push(sorted[j]!.name);
      j++;
    }
    const score = Math.min(1, weight / c.scoreDivisor);
    zones.push({ low: first.price, high: sorted[j - 1]!.price, score, strength: zoneStrength(score), levels: names });
    i = j;
  }
  return zones;
}
