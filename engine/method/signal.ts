/**
 * The Battle Navale signal and status (battle-navale.md section 5):
 * s = 0.40 b + 0.35 tc + 0.25 d q, a LONG candidate at s >= +0.25, a SHORT at
 * s <= -0.25, the battle status and the Battle Navale confidence.
 */
import type { BaseState } from './bases.js';
import type { MethodConfig } from './config.js';
import { directionalPatternStrength, type PatternStrengths } from './patterns.js';

/** Trade direction. */
export type Side = 'LONG' | 'SHORT';

/** Battle status (section 5). */
export type BattleStatus = 'VIKINGS_WINNING' | 'DEFENDERS_WINNING' | 'BALANCED_FIGHT' | 'NO_BATTLE' | 'BATTLE_WON';

/** The Battle Navale signal of one bar. */
export interface BattleSignal {
  /** s in [-1, 1]. */
  readonly s: number;
  readonly candidate: Side | null;
  /** |s|. */
  readonly battleStrength: number;
  readonly status: BattleStatus;
  /** d: +1 holding GREEN, -1 holding RED, reversed when violated, 0 without a governing base. */
  readonly baseDirection: -1 | 0 | 1;
  /** Quality of the governing base, 0 without one. */
  readonly baseQuality: number;
  /** Battle Navale confidence for the candidate (for the strongest pattern when there is none). */
  readonly confidence: number;
}

/** d of section 5. */
export function baseDirection(s: BaseState): -1 | 0 | 1 {
  const g = s.governing;
  if (g === null) return 0;
  const d = g.type === 'GREEN' ? 1 : -1;
  return (s.violated ? -d : d) as -1 | 1;
}

/**
 * Battle Navale confidence: min(1, 0.4 min(|s| / 0.6, 1) + 0.3 q + 0.3 |tc| / 0.6 + 0.1 ps),
 * ps the directional pattern strength for `side` (section 4).
 */
export function battleConfidence(s: number, q: number, tc: number, patterns: PatternStrengths, side: Side | null): number {
  const ps = directionalPatternStrength(patterns, side);
  return Math.min(1, 0.4 * Math.min(Math.abs(s) / 0.6, 1) + 0.3 * q + (0.3 * Math.abs(tc)) / 0.6 + 0.1 * ps);
}

/**
 * The signal from balance `b` (0 and `complete` false for a short window),
 * trend continuation `tc`, the bases and the patterns.
 */
export function battleSignal(b: number, complete: boolean, tc: number, bases: BaseState, patterns: PatternStrengths, c: MethodConfig['signal']): BattleSignal {
  const d = baseDirection(bases);
  const q = bases.governing?.quality ?? 0;
  const s = c.battleWeight * b + c.tcWeight * tc + c.baseWeight * d * q;
  const candidate: Side | null = s >= c.candidateThreshold ? 'LONG' : s <= -c.candidateThreshold ? 'SHORT' : null;
  let status: BattleStatus;
  if (!complete) status = 'NO_BATTLE';
  else if (b > c.winningBalance) status = 'VIKINGS_WINNING';
  else if (b < -c.winningBalance) status = 'DEFENDERS_WINNING';
  else if (Math.abs(b) <= c.balancedBalance) status = 'BALANCED_FIGHT';
  else status = 'NO_BATTLE';
  if ((candidate === 'LONG' && status === 'VIKINGS_WINNING') || (candidate === 'SHORT' && status === 'DEFENDERS_WINNING')) status = 'BATTLE_WON';
  return { s, candidate, battleStrength: Math.abs(s), status, baseDirection: d, baseQuality: q, confidence: battleConfidence(s, q, tc, patterns, candidate) };
}
