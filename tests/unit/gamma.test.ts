/**
 * Gamma levels (battle-navale.md section 6) on a tiny chain computed by hand
 * and on the two real SPX chains of ../shared/data/options, against the
 * figures an independent implementation of the same method got.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ChainError, parseChain, parseChainTime, readChain, readChains } from '../../engine/gamma/chain';
import { runBacktest } from '../../engine/run/drivers/backtest';
import type { MappedGamma } from '../../engine/method/context';
import { bsGamma, busdayCount, gammaLevels, zeroCrossing } from '../../engine/gamma/gex';
import { SHARED_DATA } from '../support/paths';

const HEADER = 'Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,Strike,Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest';
const TINY = [
  '',
  'Standard & Poors 500 Index,Last: 100,Change:  0',
  '"Date: January 3, 2023 at 4:00 PM EST",Bid: 99,Ask: 101,Size: 1*1,Volume: 0',
  HEADER,
  'Fri Jan 06 2023,C100,0,0,0,0,10,0.2,0.5,0.01,1000,100.00,P100,0,0,0,0,20,0.2,-0.5,0.02,500',
  'Fri Jan 06 2023,C105,0,0,0,0,5,0.2,0.3,0.005,2400,105.00,P105,0,0,0,0,0,0.2,-0.7,0.001,100',
  '',
].join('\n');

describe('CBOE quote-table chain', () => {
  it('finds the header lines by their text and reads both sides of each line', () => {
    const c = parseChain(TINY, 'tiny.csv');
    expect(c).toMatchObject({ source: 'tiny.csv', spot: 100, date: '2023-01-03' });
    expect(c.options).toHaveLength(4);
    expect(c.options[1]).toEqual({ kind: 'put', expiry: '2023-01-06', strike: 100, iv: 0.2, gamma: 0.02, openInterest: 500, volume: 20 });
  });

  it('refuses a chain without its header lines or any good option line, naming the file', () => {
    expect(() => parseChain(TINY.replace('Last: 100', 'Price 100'), 'x.csv')).toThrow(/x\.csv: no "Last: <spot>" line/);
    expect(() => parseChain(TINY.split('\n').slice(0, 4).join('\n'), 'x.csv')).toThrow(/no option lines/);
    expect(() => parseChain(TINY.replace('0.02,500', 'abc,500').replace('0.001,100', '-1,100'), 'x.csv')).toThrow(/no option lines after the column line \(2 rejected; the first: x\.csv:5: field "gamma"/);
  });

  it('rejects a bad option line by file, line and field, and keeps the rest of the chain (issue 16)', () => {
    const cases: [string, RegExp][] = [
      ['0.02,500', /x\.csv:5: field "gamma" \(column 21\) is not a number: "abc"/],
      ['0.02,-500', /x\.csv:5: field "open interest" \(column 22\) is -500, outside 0\.\.100000000/],
      ['0.02,1e300', /x\.csv:5: field "open interest" \(column 22\) is 1e\+300, outside/],
      ['0.02,0x1F4', /x\.csv:5: field "open interest" \(column 22\) is not a number: "0x1F4"/],
    ];
    const bad = ['abc,500', '0.02,-500', '0.02,1e300', '0.02,0x1F4'];
    cases.forEach(([, why], n) => {
      const c = parseChain(TINY.replace('0.02,500', bad[n] as string), 'x.csv');
      expect(c.options.map((o) => o.strike)).toEqual([105, 105]);
      expect(c.rejected).toHaveLength(1);
      expect(c.rejected[0]).toMatch(why);
    });
    const gamma = parseChain(TINY.replace('0.01,1000', '1e300,1000'), 'x.csv');
    expect(gamma.rejected[0]).toMatch(/x\.csv:5: field "gamma" \(column 10\) is 1e\+300, outside 0\.\.1/);
    const date = parseChain(TINY.replace('Fri Jan 06 2023,C105', 'someday,C105'), 'x.csv');
    expect(date.options.map((o) => o.strike)).toEqual([100, 100]);
    expect(date.rejected[0]).toMatch(/x\.csv:6: field "expiration date"/);
    expect(ChainError).toBeDefined();
  });
});

describe("the chain's Date line (issue 17)", () => {
  it('reads every variant the CBOE files carry, with its time and zone, as a UTC instant', () => {
    const cases: [string, string, number][] = [
      ['5 April 2023, 19:41 UTC\u22124', '2023-04-05', Date.UTC(2023, 3, 5, 23, 41)], // a Unicode minus
      ['6 May 2023, 8:40 PM EDT', '2023-05-06', Date.UTC(2023, 4, 7, 0, 40)],
      ['20 May 2023, 11:33 AM EDT', '2023-05-20', Date.UTC(2023, 4, 20, 15, 33)],
      ['May 23, 2023 at 7:39 PM EDT', '2023-05-23', Date.UTC(2023, 4, 23, 23, 39)],
      ['8 June 2023 7:56 PM EDT', '2023-06-08', Date.UTC(2023, 5, 8, 23, 56)],
      ['February 5 2022, 8:09 PM EST', '2022-02-05', Date.UTC(2022, 1, 6, 1, 9)],
      ['January 3, 2023 at 12:05 AM EST', '2023-01-03', Date.UTC(2023, 0, 3, 5, 5)], // 12 AM is midnight
      ['3 January 2023, 12:05 PM CST', '2023-01-03', Date.UTC(2023, 0, 3, 18, 5)],
      ['3 January 2023, 9:00 UTC+5:30', '2023-01-03', Date.UTC(2023, 0, 3, 3, 30)],
    ];
    for (const [text, date, ts] of cases) expect(parseChainTime(text), text).toEqual({ date, ts });
  });

  it('refuses a Date line without a time or a zone, a day the month does not have, or a zone it does not know, naming the line', () => {
    for (const text of ['5 April 2023', '5 April 2023, 19:41', '31 April 2023, 10:00 EDT', '5 April 2023, 19:41 XYZ', '5 April 2023, 13:41 PM EDT', 'Someday 5, 2023 at 1:00 PM EDT']) {
      expect(parseChainTime(text), text).toBeNull();
    }
    expect(() => parseChain(TINY.replace('January 3, 2023 at 4:00 PM EST', 'January 3, 2023'), 'x.csv')).toThrow(/x\.csv:3: the Date "January 3, 2023" is not a date, a time and a zone this reader knows/);
  });

  it('reads all 13 real chains in ../shared/data/options with the snapshot time each file prints', async () => {
    const expected: [string, string, number][] = [
      ['esm23/spx_quotedata_2023-04-05.csv', '2023-04-05', Date.UTC(2023, 3, 5, 23, 41)],
      ['esm23/spx_quotedata_2023-04-06.csv', '2023-04-06', Date.UTC(2023, 3, 7, 2, 48)],
      ['esm23/spx_quotedata_2023-04-10.csv', '2023-04-10', Date.UTC(2023, 3, 11, 0, 51)],
      ['esm23/spx_quotedata_2023-04-14.csv', '2023-04-14', Date.UTC(2023, 3, 14, 23, 12)],
      ['esm23/spx_quotedata_2023-04-17.csv', '2023-04-17', Date.UTC(2023, 3, 18, 2, 53)],
      ['esm23/spx_quotedata_2023-05-06.csv', '2023-05-06', Date.UTC(2023, 4, 7, 0, 40)],
      ['esm23/spx_quotedata_2023-05-20.csv', '2023-05-20', Date.UTC(2023, 4, 20, 15, 33)],
      ['esm23/spx_quotedata_2023-05-23.csv', '2023-05-23', Date.UTC(2023, 4, 23, 23, 39)],
      ['esm23/spx_quotedata_2023-05-26.csv', '2023-05-26', Date.UTC(2023, 4, 26, 21, 1)],
      ['esm23/spx_quotedata_2023-06-08.csv', '2023-06-08', Date.UTC(2023, 5, 8, 23, 56)],
      ['esm23/spx_quotedata_2023-06-09.csv', '2023-06-09', Date.UTC(2023, 5, 9, 17, 40)],
      ['spx_quotedata_2022-02-05.csv', '2022-02-05', Date.UTC(2022, 1, 6, 1, 9)],
      ['spx_quotedata_2023-08-20.csv', '2023-08-20', Date.UTC(2023, 7, 21, 2, 42)],
    ];
    for (const [file, date, ts] of expected) {
      const c = await readChain(resolve(SHARED_DATA, 'options', file));
      expect({ date: c.date, ts: c.ts, rejected: c.rejected.length }, file).toEqual({ date, ts, rejected: 0 });
    }
  });

  it('gives the ESM23 chains their levels: 2023-04-05 and 2023-06-09 against an independent sum (Python csv, GEX = gamma x OI x 100 x S^2 x 1%)', async () => {
    const a = gammaLevels(await readChain(resolve(SHARED_DATA, 'options/esm23/spx_quotedata_2023-04-05.csv')));
    expect(a).toMatchObject({ callWall: 4000, putWall: 4000 });
    expect(a.netGex / 1e9).toBeCloseTo(7.8, 1);
    const b = gammaLevels(await readChain(resolve(SHARED_DATA, 'options/esm23/spx_quotedata_2023-06-09.csv')));
    expect(b).toMatchObject({ callWall: 4300, putWall: 4300 });
    expect(b.netGex / 1e9).toBeCloseTo(64.2, 1);
  });
});

describe('gamma levels over time (issue 17)', () => {
  it('a folder of chains applies each from its snapshot time on through the ESM23 5-minute file (US Central)', async () => {
    const { chains, refused } = await readChains(resolve(SHARED_DATA, 'options/esm23'));
    expect(refused).toEqual([]);
    expect(chains.map((c) => c.date)).toEqual(['2023-04-05', '2023-04-06', '2023-04-10', '2023-04-14', '2023-04-17', '2023-05-06', '2023-05-20', '2023-05-23', '2023-05-26', '2023-06-08', '2023-06-09']);
    const inForce: { ts: number; gamma: MappedGamma | null }[] = [];
    await runBacktest({
      file: resolve(SHARED_DATA, 'es/sierra-5m/ESM23-CME.scid_BarData__5m.txt'),
      timeframe: '5m',
      timeZone: 'America/Chicago',
      gammaSchedule: chains.map((c) => ({ levels: gammaLevels(c), basisPoints: 40 })),
      onDecision: (d) => inForce.push({ ts: d.bar.ts, gamma: d.gamma }),
    });
    // Before the first snapshot (2023-04-05 19:41 EDT = 23:41 UTC) no level is in force; from the first 5-minute bar
    // starting after it, the chain's levels moved onto ES by the basis (call wall 4000 + 40).
    const first = Date.UTC(2023, 3, 5, 23, 41);
    expect(inForce.filter((x) => x.ts < first).every((x) => x.gamma === null)).toBe(true);
    const after = inForce.find((x) => x.ts >= first)!;
    expect(after.ts).toBe(Date.UTC(2023, 3, 5, 23, 45));
    expect(after.gamma).toMatchObject({ chainTs: first, callWall: 4040, putWall: 4040, basis: 40 });
    // Each of the 11 chains comes in force, in order, and the last one at its own bar (13:40 CT is a bar start).
    const seen = [...new Set(inForce.map((x) => x.gamma?.chainTs).filter((t) => t !== undefined))];
    expect(seen).toEqual(chains.map((c) => c.ts));
    expect(inForce.find((x) => x.gamma?.chainTs === Date.UTC(2023, 5, 9, 17, 40))?.ts).toBe(Date.UTC(2023, 5, 9, 17, 40));
  }, 30_000);
});

describe('gamma exposure', () => {
  it('per-strike GEX, net GEX and walls of the tiny chain', () => {
    // GEX = gamma * OI * 100 * S^2 * 0.01 with S = 100: gamma * OI * 10,000
    //   call 100: 0.01 * 1000 -> 100,000   put 100: 0.02 * 500 -> -100,000
    //   call 105: 0.005 * 2400 -> 120,000  put 105: 0.001 * 100 -> -1,000
    // net = 119,000; call wall 105 (120,000); put wall 100 (|-100,000|)
    const g = gammaLevels(parseChain(TINY, 'tiny.csv'));
    expect(g.strikes.map((s) => [s.strike, Math.round(s.callGex), Math.round(s.putGex)])).toEqual([
      [100, 100_000, -100_000],
      [105, 120_000, -1_000],
    ]);
    expect(g.netGex).toBeCloseTo(119_000, 6);
    expect(g).toMatchObject({ callWall: 105, putWall: 100, callVolume: 15, putVolume: 20 });
    expect(g.profile).toHaveLength(60);
    expect(g.profile[0]!.spot).toBeCloseTo(80, 9);
    expect(g.profile[59]!.spot).toBeCloseTo(120, 9);
  });

  it('re-prices gamma with Black-Scholes at each grid spot', () => {
    // S = K = 100, sigma 0.2, T = 3/262: sigma sqrt(T) = 0.0214013; d1 = 0.5 * 0.04 * T / 0.0214013 = 0.0107006
    // phi(d1) = 0.3989196; gamma = 0.3989196 / (100 * 0.0214013) = 0.18640
    expect(bsGamma(100, 100, 0.2, 3 / 262)).toBeCloseTo(0.1864, 4);
    expect(bsGamma(100, 100, 0, 0.1)).toBe(0);
    expect(bsGamma(100, 100, 0.2, 0)).toBe(0);
    expect(bsGamma(100, 100, 0.2, -0.01)).toBe(0);
    const g = gammaLevels(parseChain(TINY, 'tiny.csv'));
    // the total at the grid's first spot (0.8 S): the signed sum of each option's BS GEX
    const s0 = g.profile[0]!.spot;
    const T = 3 / 262;
    const expected =
      (bsGamma(s0, 100, 0.2, T) * 1000 - bsGamma(s0, 100, 0.2, T) * 500 + bsGamma(s0, 105, 0.2, T) * 2400 - bsGamma(s0, 105, 0.2, T) * 100) * 100 * s0 * s0 * 0.01;
    expect(g.profile[0]!.gex).toBeCloseTo(expected, 9);
  });

  it('zero gamma interpolates the first sign change from below; none without one', () => {
    // (100, -1) -> (110, 3): 110 - 10 * 3 / (3 - -1) = 102.5
    expect(zeroCrossing([{ spot: 90, gex: -2 }, { spot: 100, gex: -1 }, { spot: 110, gex: 3 }, { spot: 120, gex: -1 }])).toBe(102.5);
    expect(zeroCrossing([{ spot: 90, gex: 1 }, { spot: 100, gex: 2 }])).toBeNull();
  });

  it('counts business days as NumPy busday_count', () => {
    expect(busdayCount('2023-01-03', '2023-01-06')).toBe(3); // Tue, Wed, Thu
    expect(busdayCount('2023-01-06', '2023-01-09')).toBe(1); // Fri
    expect(busdayCount('2023-01-02', '2023-01-16')).toBe(10);
    expect(busdayCount('2023-01-03', '2023-01-03')).toBe(0);
    expect(busdayCount('2023-08-20', '2023-08-18')).toBe(-1); // Sunday back to Friday: expired
    expect(busdayCount('2022-02-05', '2022-02-07')).toBe(0); // Saturday to Monday: T = 0, contributes nothing
  });
});

describe('real SPX chains', () => {
  // An independent implementation of the same method (S. Perfiliev's) got:
  //   2022-02-05: zero gamma near 4598, call wall 4600, put wall 4500
  //   2023-08-20: zero gamma near 4509, call wall 4500, put wall 4400
  it('2022-02-05: zero gamma 4598.06, call wall 4600, put wall 4500', async () => {
    const g = gammaLevels(await readChain(resolve(SHARED_DATA, 'options/spx_quotedata_2022-02-05.csv')));
    expect(g).toMatchObject({ spot: 4500.5298, date: '2022-02-05', callWall: 4600, putWall: 4500 });
    expect(g.zeroGamma!).toBeCloseTo(4598.06, 1);
    expect(g.netGex / 1e9).toBeCloseTo(-19.156, 2); // USD bn per 1% move
  });

  it('2023-08-20: zero gamma 4508.93, call wall 4500, put wall 4400', async () => {
    const g = gammaLevels(await readChain(resolve(SHARED_DATA, 'options/spx_quotedata_2023-08-20.csv')));
    expect(g).toMatchObject({ spot: 4369.71, date: '2023-08-20', callWall: 4500, putWall: 4400 });
    expect(g.zeroGamma!).toBeCloseTo(4508.93, 1);
    expect(g.netGex / 1e9).toBeCloseTo(-42.022, 2);
    // the grid straddles the flip: negative below it, positive above
    const below = g.profile.filter((p) => p.spot < g.zeroGamma!);
    expect(below[below.length - 1]!.gex).toBeLessThan(0);
    expect(g.profile[below.length]!.gex).toBeGreaterThan(0);
  });
});
