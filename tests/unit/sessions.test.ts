/**
 * The session calendar and zone conversions (section 6, "Sessions"),
 * including both 2023 US DST changes.
 */
import { describe, expect, it } from 'vitest';
import { SessionCalendar } from '../../engine/time/sessions';
import { Zone } from '../../engine/time/zone';

const ET = new Zone('America/New_York');
const et = (y: number, m: number, d: number, h: number, mi = 0): number => ET.toUtcMs({ year: y, month: m, day: d, hour: h, minute: mi, second: 0, ms: 0 });

describe('Zone', () => {
  it('reads ET wall time in summer (EDT, -4 h) and winter (EST, -5 h)', () => {
    expect(new Date(et(2023, 9, 24, 18)).toISOString()).toBe('2023-09-24T22:00:00.000Z');
    expect(new Date(et(2023, 12, 4, 9, 30)).toISOString()).toBe('2023-12-04T14:30:00.000Z');
  });

  it('maps an ambiguous fall-back wall time to its first (EDT) occurrence', () => {
    // 2023-11-05 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST)
    expect(new Date(et(2023, 11, 5, 1, 30)).toISOString()).toBe('2023-11-05T05:30:00.000Z');
  });

  it('reads a spring-forward gap time with the offset before the jump', () => {
    // 2024-03-10 02:30 does not exist; read as EST: 07:30Z, which is 03:30 EDT
    expect(new Date(et(2024, 3, 10, 2, 30)).toISOString()).toBe('2024-03-10T07:30:00.000Z');
  });

  it('formats ISO 8601 with the offset in force', () => {
    expect(ET.formatIso(Date.UTC(2023, 8, 24, 22))).toBe('2023-09-24T18:00:00-04:00');
    expect(ET.formatIso(Date.UTC(2023, 11, 4, 14, 30))).toBe('2023-12-04T09:30:00-05:00');
  });
});

describe('Zone offsets, shared and a day at a time', () => {
  it('gives every hour of three years the offset Intl gives it, around every change, in New York and Chicago, in any order asked', () => {
    // The reference: the offset from Intl's own wall-clock reading of each hour, computed here, independently of the cache.
    const reference = (zone: string, ms: number): number => {
      const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
      return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - ms;
    };
    const start = Date.UTC(2021, 0, 1);
    const hours = 3 * 366 * 24;
    for (const name of ['America/New_York', 'America/Chicago']) {
      const forward = new Zone(name);
      // Hours asked backwards from a second instance (a shared cache filled from the other end) and forwards.
      const backward = new Zone(name);
      for (let h = hours; h >= 0; h -= 7) expect(backward.offsetAt(start + h * 3_600_000 + 1_800_000)).toBe(reference(name, start + h * 3_600_000));
      for (let h = 0; h <= hours; h++) {
        const ms = start + h * 3_600_000;
        if (forward.offsetAt(ms) !== reference(name, ms)) throw new Error(`${name} ${new Date(ms).toISOString()}: ${forward.offsetAt(ms)} != ${reference(name, ms)}`);
      }
    }
  });
});

describe('SessionCalendar, Globex', () => {
  const cal = new SessionCalendar('globex');

  it("puts the Sunday 18:00 ET open in Monday's session", () => {
    const s = cal.sessionAt(et(2023, 9, 24, 18));
    expect(s).toEqual({ id: '2023-09-25', kind: 'globex', openTs: et(2023, 9, 24, 18), closeTs: et(2023, 9, 25, 17) });
  });

  it('runs 18:00 to 17:00 the next day', () => {
    expect(cal.sessionAt(et(2023, 9, 25, 16, 59))?.id).toBe('2023-09-25');
    expect(cal.sessionAt(et(2023, 9, 25, 17))).toBeNull(); // the daily halt
    expect(cal.sessionAt(et(2023, 9, 25, 17, 59))).toBeNull();
    expect(cal.sessionAt(et(2023, 9, 25, 18))?.id).toBe('2023-09-26');
  });

  it('has no session on Saturday or before the Sunday open', () => {
    expect(cal.sessionAt(et(2023, 9, 30, 12))).toBeNull();
    expect(cal.sessionAt(et(2023, 10, 1, 17, 59))).toBeNull();
    expect(cal.sessionAt(et(2023, 9, 29, 18))).toBeNull(); // Friday after the close
  });

  it('keeps the session 23 hours long across the fall-back change', () => {
    // Monday 2023-11-06's session opens Sunday 11-05 18:00 EST, after the 02:00 change
    const s = cal.sessionAt(et(2023, 11, 5, 20));
    expect(s?.id).toBe('2023-11-06');
    expect(((s?.closeTs ?? 0) - (s?.openTs ?? 0)) / 3_600_000).toBe(23);
    expect(new Date(s?.openTs ?? 0).toISOString()).toBe('2023-11-05T23:00:00.000Z');
  });

  it('spans the spring-forward change inside a session (22 hours of clock time)', () => {
    // 2024-03-11's session opens Sunday 03-10 18:00 EDT (after the 02:00 jump): 23 h.
    // 2024-03-08 Friday's opens Thursday 18:00 EST and closes Friday 17:00 EST: 23 h.
    const s = cal.sessionAt(et(2024, 3, 10, 19));
    expect(s?.id).toBe('2024-03-11');
    expect(new Date(s?.openTs ?? 0).toISOString()).toBe('2024-03-10T22:00:00.000Z');
  });
});

describe('SessionCalendar, RTH', () => {
  const cal = new SessionCalendar('rth');

  it('runs 09:30 to 16:00 ET', () => {
    expect(cal.sessionAt(et(2023, 9, 25, 9, 29))).toBeNull();
    expect(cal.sessionAt(et(2023, 9, 25, 9, 30))).toEqual({ id: '2023-09-25', kind: 'rth', openTs: et(2023, 9, 25, 9, 30), closeTs: et(2023, 9, 25, 16) });
    expect(cal.sessionAt(et(2023, 9, 25, 15, 59))?.id).toBe('2023-09-25');
    expect(cal.sessionAt(et(2023, 9, 25, 16))).toBeNull();
  });
});
