import { describe, expect, it } from 'vitest';
import { median, theilSen } from '../../../../agent/trend/theil-sen.js';

/** A deterministic pseudo-random sequence in [-1, 1): tests must repeat exactly. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

const line = (n: number, slope: number, intercept: number) =>
  Array.from({ length: n }, (_, x) => ({ x, y: intercept + slope * x }));

describe('theilSen', () => {
  it('recovers an exact line', () => {
    const fit = theilSen(line(10, -0.25, 3));
    expect(fit?.slope).toBeCloseTo(-0.25, 12);
    expect(fit?.intercept).toBeCloseTo(3, 12);
  });

  it('is not moved by one wild point, where the mean slope is', () => {
    const pts = line(24, 0, -12.5);
    pts[23] = { x: 23, y: -40 };
    const fit = theilSen(pts);
    expect(fit?.slope).toBe(0);
    expect(fit?.intercept).toBe(-12.5);
    // Least squares over the same points, to show the point would have mattered.
    const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
    const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
    const ls =
      pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
    expect(ls).toBeLessThan(-0.1);
  });

  it('tolerates a quarter of the points being garbage', () => {
    const pts = line(40, 0.5, 1);
    for (let i = 0; i < 10; i++) pts[i * 4] = { x: i * 4, y: 1_000 * (i % 2 === 0 ? 1 : -1) };
    expect(theilSen(pts)?.slope).toBeCloseTo(0.5, 9);
  });

  it('is equivariant: shifting y, scaling y and reordering points move the fit as they should', () => {
    const r = noise(7);
    const pts = Array.from({ length: 30 }, (_, x) => ({ x, y: -0.1 * x + 0.3 * r() }));
    const base = theilSen(pts)!;
    const shifted = theilSen(pts.map((p) => ({ x: p.x, y: p.y + 5 })))!;
    expect(shifted.slope).toBeCloseTo(base.slope, 12);
    expect(shifted.intercept).toBeCloseTo(base.intercept + 5, 12);
    const scaled = theilSen(pts.map((p) => ({ x: p.x, y: p.y * -2 })))!;
    expect(scaled.slope).toBeCloseTo(base.slope * -2, 12);
    const reversed = theilSen([...pts].reverse())!;
    expect(reversed.slope).toBeCloseTo(base.slope, 12);
  });

  it('has no slope without two distinct x, and ignores non-finite points', () => {
    expect(theilSen([])).toBeNull();
    expect(theilSen([{ x: 1, y: 2 }])).toBeNull();
    expect(
      theilSen([
        { x: 1, y: 2 },
        { x: 1, y: 3 },
      ]),
    ).toBeNull();
    const fit = theilSen([
      { x: 0, y: 0 },
      { x: 1, y: Number.NaN },
      { x: 2, y: 2 },
    ]);
    expect(fit?.slope).toBe(1);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
