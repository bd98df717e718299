/**
 * The pre-trade risk check of battle-navale.md section 12: the size of a
 * signal's trade from its grade and confidence, then every limit in turn
 * (kill switch, daily loss, drawdown, the losing-streak pause, trades a day,
 * open positions, risk per trade, the daily risk budget). A check reduces the
 * size where the spec says so and otherwise rejects with a reason. Pure: the
 * caller passes the account state and the time.
 */

/** Section 12's defaults; every number configurable. */
export interface RiskConfig {
  readonly baseContracts: number;
  readonly maxContractsPerSignal: number;
  readonly maxOpenPositions: number;
  readonly maxRiskPerTradeUsd: number;
  readonly dailyLossLimitUsd: number;
  /** Share of the daily limit that raises a WARNING (0.8). */
  readonly dailyLossWarning: number;
  readonly maxTradesPerDay: number;
  /** Consecutive losses that pause new entries, and for how long (ms). */
  readonly lossStreakPause: number;
  readonly pauseMs: number;
  /** Drawdown from peak equity that halts trading, as a share (0.10). */
  readonly maxDrawdownShare: number;
  /** New risk + open risk within this share of the daily limit (0.5)... */
  readonly budgetOfDailyLimit: number;
  /** ...and within this share of what is left of it (0.3). */
  readonly budgetOfRemaining: number;
  /** Size multiplier by confluence grade (section 7). */
  readonly gradeSize: Readonly<Record<'PREMIUM' | 'STRONG' | 'WEAK' | 'NO_TRADE', number>>;
  /** [confidence above, multiplier], highest first; below the last: `lowConfidenceSize`. */
  readonly confidenceSize: readonly (readonly [number, number])[];
  readonly lowConfidenceSize: number;
  /**
   * Optional Kelly sizing: the share of the Kelly fraction to bet (0.25 is
   * quarter-Kelly), from the last `kellyLookback` trades; null turns it off.
   */
  readonly kellyShare: number | null;
  readonly kellyLookback: number;
  /** Fewer closed trades than this and Kelly sizing falls back to the multiplier. */
  readonly kellyMinTrades: number;
  /** Account equity when a run starts, USD (the drawdown rule's first peak). */
  readonly accountEquityUsd: number;
  /** Kill switch: no market data for this long inside a session (ms), live feeds only. */
  readonly staleDataMs: number;
  /** Kill switch: broker connection lost this long with a position open (ms). */
  readonly brokerLostMs: number;
  /** Kill switch: win rate below this after `performanceMinTrades` trades in the day. */
  readonly performanceMinWinRate: number;
  readonly performanceMinTrades: number;
}

export const DEFAULT_RISK_CONFIG: RiskConfig = Object.freeze<RiskConfig>({
  baseContracts: 1,
  maxContractsPerSignal: 2,
  maxOpenPositions: 1,
  maxRiskPerTradeUsd: 100,
  dailyLossLimitUsd: 500,
  dailyLossWarning: 0.8,
  maxTradesPerDay: 10,
  lossStreakPause: 3,
  pauseMs: 30 * 60_000,
  maxDrawdownShare: 0.1,
  budgetOfDailyLimit: 0.5,
  budgetOfRemaining: 0.3,
  gradeSize: { PREMIUM: 1.5, STRONG: 1, WEAK: 0.5, NO_TRADE: 0 },
  confidenceSize: [
    [0.85, 1.5],
    [0.75, 1.2],
    [0.65, 1],
  ],
  lowConfidenceSize: 0.5,
  kellyShare: null,
  kellyLookback: 50,
  kellyMinTrades: 20,
  accountEquityUsd: 25_000,
  staleDataMs: 10_000,
  brokerLostMs: 30_000,
  performanceMinWinRate: 0.3,
  performanceMinTrades: 10,
});

/** The account as the risk check sees it. USD; times Unix ms. */
export interface RiskState {
  readonly killSwitch: 'ACTIVE' | 'REDUCING' | 'HALTED';
  /** Today's net P&L (realized, commissions included, plus open P&L), USD; a loss is negative. */
  readonly dailyPnlUsd: number;
  readonly tradesToday: number;
  readonly consecutiveLosses: number;
  /** When the last loss of the current streak closed (for the pause). */
  readonly lastLossTs: number;
  readonly openPositions: number;
  /** Risk to the stops of open positions, USD. */
  readonly openRiskUsd: number;
  readonly equityUsd: number;
  readonly peakEquityUsd: number;
}

