/**
 * How old the gamma levels in force are at a bar (issue 17, item 9): a chain
 * is a snapshot of the SPX options at its time; the walls and zero gamma
 * drift as the market moves and options expire, so levels older than a few
 * trading days are stale, and a chain taken after the bar would be
 * look-ahead (a chain loaded by hand onto an older file).
 */
import { Zone } from '../time/zone.js';
import { busdayCount } from './gex.js';

/** Default age past which a chain in force is stale: trading days from its New York date to the bar's. */
export const GAMMA_MAX_AGE_TRADING_DAYS = 3;

/** 'fresh', 'stale' (older than the limit) or 'ahead' (taken after the bar's open). */
export type ChainAge = 'fresh' | 'stale' | 'ahead';

const NEW_YORK = new Zone('America/New_York');

/**
 * The age of a chain taken at `chainTs` at a bar opening at `barTs` (Unix
 * ms): its trading days (Monday to Friday, no holidays: NumPy busday_count)
 * from the chain's New York date to the bar's, against `maxTradingDays`.
 */
export function chainAge(chainTs: number, barTs: number, maxTradingDays = GAMMA_MAX_AGE_TRADING_DAYS): ChainAge {
  if (chainTs > barTs) return 'ahead';
  return busdayCount(NEW_YORK.formatIso(chainTs).slice(0, 10), NEW_YORK.formatIso(barTs).slice(0, 10)) > maxTradingDays ? 'stale' : 'fresh';
}
