/**
 * Gamma exposure of SPX options (battle-navale.md section 6, "Gamma levels"):
 * per option GEX = gamma * OI * 100 * S^2 * 0.01, USD of dealer delta per 1%
 * move, calls positive and puts negative (the assumption that dealers are long
 * the calls and short the puts customers trade). The walls and net GEX use
 * the chain's own gamma at its spot; zero gamma re-prices every option's gamma
 * with Black-Scholes (r = q = 0, its own IV, T = business days / 262) over 60
 * spots from 0.8 S to 1.2 S and interpolates the first sign change.
 * The method follows S. Perfiliev, "How to calculate gamma exposure and zero
 * gamma level" (perfiliev.com, 2021).
 */
import type { OptionChain } from './chain.js';

/** Contract multiplier of SPX options. */
export const SPX_MULTIPLIER = 100;
/** Business days in a year for T. */
export const BUSINESS_DAYS_A_YEAR = 262;
/** Spots in the zero-gamma grid. */
export const PROFILE_POINTS = 60;

/** What the levels assume; shown to the trader beside the levels. */
export const GAMMA_ASSUMPTIONS: readonly string[] = Object.freeze([
  'Dealers are long the calls and short the puts that customers hold: call GEX counts positive, put GEX negative.',
  'GEX = gamma x open interest x 100 x spot^2 x 1%: USD of dealer delta hedging per 1% move of SPX.',
  "Call wall, put wall and net GEX use the chain's own gamma column at the snapshot's spot.",
  "Zero gamma re-prices every option's gamma with Black-Scholes (r = q = 0, its own IV, T = business days to expiry / 262) at 60 spots from 0.8 to 1.2 x spot; options with T = 0 or IV = 0 contribute nothing.",
  'SPX levels are moved onto ES by the basis (ES - SPX, points).',
]);

/** GEX of one strike, summed over expirations, USD per 1% move. */
export interface StrikeGex {
  readonly strike: number;
  readonly callGex: number;
  /** Negative (puts count against dealers). */
  readonly putGex: number;
}

/** Gamma levels of one chain snapshot, in SPX index points. */
export interface GammaLevels {
  readonly source: string;
  /** Snapshot date, YYYY-MM-DD. */
  readonly date: string;
  /** When the snapshot was taken, Unix ms. */
  readonly ts: number;
  readonly spot: number;
  /** Sum of every option's GEX at spot, USD per 1% move. */
  readonly netGex: number;
  /** Strike with the largest call GEX. */
  readonly callWall: number;
  /** Strike with the largest absolute put GEX. */
  readonly putWall: number;
  /** Spot where the re-priced total GEX changes sign; null when it never does on the grid. */
  readonly zeroGamma: number | null;
  /** Total GEX (USD per 1% move) at each grid spot, lowest spot first. */
  readonly profile: readonly { spot: number; gex: number }[];
  readonly strikes: readonly StrikeGex[];
  /** Option volume of the snapshot's day, contracts (options_flow_bias). */
  readonly callVolume: number;
  readonly putVolume: number;
}

const DAY_MS = 86_400_000;

function dayNumber(iso: string): number {
  return Math.floor(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS);
}

/**
 * Business days (Monday to Friday) from `begin` inclusive to `end` exclusive,
 * negative when `end` is before `begin`, as NumPy's `busday_count` with its
 * default weekmask and no holidays. Dates are YYYY-MM-DD.
 */