/** What is being sized. */
export interface RiskRequest {
  readonly grade: 'PREMIUM' | 'STRONG' | 'WEAK' | 'NO_TRADE';
  /** Signal confidence 0..1. */
  readonly confidence: number;
  /** Entry-to-stop distance, ticks. */
  readonly riskTicks: number;
  /** Net P&L of recent closed trades, USD, oldest first (for Kelly sizing). */
  readonly recentTradesUsd?: readonly number[];
}

/** Why a trade was refused; 'flattening' and 'session-end' come from the execution path (a flatten in progress, the flatten before the close). */
export type RiskRejection = 'kill-switch' | 'daily-loss' | 'drawdown' | 'loss-streak-pause' | 'max-trades' | 'open-position' | 'size' | 'risk-per-trade' | 'daily-budget' | 'flattening' | 'session-end';

/** The check's answer. */
export type RiskDecision =
  | { readonly approved: true; readonly contracts: number; readonly riskUsd: number; readonly multiplier: number; readonly reduced: readonly string[] }
  | { readonly approved: false; readonly reason: RiskRejection; readonly detail: string };

/** grade multiplier x confidence multiplier (section 12). */
export function sizeMultiplier(req: RiskRequest, c: RiskConfig): number {
  const byConfidence = c.confidenceSize.find(([above]) => req.confidence > above)?.[1] ?? c.lowConfidenceSize;
  return c.gradeSize[req.grade] * byConfidence;
}

/**
 * Sizes and checks one trade at time `now` (Unix ms).
 * Size = floor(base x multiplier), at least 1 unless the multiplier is below
 * 0.5, at most the per-signal maximum; then reduced to fit the per-trade risk
 * and the daily budget, or rejected.
 */
export function checkTrade(req: RiskRequest, s: RiskState, c: RiskConfig, tickValueUsd: number, now: number): RiskDecision {
  const no = (reason: RiskRejection, detail: string): RiskDecision => ({ approved: false, reason, detail });
  const gate = accountGates(s, c, now);
  if (gate !== null) return gate;
  const multiplier = sizeMultiplier(req, c);
  if (multiplier < 0.5) return no('size', `size multiplier ${multiplier.toFixed(2)} is below 0.5`);
  let contracts = Math.min(c.maxContractsPerSignal, Math.max(1, Math.floor(c.baseContracts * multiplier)));
  const perContract = req.riskTicks * tickValueUsd;
  const reduced: string[] = [];
  const kelly = c.kellyShare === null ? null : kellyContracts(req.recentTradesUsd ?? [], perContract, s.equityUsd, c);
  if (kelly !== null) {
    if (kelly < 1) return no('size', `${c.kellyShare} Kelly sizes this trade at ${kelly} contracts`);
    contracts = Math.min(c.maxContractsPerSignal, kelly);
  }
  const fit = (limit: number, why: string): boolean => {
    const max = Math.floor(limit / perContract + 1e-9);
    if (max >= contracts) return true;
    if (max < 1) return false;
    reduced.push(`${why}: ${contracts} -> ${max} contracts`);
    contracts = max;
    return true;
  };
  if (!fit(c.maxRiskPerTradeUsd, 'risk per trade')) return no('risk-per-trade', `one contract risks ${perContract.toFixed(2)} USD, over the ${c.maxRiskPerTradeUsd} USD limit`);
  const budget = dailyBudgetLeftUsd(s, c);
  if (!fit(budget, 'daily risk budget')) return no('daily-budget', `one contract risks ${perContract.toFixed(2)} USD; the daily budget left is ${Math.max(0, budget).toFixed(2)} USD`);
  return { approved: true, contracts, riskUsd: contracts * perContract, multiplier, reduced };
}

/** Section 12's daily risk budget left for a new entry, USD: the smaller of its two shares, less the open risk. */
function dailyBudgetLeftUsd(s: RiskState, c: RiskConfig): number {
  const loss = Math.max(0, -s.dailyPnlUsd);
  return Math.min(c.budgetOfDailyLimit * c.dailyLossLimitUsd, c.budgetOfRemaining * (c.dailyLossLimitUsd - loss)) - s.openRiskUsd;
}

