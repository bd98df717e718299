/**
 * What the method knows at the close of one decision bar, gathered once by
 * the analyzer and read by the features (section 7), the setups (section 8)
 * and the regime (section 9). Every value comes from completed bars only.
 */
import type { Bar } from '../domain.js';
import type { LevelsSnapshot } from '../indicators/session-levels.js';
import type { BattleBalance } from './battle.js';
import type { BaseState } from './bases.js';
import type { BarHistory } from './history.js';
import type { PatternStrengths } from './patterns.js';
import type { BattleSignal } from './signal.js';

/** Gamma levels moved onto the traded instrument (ES points) by the basis. */
export interface MappedGamma {
  readonly callWall: number;
  readonly putWall: number;
  /** Null when the GEX profile never changes sign. */
  readonly zeroGamma: number | null;
  /** USD per 1% move of the index. */
  readonly netGex: number;
  /** Option volume of the chain's day, contracts. */
  readonly callVolume: number;
  readonly putVolume: number;
  /** ES - SPX, points. */
  readonly basis: number;
  /** When the chain the levels come from was taken, Unix ms. */
  readonly chainTs: number;
}

/** The state the features, setups and regime read. Prices in points. */
export interface DecisionContext {
  readonly h: BarHistory;
  readonly bar: Bar;
  /** Tick size, points. */
  readonly t: number;
  /** Session levels at the bar's close; null outside every session. */
  readonly levels: LevelsSnapshot | null;
  /** VWAP now minus VWAP 10 bars ago in the same session, points; 0 before 10 bars. */
  readonly vwapSlope: number;
  readonly overnightHigh: number;
  readonly overnightLow: number;
  /** Bar close time, minutes after midnight exchange time (ET). */
  readonly minuteOfDay: number;
  readonly balance: BattleBalance;
  readonly tc: number;
  readonly bases: BaseState;
  readonly patterns: PatternStrengths;
  readonly signal: BattleSignal;
  readonly gamma: MappedGamma | null;
  /** Closes of NQ aligned with ES's, oldest first; null without an NQ feed. */
  readonly nqCloses: readonly number[] | null;
}

/**
 * An NQ bar series the method reads beside ES's (battle-navale.md section 7,
 * es_nq_correlation): NQ's close as of the bar opening at `ts` (Unix ms):
 * that bar's, or the last one's before it when NQ printed no bar then;
 * undefined when NQ has nothing recent enough (a hole in its data).
 */
export interface NqCloses {
  closeAt(ts: number): number | undefined;
}
