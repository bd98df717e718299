/**
 * The method's vocabulary (architecture.md, "Layout"): what the Battle Navale
 * analyzer decides at each bar (`Decision`) and the signal it emits
 * (`TradingSignal`, battle-navale.md section 10), with their parts. The
 * execution path, the journal, the snapshots and the contract read these;
 * only engine/method/analyzer.ts produces them.
 */
import type { SignalLevelsDTO } from '../contract.js';
import type { Bar } from '../domain.js';
import type { LevelsSnapshot } from '../indicators/session-levels.js';
import type { BattleBalance } from './battle.js';
import type { Base, BaseState, GoldenRuleState } from './bases.js';
import type { Grade, Mode, ModeThresholds, SessionPhase } from './config.js';
import type { Confluence, Features, MissingInput } from './features.js';
import type { PatternStrengths } from './patterns.js';
import type { Regime, RegimeState } from './regime.js';
import type { SetupKind, SetupName, SetupProposal } from './setups.js';
import type { BattleSignal, Side } from './signal.js';
import type { Zone } from './zones.js';
import type { MappedGamma } from './context.js';

/** Section 5's analysis as a signal carries it. */
export interface BattleAnalysis {
  /** Balance b, -1..1. */
  readonly b: number;
  readonly vikings: number;
  readonly defenders: number;
  /** Trend continuation, -1..1. */
  readonly tc: number;
  /** Governing base quality, 0..1. */
  readonly q: number;
  /** Battle Navale signal s, -1..1. */
  readonly s: number;
  readonly candidate: Side | null;
  readonly battleStrength: number;
  readonly status: BattleSignal['status'];
  /** Battle Navale confidence for the side in question. */
  readonly confidence: number;
  readonly goldenRule: GoldenRuleState;
  readonly goldenRuleViolated: boolean;
  readonly governingBase: Base | null;
  readonly patterns: PatternStrengths;
  readonly deltaRatio: number | null;
  readonly aggressorShare: number | null;
}

/** Section 10's signal. Prices in points, `ts` the open time of the bar that fired it (Unix ms). */
export interface TradingSignal {
  /** `<symbol>-<ts>-<setup>-<side>`: stable across runs of the same data. */
  readonly id: string;
  readonly ts: number;
  /** Close time of that bar: when the signal was emitted (Unix ms). */
  readonly tsEvent: number;
  readonly symbol: string;
  readonly side: Side;
  readonly setup: SetupName;
  readonly form: SetupProposal['form'];
  readonly kind: SetupKind;
  /** Chart label, e.g. "BN STRONG". */
  readonly label: string;
  readonly reason: string;
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
  /** Reward / risk, points over points. */
  readonly rewardRisk: number;
  /** Stop distance in ticks. */
  readonly riskTicks: number;
  /** 0.5 Battle Navale confidence + 0.5 confluence. */
  readonly confidence: number;
  readonly confluence: number;
  readonly grade: Grade;
  readonly battle: BattleAnalysis;
  readonly features: Features;
  readonly regime: Regime;
  readonly levels: SignalLevels;
  readonly missingInputs: readonly MissingInput[];
}

/** The levels a signal saw, points; null where undefined (the contract's SignalLevelsDTO, gamma levels included). */
export type SignalLevels = Required<SignalLevelsDTO>;

/** Why a setup's proposal did or did not become the signal. */
export type ProposalOutcome =
  | 'signal'
  | 'outranked'
  | 'regime'
  | 'against-battle'
  | 'grade'
  | 'confluence'
  | 'golden-rule'
  | 'window'
  | 'confidence'
  | 'base-quality'
  | 'reward-risk';

/** One proposal and its fate. */
export interface ProposalResult {
  readonly proposal: SetupProposal;
  readonly outcome: ProposalOutcome;
  readonly confluence: number;
  readonly confidence: number;
}

/** Everything the method decided at one bar. */
export interface Decision {
  readonly bar: Bar;
  readonly levels: LevelsSnapshot | null;
  readonly balance: BattleBalance;
  readonly bases: BaseState;
  readonly goldenRule: GoldenRuleState;
  readonly tc: number;
  readonly patterns: PatternStrengths;
  readonly signal: BattleSignal;
  readonly regime: RegimeState;
  /** Features and confluence for the signal's side, else the candidate's, else the side s leans to. */
  readonly confluence: Confluence;
  /** Zones within reach of this bar's range. */
  readonly zones: readonly Zone[];
  readonly proposals: readonly ProposalResult[];
  readonly tradingSignal: TradingSignal | null;
  /** Mode and thresholds in force. */
  readonly mode: Mode;
  readonly thresholds: ModeThresholds;
  /** The session phase at the bar's close (feature 7's phases, ET). */
  readonly sessionPhase: SessionPhase;
  /** The gamma levels in force at the bar, on ES (null without a chain). */
  readonly gamma: MappedGamma | null;
}