export function busdayCount(begin: string, end: string): number {
  const a = dayNumber(begin);
  const b = dayNumber(end);
  if (b < a) return -busdayCount(end, begin);
  const isWeekday = (d: number): boolean => {
    const dow = (d + 4) % 7; // 1970-01-01 was a Thursday (4)
    return dow !== 0 && dow !== 6;
  };
  const days = b - a;
  let count = Math.floor(days / 7) * 5;
  for (let d = a + Math.floor(days / 7) * 7; d < b; d++) if (isWeekday(d)) count++;
  return count;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Black-Scholes gamma with r = q = 0: phi(d1) / (S sigma sqrt(T)); 0 when T <= 0 or sigma <= 0. */
export function bsGamma(spot: number, strike: number, iv: number, years: number): number {
  if (!(years > 0) || !(iv > 0)) return 0;
  const vst = iv * Math.sqrt(years);
  const d1 = (Math.log(spot / strike) + 0.5 * iv * iv * years) / vst;
  return (INV_SQRT_2PI * Math.exp(-0.5 * d1 * d1)) / (spot * vst);
}

/** GEX of one option position: gamma * OI * 100 * S^2 * 0.01, USD per 1% move (unsigned). */
export function optionGex(gamma: number, openInterest: number, spot: number): number {
  return gamma * openInterest * SPX_MULTIPLIER * spot * spot * 0.01;
}

/** Computes the gamma levels of a chain (module header for the method). */
export function gammaLevels(chain: OptionChain): GammaLevels {
  const S = chain.spot;
  const byStrike = new Map<number, { callGex: number; putGex: number }>();
  let netGex = 0;
  let callVolume = 0;
  let putVolume = 0;
  const years = new Map<string, number>();
  for (const o of chain.options) {
    const g = optionGex(o.gamma, o.openInterest, S);
    const row = byStrike.get(o.strike) ?? { callGex: 0, putGex: 0 };
    if (o.kind === 'call') {
      row.callGex += g;
      netGex += g;
      callVolume += o.volume;
    } else {
      row.putGex -= g;
      netGex -= g;
      putVolume += o.volume;
    }
    byStrike.set(o.strike, row);
    if (!years.has(o.expiry)) years.set(o.expiry, busdayCount(chain.date, o.expiry) / BUSINESS_DAYS_A_YEAR);
  }
  const strikes = [...byStrike.entries()].map(([strike, r]) => ({ strike, callGex: r.callGex, putGex: r.putGex })).sort((a, b) => a.strike - b.strike);
  let callWall = Number.NaN;
  let putWall = Number.NaN;
  let maxCall = Number.NEGATIVE_INFINITY;
  let maxPut = Number.NEGATIVE_INFINITY;
  for (const s of strikes) {
    if (s.callGex > maxCall) [maxCall, callWall] = [s.callGex, s.strike];
    if (-s.putGex > maxPut) [maxPut, putWall] = [-s.putGex, s.strike];
  }
  // Only options that can contribute are re-priced on the grid.
  const live = chain.options.filter((o) => o.openInterest > 0 && o.iv > 0 && (years.get(o.expiry) ?? 0) > 0);
  const profile: { spot: number; gex: number }[] = [];
  const lo = 0.8 * S;
  const step = (1.2 * S - lo) / (PROFILE_POINTS - 1);
  for (let k = 0; k < PROFILE_POINTS; k++) {
    const spot = lo + k * step;
    let total = 0;
    for (const o of live) {
      const g = optionGex(bsGamma(spot, o.strike, o.iv, years.get(o.expiry)!), o.openInterest, spot);
      total += o.kind === 'call' ? g : -g;
    }
    profile.push({ spot, gex: total });
  }
  return { source: chain.source, date: chain.date, ts: chain.ts, spot: S, netGex, callWall, putWall, zeroGamma: zeroCrossing(profile), profile, strikes, callVolume, putVolume };
}

/** Linear interpolation of the first sign change of `gex` scanning up from the lowest spot; null when none. */
export function zeroCrossing(profile: readonly { spot: number; gex: number }[]): number | null {
  for (let k = 1; k < profile.length; k++) {
    const a = profile[k - 1]!;
    const b = profile[k]!;
    if (Math.sign(a.gex) !== Math.sign(b.gex)) return b.spot - ((b.spot - a.spot) * b.gex) / (b.gex - a.gex);
  }
  return null;
}
