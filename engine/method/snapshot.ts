/**
 * The DECISION snapshot journaled with every signal (issue 3, item 4): what the
 * method saw and decided at the signal's bar, JSON safe (NaN becomes null), so
 * a signal can be audited or fed to a model later without re-running the data.
 */
import type { GammaLevels } from '../gamma/gex.js';
import type { Decision, TradingSignal } from './decision.js';
import type { MethodConfig } from './config.js';
import type { MappedGamma } from './context.js';

/** Snapshot schema version; bump when its shape changes. */
export const DECISION_SNAPSHOT_VERSION = 1;

/** The DECISION snapshot. */
export interface DecisionSnapshot {
  readonly kind: 'DECISION';
  readonly version: number;
  readonly signal: TradingSignal;
  readonly bar: Decision['bar'];
  readonly battle: {
    readonly balance: Decision['balance'];
    readonly signal: Decision['signal'];
    readonly goldenRule: Decision['goldenRule'];
    readonly tc: number;
    readonly patterns: Decision['patterns'];
    readonly bases: Decision['bases'];
  };
  readonly features: TradingSignal['features'];
  readonly confluence: number;
  readonly grade: TradingSignal['grade'];
  readonly levels: { readonly session: Decision['levels']; readonly zones: Decision['zones']; readonly gamma: MappedGamma | null; readonly gammaSource: { source: string; date: string; spot: number } | null };
  readonly regime: Decision['regime'];
  readonly proposals: Decision['proposals'];
  readonly missingInputs: TradingSignal['missingInputs'];
  readonly mode: Decision['mode'];
  readonly thresholds: Decision['thresholds'];
  readonly config: MethodConfig;
}

/** Builds the snapshot of a decision that produced `d.tradingSignal`. */
export function decisionSnapshot(d: Decision & { tradingSignal: TradingSignal }, config: MethodConfig, gamma: MappedGamma | null, gammaSource: GammaLevels | null): DecisionSnapshot {
  const s = d.tradingSignal;
  return {
    kind: 'DECISION',
    version: DECISION_SNAPSHOT_VERSION,
    signal: s,
    bar: d.bar,
    battle: { balance: d.balance, signal: d.signal, goldenRule: d.goldenRule, tc: d.tc, patterns: d.patterns, bases: d.bases },
    features: s.features,
    confluence: s.confluence,
    grade: s.grade,
    levels: { session: d.levels, zones: d.zones, gamma, gammaSource: gammaSource === null ? null : { source: gammaSource.source, date: gammaSource.date, spot: gammaSource.spot } },
    regime: d.regime,
    proposals: d.proposals,
    missingInputs: s.missingInputs,
    mode: d.mode,
    thresholds: d.thresholds,
    config,
  };
}

/** JSON text of a snapshot, non-finite numbers as null. */
export function snapshotJson(s: DecisionSnapshot): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