/** The limits on the account every entry passes, the method's or the trader's (section 12), in order; null when none refuses. */
function accountGates(s: RiskState, c: RiskConfig, now: number): (RiskDecision & { approved: false }) | null {
  const no = (reason: RiskRejection, detail: string) => ({ approved: false as const, reason, detail });
  if (s.killSwitch !== 'ACTIVE') return no('kill-switch', `kill switch is ${s.killSwitch}`);
  const loss = Math.max(0, -s.dailyPnlUsd);
  if (loss >= c.dailyLossLimitUsd) return no('daily-loss', `daily loss ${loss.toFixed(2)} USD reached the ${c.dailyLossLimitUsd} USD limit`);
  const dd = s.peakEquityUsd - s.equityUsd;
  if (dd >= c.maxDrawdownShare * s.peakEquityUsd) return no('drawdown', `drawdown ${dd.toFixed(2)} USD is ${((100 * dd) / s.peakEquityUsd).toFixed(1)}% of peak equity`);
  if (s.consecutiveLosses >= c.lossStreakPause && now < s.lastLossTs + c.pauseMs) {
    return no('loss-streak-pause', `${s.consecutiveLosses} losses in a row: entries paused until ${new Date(s.lastLossTs + c.pauseMs).toISOString()}`);
  }
  if (s.tradesToday >= c.maxTradesPerDay) return no('max-trades', `${s.tradesToday} trades today, the limit is ${c.maxTradesPerDay}`);
  if (s.openPositions >= c.maxOpenPositions) return no('open-position', `${s.openPositions} position(s) open, the limit is ${c.maxOpenPositions}`);
  return null;
}

/**
 * Checks the trader's own entry (issue 18, item 2) at time `now` (Unix ms):
 * the same account limits as a signal's trade (kill switch, daily loss,
 * drawdown, the losing-streak pause, trades a day, open positions), then the
 * size the trader asked for against the per-signal maximum, the per-trade
 * risk (contracts x `riskTicks` x tick value, USD) and the daily risk budget.
 * The trader's size is never reduced behind their back: it passes whole or
 * is refused with the reason. Multiplier 1, nothing reduced.
 */
export function checkManualTrade(req: { readonly contracts: number; readonly riskTicks: number }, s: RiskState, c: RiskConfig, tickValueUsd: number, now: number): RiskDecision {
  const gate = accountGates(s, c, now);
  if (gate !== null) return gate;
  const no = (reason: RiskRejection, detail: string): RiskDecision => ({ approved: false, reason, detail });
  if (req.contracts > c.maxContractsPerSignal) return no('size', `${req.contracts} contracts, the limit per entry is ${c.maxContractsPerSignal}`);
  const riskUsd = req.contracts * req.riskTicks * tickValueUsd;
  if (riskUsd > c.maxRiskPerTradeUsd + 1e-9) return no('risk-per-trade', `${req.contracts} contract(s) at ${req.riskTicks} ticks risk ${riskUsd.toFixed(2)} USD, over the ${c.maxRiskPerTradeUsd} USD limit`);
  const budget = dailyBudgetLeftUsd(s, c);
  if (riskUsd > budget + 1e-9) return no('daily-budget', `this entry risks ${riskUsd.toFixed(2)} USD; the daily budget left is ${Math.max(0, budget).toFixed(2)} USD`);
  return { approved: true, contracts: req.contracts, riskUsd, multiplier: 1, reduced: [] };
}

/** True when today's loss has reached the warning share of the limit (section 12: an alert at 80%). */
export function dailyLossWarning(dailyPnlUsd: number, c: RiskConfig): boolean {
  return -dailyPnlUsd >= c.dailyLossWarning * c.dailyLossLimitUsd;
}

/**
 * Contracts by a share of the Kelly fraction, or null when there are fewer
 * than `kellyMinTrades` closed trades. f* = W - (1 - W) / R with W the win
 * rate and R = average win / average loss over the last `kellyLookback`
 * trades (Kelly 1956; Thorp, "The Kelly criterion in blackjack, sports
 * betting and the stock market", 2006); contracts = floor(share x f* x
 * equity / risk per contract).
 */
export function kellyContracts(tradesUsd: readonly number[], riskPerContractUsd: number, equityUsd: number, c: RiskConfig): number | null {
  const recent = tradesUsd.slice(-c.kellyLookback);
  if (recent.length < c.kellyMinTrades || c.kellyShare === null) return null;
  const wins = recent.filter((x) => x > 0);
  const losses = recent.filter((x) => x <= 0);
  if (losses.length === 0) return c.maxContractsPerSignal;
  if (wins.length === 0) return 0;
  const avgWin = wins.reduce((a, b) => a + b, 0) / wins.length;
  const avgLoss = -losses.reduce((a, b) => a + b, 0) / losses.length;
  const w = wins.length / recent.length;
  const f = avgLoss === 0 ? 1 : w - (1 - w) / (avgWin / avgLoss);
  return f <= 0 ? 0 : Math.floor((c.kellyShare * f * equityUsd) / riskPerContractUsd);
}
