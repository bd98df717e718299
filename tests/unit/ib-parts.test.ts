/**
 * Pure parts of the IB adapter: TWS's execution times, and which SPX options
 * a chain pass asks for.
 */
import { describe, expect, it } from 'vitest';
import { selectOptions } from '../../engine/live/ib/chain.js';
import { parseIbTime } from '../../engine/live/ib/client.js';

describe('parseIbTime', () => {
  it('reads "yyyymmdd-hh:mm:ss" as UTC and "yyyymmdd hh:mm:ss zone" in that zone (New York when none)', () => {
    expect(parseIbTime('20231127-15:20:45', 0)).toBe(Date.UTC(2023, 10, 27, 15, 20, 45));
    expect(parseIbTime('20231127 10:20:45 US/Eastern', 0)).toBe(Date.UTC(2023, 10, 27, 15, 20, 45)); // EST, UTC-5
    expect(parseIbTime('20230925 10:20:45 US/Central', 0)).toBe(Date.UTC(2023, 8, 25, 15, 20, 45)); // CDT, UTC-5
    expect(parseIbTime('20230925  10:20:45', 0)).toBe(Date.UTC(2023, 8, 25, 14, 20, 45)); // EDT, UTC-4
    expect(parseIbTime('yesterday', 42)).toBe(42);
    expect(parseIbTime('20230925 10:20:45 Mars/Olympus', 42)).toBe(42);
  });
});

describe('selectOptions', () => {
  const params = [
    { exchange: 'CBOE', tradingClass: 'SPX', multiplier: 100, expirations: ['20231020'], strikes: [4000, 4300] },
    { exchange: 'SMART', tradingClass: 'SPX', multiplier: 100, expirations: ['20230915', '20231020'], strikes: [3800, 4300, 4400, 4800] },
    { exchange: 'SMART', tradingClass: 'SPXW', multiplier: 100, expirations: ['20230925', '20230926', '20231020'], strikes: [4290, 4300, 4310, 5000] },
  ];

  it('takes the nearest expirations from today across classes, strikes within the range of spot, both rights, SMART rows', () => {
    const got = selectOptions(params, 4300, '20230925', { expirations: 2, rangePct: 0.1 });
    expect(got.map((o) => `${o.tradingClass} ${o.expiry} ${o.strike}${o.right}`)).toEqual([
      'SPXW 20230925 4290C', 'SPXW 20230925 4290P', 'SPXW 20230925 4300C', 'SPXW 20230925 4300P', 'SPXW 20230925 4310C', 'SPXW 20230925 4310P',
      'SPXW 20230926 4290C', 'SPXW 20230926 4290P', 'SPXW 20230926 4300C', 'SPXW 20230926 4300P', 'SPXW 20230926 4310C', 'SPXW 20230926 4310P',
    ]);
  });

  it('a third Friday listed by both classes gives both (AM and PM settled options); 3800 and 4800 are outside +-10% of 4300', () => {
    const got = selectOptions(params, 4300, '20231001', { expirations: 1, rangePct: 0.1 });
    expect(got.filter((o) => o.right === 'C').map((o) => `${o.tradingClass} ${o.strike}`)).toEqual(['SPX 4300', 'SPX 4400', 'SPXW 4290', 'SPXW 4300', 'SPXW 4310']);
  });

  it('refuses a spot that is not a positive level', () => {
    expect(() => selectOptions(params, Number.NaN, '20230925', { expirations: 2, rangePct: 0.1 })).toThrow('spot must be a positive index level');
  });
});
