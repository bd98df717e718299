/**
 * VWAP and the volume profile (battle-navale.md section 6) against
 * hand-computed cases, and properties over random sessions (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VolumeProfile } from '../../engine/indicators/profile';
import { SessionVwap } from '../../engine/indicators/vwap';

const T = 0.25; // ES tick

function profileOf(rows: [number, number][]): VolumeProfile {
  const p = new VolumeProfile(T);
  for (const [price, v] of rows) p.addTrade(price, v);
  return p;
}

describe('SessionVwap', () => {
  it('weights trade prices by volume, with sigma from the second moment', () => {
    // trades (100 x 10), (102 x 30), (101 x 60): sum v = 100
    // sum pv = 1000 + 3060 + 6060 = 10120 -> VWAP 101.2
    // sum p2v = 100000 + 312120 + 612060 = 1024180 -> /100 = 10241.8
    // sigma^2 = 10241.8 - 101.2^2 = 10241.8 - 10241.44 = 0.36 -> sigma 0.6
    const v = new SessionVwap();
    v.add(100, 10);
    v.add(102, 30);
    v.add(101, 60);
    expect(v.vwap).toBeCloseTo(101.2, 10);
    expect(v.sigma).toBeCloseTo(0.6, 10);
    expect(v.volume).toBe(100);
  });

  it('uses the typical price (H + L + C) / 3 for bars', () => {
    // bar H 103, L 100, C 102, V 300 -> p = 305 / 3; bar H 101, L 100, C 100.5, V 100 -> p = 301.5 / 3 = 100.5
    // VWAP = (300 * 101.666.. + 100 * 100.5) / 400 = (30500 + 10050) / 400 = 101.375
    const v = new SessionVwap();
    v.addBar(103, 100, 102, 300);
    v.addBar(101, 100, 100.5, 100);
    expect(v.vwap).toBeCloseTo(101.375, 10);
    // sigma^2 = (300 * (305/3)^2 + 100 * 100.5^2) / 400 - 101.375^2 = 0.2552083.. -> 0.50518..
    expect(v.sigma).toBeCloseTo(Math.sqrt((300 * (305 / 3) ** 2 + 100 * 100.5 ** 2) / 400 - 101.375 ** 2), 8);
  });

  it('is undefined before any volume and ignores zero-volume prints', () => {
    const v = new SessionVwap();
    expect(v.vwap).toBeNaN();
    v.add(4500, 0);
    expect(v.vwap).toBeNaN();
    v.add(4500, 5);
    expect(v.vwap).toBe(4500);
    expect(v.sigma).toBe(0);
  });
});

describe('VolumeProfile: POC', () => {
  it('is the row of most volume', () => {
    expect(profileOf([[100, 5], [100.25, 9], [100.5, 7]]).poc()).toBe(100.25);
  });

  it('breaks a tie toward the middle of the session range', () => {
    // range 100.00..101.25, middle 100.625: 100.75 is 0.125 away, 100.00 is 0.625 away
    const p = profileOf([[100, 30], [100.25, 5], [100.5, 5], [100.75, 30], [101, 5], [101.25, 5]]);
    expect(p.poc()).toBe(100.75);
  });

  it('breaks an equidistant tie toward the lower price', () => {
    // range 100.00..101.00, middle 100.50: 100.25 and 100.75 both 0.25 away -> lower
    const p = profileOf([[100, 10], [100.25, 30], [100.5, 5], [100.75, 30], [101, 10]]);
    expect(p.poc()).toBe(100.25);
  });

  it('re-decides a tie when the range widens', () => {
    // tie 100.25 / 100.75 in range 100..101 -> 100.25; a print at 102 moves the middle to 101 -> 100.75
    const p = profileOf([[100, 10], [100.25, 30], [100.5, 5], [100.75, 30], [101, 10]]);
    p.addTrade(102, 1);
    expect(p.poc()).toBe(100.75);
  });

  it('spreads a bar evenly over its rows, low to high inclusive', () => {
    // 100 over 100.00..100.75 = 4 rows of 25; then 10 at 100.50 -> POC 100.50 (35)
    const p = new VolumeProfile(T);
    p.addBar(100, 100.75, 100);
    expect([100, 100.25, 100.5, 100.75].map((x) => p.volumeAt(x))).toEqual([25, 25, 25, 25]);
    p.addBar(100.5, 100.5, 10);
    expect(p.poc()).toBe(100.5);
    expect(p.volume).toBe(110);
  });
});

describe('VolumeProfile: value area by the two-row rule', () => {
  it('adds the heavier pair', () => {
    // total 100, target 70; start POC 100.75 (40)
    // up pair 101.00 + 101.25 = 20, down pair 100.50 + 100.25 = 30 -> down: area 70 -> stop
    const va = profileOf([[100, 5], [100.25, 10], [100.5, 20], [100.75, 40], [101, 15], [101.25, 5], [101.5, 5]]).valueArea();
    expect(va).toEqual({ poc: 100.75, vah: 100.75, val: 100.25, volume: 70 });
  });

  it('adds both pairs on a tie', () => {
    // total 80, target 56; POC 100.25 (30); up 100.50 + 100.75 = 20, down 100.00 + 99.75 = 20 -> both: 70
    const va = profileOf([[99.5, 5], [99.75, 10], [100, 10], [100.25, 30], [100.5, 10], [100.75, 10], [101, 5]]).valueArea();
    expect(va).toEqual({ poc: 100.25, vah: 100.75, val: 99.75, volume: 70 });
  });

  it("adds the other side's pair when one side has no rows left", () => {
    // POC is the top row (100.75, 40): up has nothing; down 100.50 + 100.25 = 50 -> 90
    const va = profileOf([[100, 10], [100.25, 20], [100.5, 30], [100.75, 40]]).valueArea();
    expect(va).toEqual({ poc: 100.75, vah: 100.75, val: 100.25, volume: 90 });
  });

  it('counts a missing row as 0 in a pair at the edge', () => {
    // POC 100.50 (40); up pair 100.75 + (101.00 missing = 0) = 35; down 100.25 + 100.00 = 25 -> up: 75
    const va = profileOf([[100, 10], [100.25, 15], [100.5, 40], [100.75, 35]]).valueArea();
    expect(va).toEqual({ poc: 100.5, vah: 100.75, val: 100.5, volume: 75 });
  });

  it('counts empty rows inside the range as rows of 0 volume', () => {
    // rows 100.00: 30, 100.25: 0 (gap), 100.50: 40; total 70, target 49
    // up: nothing left; down pair 100.25 + 100.00 = 30 -> area 70, VAL 100.00
    const va = profileOf([[100, 30], [100.5, 40]]).valueArea();
    expect(va).toEqual({ poc: 100.5, vah: 100.5, val: 100, volume: 70 });
  });

  it('is null for an empty profile', () => {
    expect(new VolumeProfile(T).valueArea()).toBeNull();
  });
});

/** A random session: prints on the ES grid within 80 ticks of 4500. */
const printsArb = fc.array(fc.tuple(fc.integer({ min: -40, max: 40 }), fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 300 });
const barsArb = fc.array(
  fc.tuple(fc.integer({ min: -40, max: 40 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 5000 })),
  { minLength: 1, maxLength: 200 },
);

