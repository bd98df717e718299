/**
 * Section 12's pre-trade risk check: sizing by grade and confidence, and each
 * limit at, below and above its value. ES: $12.50 a tick.
 */
import { describe, expect, it } from 'vitest';
import { checkTrade, dailyLossWarning, DEFAULT_RISK_CONFIG as C, sizeMultiplier, type RiskState } from '../../engine/risk/sizing';

const TICK = 12.5;
const NOW = Date.UTC(2023, 8, 26, 15, 0);
const state = (over: Partial<RiskState> = {}): RiskState => ({
  killSwitch: 'ACTIVE',
  dailyPnlUsd: 0,
  tradesToday: 0,
  consecutiveLosses: 0,
  lastLossTs: 0,
  openPositions: 0,
  openRiskUsd: 0,
  equityUsd: 10_000,
  peakEquityUsd: 10_000,
  ...over,
});
// 4 ticks of risk: $50 a contract
const strong = { grade: 'STRONG' as const, confidence: 0.8, riskTicks: 4 };

describe('section 12: sizing', () => {
  it('multiplies the grade by the confidence step', () => {
    expect(sizeMultiplier({ grade: 'PREMIUM', confidence: 0.9, riskTicks: 4 }, C)).toBe(2.25);
    expect(sizeMultiplier({ grade: 'STRONG', confidence: 0.8, riskTicks: 4 }, C)).toBe(1.2);
    expect(sizeMultiplier({ grade: 'STRONG', confidence: 0.75, riskTicks: 4 }, C)).toBe(1); // not above 0.75
    expect(sizeMultiplier({ grade: 'WEAK', confidence: 0.7, riskTicks: 4 }, C)).toBe(0.5);
    expect(sizeMultiplier({ grade: 'WEAK', confidence: 0.6, riskTicks: 4 }, C)).toBe(0.25);
  });

  it('floor(base x multiplier), at least 1, at most 2', () => {
    // PREMIUM x 1.5 = 2.25 -> 2 contracts, $100 of risk: exactly the per-trade limit
    expect(checkTrade({ grade: 'PREMIUM', confidence: 0.9, riskTicks: 4 }, state(), C, TICK, NOW)).toMatchObject({ approved: true, contracts: 2, riskUsd: 100 });
    // STRONG x 1.2 -> 1
    expect(checkTrade(strong, state(), C, TICK, NOW)).toMatchObject({ approved: true, contracts: 1, riskUsd: 50 });
    // WEAK x 1.0 = 0.5 -> at least 1
    expect(checkTrade({ grade: 'WEAK', confidence: 0.7, riskTicks: 4 }, state(), C, TICK, NOW)).toMatchObject({ approved: true, contracts: 1 });
    // WEAK x 0.5 = 0.25 < 0.5 -> refused
    expect(checkTrade({ grade: 'WEAK', confidence: 0.6, riskTicks: 4 }, state(), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'size' });
  });
});

describe('section 12: limits', () => {
  it('risk per trade: reduces the size, refuses when one contract is over $100', () => {
    // 2 contracts x 6 ticks = $150 > $100 -> 1 contract ($75)
    const r = checkTrade({ grade: 'PREMIUM', confidence: 0.9, riskTicks: 6 }, state(), C, TICK, NOW);
    expect(r).toMatchObject({ approved: true, contracts: 1, riskUsd: 75, reduced: ['risk per trade: 2 -> 1 contracts'] });
    expect(checkTrade({ ...strong, riskTicks: 8 }, state(), C, TICK, NOW)).toMatchObject({ approved: true, riskUsd: 100 }); // at the limit
    expect(checkTrade({ ...strong, riskTicks: 9 }, state(), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'risk-per-trade' });
  });

  it('daily loss: refused at the $500 limit, allowed below; the warning at 80%', () => {
    expect(checkTrade(strong, state({ dailyPnlUsd: -500 }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'daily-loss' });
    expect(checkTrade(strong, state({ dailyPnlUsd: -499 }), C, TICK, NOW).approved).toBe(false); // budget: 0.3 x $1 left
    expect([dailyLossWarning(-399, C), dailyLossWarning(-400, C), dailyLossWarning(-450, C)]).toEqual([false, true, true]);
  });

  it('daily budget: new + open risk within 50% of the limit and 30% of what is left', () => {
    // no loss: min(250, 150) = 150; open risk 100 leaves 50: one $50 contract fits, a $62.50 one does not
    expect(checkTrade(strong, state({ openRiskUsd: 100, openPositions: 0 }), C, TICK, NOW)).toMatchObject({ approved: true, contracts: 1 });
    expect(checkTrade({ ...strong, riskTicks: 5 }, state({ openRiskUsd: 100 }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'daily-budget' });
    // $300 lost: 0.3 x 200 = 60 left: 2 x $50 reduced to 1
    expect(checkTrade({ grade: 'PREMIUM', confidence: 0.9, riskTicks: 4 }, state({ dailyPnlUsd: -300 }), C, TICK, NOW)).toMatchObject({
      approved: true,
      contracts: 1,
      reduced: ['daily risk budget: 2 -> 1 contracts'],
    });
  });

  it('max trades a day: the 10th is allowed, the 11th refused', () => {
    expect(checkTrade(strong, state({ tradesToday: 9 }), C, TICK, NOW).approved).toBe(true);
    expect(checkTrade(strong, state({ tradesToday: 10 }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'max-trades' });
  });

  it('3 consecutive losses pause entries for 30 minutes', () => {
    const last = NOW - 29 * 60_000;
    expect(checkTrade(strong, state({ consecutiveLosses: 2, lastLossTs: last }), C, TICK, NOW).approved).toBe(true);
    expect(checkTrade(strong, state({ consecutiveLosses: 3, lastLossTs: last }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'loss-streak-pause' });
    expect(checkTrade(strong, state({ consecutiveLosses: 3, lastLossTs: NOW - 30 * 60_000 }), C, TICK, NOW).approved).toBe(true);
  });

  it('max drawdown of 10% of peak equity halts trading', () => {
    expect(checkTrade(strong, state({ equityUsd: 9_001, peakEquityUsd: 10_000 }), C, TICK, NOW).approved).toBe(true);
    expect(checkTrade(strong, state({ equityUsd: 9_000, peakEquityUsd: 10_000 }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'drawdown' });
  });

  it('one open position at most, and nothing while the kill switch is not ACTIVE', () => {
    expect(checkTrade(strong, state({ openPositions: 1 }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'open-position' });
    expect(checkTrade(strong, state({ killSwitch: 'REDUCING' }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'kill-switch' });
    expect(checkTrade(strong, state({ killSwitch: 'HALTED' }), C, TICK, NOW)).toMatchObject({ approved: false, reason: 'kill-switch' });
  });
});
