/**
 * The fast field reader (engine/feeds/fields.ts) against what it must equal:
 * JavaScript's own Number() for decimals, String.split and trim for the
 * fields, and the numbers in the text for dates and times, over random
 * input (fast-check); and it never accepts what the plain reader refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFields, type WallFields } from '../../engine/feeds/fields';
import { parseDecimal } from '../../engine/feeds/validate';

const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
const wall = (): WallFields => ({ year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0 });

describe('LineFields', () => {
  it('reads a plain decimal exactly as Number() does (m / 10^k is the same double)', () => {
    const f = new LineFields();
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), digits(0, 9), fc.option(digits(0, 9)), (sign, int, frac) => {
        const text = `${sign}${int}${frac === null ? '' : `.${frac}`}`;
        f.read(text);
        const v = f.decimal(0);
        const plain = parseDecimal(text);
        if (Number.isNaN(plain)) expect(v).toBeNaN();
        // Up to 15 digits it always takes the number; beyond, it may leave it to parseDecimal.
        else if (int.length + (frac?.length ?? 0) <= 15 || !Number.isNaN(v)) expect(Object.is(v, plain)).toBe(true);
      }),
      { numRuns: 5000 },
    );
    // Prices and volumes of the real files, and the edges.
    for (const [text, value] of [
      ['2078.75', 2078.75],
      ['4363.59', 4363.59],
      ['0.1', 0.1],
      ['-0', -0],
      ['5.', 5],
      ['.5', 0.5],
      ['123456789012345', 123456789012345],
    ] as const) {
      f.read(text);
      expect(Object.is(f.decimal(0), value)).toBe(true);
    }
    // Left to parseDecimal: an exponent, 16 significant digits, no digit, two dots.
    for (const text of ['1e3', '1234567890123456', '.', '-', '1.2.3', '0x10', 'Infinity']) {
      f.read(text);
      expect(f.decimal(0)).toBeNaN();
    }
  });

  it('never takes what parseDecimal refuses, and takes nothing for a value other than its', () => {
    const f = new LineFields();
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('0', '1', '9', '.', '-', '+', 'e', 'x', ' ', '5') , maxLength: 12 }), (text) => {
        if (text.includes(',') || !f.read(text)) return;
        const v = f.decimal(0);
        if (!Number.isNaN(v)) expect(Object.is(v, parseDecimal(text))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('splits at commas and trims as split and trim do; leaves other whitespace and non-ASCII to the plain reader', () => {
    const f = new LineFields();
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '1', ' ', '\t', '.', '/', ':'), maxLength: 6 }), { minLength: 1, maxLength: 12 }), (parts) => {
        const line = parts.join(',');
        expect(f.read(line)).toBe(true);
        expect(f.count).toBe(parts.length);
        parts.forEach((p, i) => expect(f.text(i)).toBe(p.trim()));
      }),
    );
    expect(f.read('1,\u00a02')).toBe(false);
    expect(f.read('1,2\u0000')).toBe(false);
    expect(f.read(Array(65).fill('1').join(','))).toBe(false);
  });

  it("reads Sierra Chart's date and time and ISO timestamps; any other shape is left to the plain reader", () => {
    const f = new LineFields();
    const w = wall();
    f.read('2014/12/23, 18:05:00, 2079.00');
    expect(f.sierraDateTime(0, 1, w)).toBe(true);
    expect(w).toEqual({ year: 2014, month: 12, day: 23, hour: 18, minute: 5, second: 0, ms: 0 });
    f.read('2015/1/2, 09:30:15');
    expect(f.sierraDateTime(0, 1, w)).toBe(true);
    expect(w).toMatchObject({ year: 2015, month: 1, day: 2, hour: 9, minute: 30, second: 15 });
    f.read('2015/01/02,09:30:15');
    expect(f.sierraDateTime(0, 1, w)).toBe(true);
    expect(w).toMatchObject({ month: 1, day: 2 });
    f.read('2023-09-24 18:00:00');
    expect(f.isoDateTime(0, w)).toBe(true);
    expect(w).toEqual({ year: 2023, month: 9, day: 24, hour: 18, minute: 0, second: 0, ms: 0 });
    f.read('2026-02-05T18:01:00.250');
    expect(f.isoDateTime(0, w)).toBe(true);
    expect(w).toMatchObject({ hour: 18, minute: 1, second: 0, ms: 250 });
    for (const [line, sierra] of [
      ['2014/12/23, 9:05:00', true],
      ['2014/123/23, 18:05:00', true],
      ['2014/12/233, 18:05:00', true],
      ['2014-12-23, 18:05:00', true],
      ['2014/12/23, 18:05', true],
      ['2014/12/23, 18:05:00.5', true],
      ['2023-09-24 18:00:00Z', false],
      ['2023-09-24 18:00', false],
      ['2023-9-24 18:00:00', false],
      ['2023-09-24 18:00:00.5', false],
      ['1695592800', false],
    ] as const) {
      f.read(line);
      expect(sierra ? f.sierraDateTime(0, 1, w) : f.isoDateTime(0, w), line).toBe(false);
    }
  });
});