/** The POC by brute force over all rows, the spec's tie rules written directly. */
function bruteForcePoc(rows: Map<number, number>): number {
  const ticks = [...rows.keys()];
  const lo = Math.min(...ticks);
  const hi = Math.max(...ticks);
  const max = Math.max(...rows.values());
  const mid = (lo + hi) / 2;
  const tied = ticks.filter((t) => Math.abs((rows.get(t) as number) - max) <= 1e-9 * max);
  tied.sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
  return (tied[0] as number) * T;
}

describe('VolumeProfile and VWAP properties', () => {
  it('VAL <= POC <= VAH and the value area holds >= 70% of the volume (trades)', () => {
    fc.assert(
      fc.property(printsArb, (prints) => {
        const p = new VolumeProfile(T);
        for (const [t, v] of prints) p.addTrade(4500 + t * T, v);
        const va = p.valueArea();
        expect(va).not.toBeNull();
        if (va === null) return;
        expect(va.val).toBeLessThanOrEqual(va.poc);
        expect(va.poc).toBeLessThanOrEqual(va.vah);
        expect(va.volume).toBeGreaterThanOrEqual(0.7 * p.volume - 1e-6);
        let inside = 0;
        for (let x = va.val; x <= va.vah + 1e-9; x += T) inside += p.volumeAt(x);
        expect(inside).toBeCloseTo(va.volume, 6);
      }),
    );
  });

  it('the incremental POC equals a brute-force POC (bars spread over rows)', () => {
    fc.assert(
      fc.property(barsArb, (bars) => {
        const p = new VolumeProfile(T);
        const rows = new Map<number, number>();
        for (const [lowT, span, v] of bars) {
          p.addBar(4500 + lowT * T, 4500 + (lowT + span) * T, v);
          for (let t = lowT; t <= lowT + span; t++) rows.set(18000 + t, (rows.get(18000 + t) ?? 0) + v / (span + 1));
        }
        expect(p.poc()).toBe(bruteForcePoc(rows));
        const va = p.valueArea();
        expect(va?.volume ?? 0).toBeGreaterThanOrEqual(0.7 * p.volume - 1e-6);
      }),
    );
  });

  it('VWAP lies between the session low and high, and +-k sigma bands are ordered', () => {
    fc.assert(
      fc.property(barsArb, (bars) => {
        const v = new SessionVwap();
        let lo = Infinity;
        let hi = -Infinity;
        for (const [lowT, span, vol] of bars) {
          const low = 4500 + lowT * T;
          const high = low + span * T;
          v.addBar(high, low, low + Math.floor(span / 2) * T, vol);
          lo = Math.min(lo, low);
          hi = Math.max(hi, high);
        }
        expect(v.vwap).toBeGreaterThanOrEqual(lo - 1e-9);
        expect(v.vwap).toBeLessThanOrEqual(hi + 1e-9);
        expect(v.sigma).toBeGreaterThanOrEqual(0);
        expect(v.sigma).toBeLessThanOrEqual(hi - lo + 1e-9);
      }),
    );
  });
});
