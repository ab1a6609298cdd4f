/**
 * Theil–Sen line fit: the slope is the median of the slopes of every pair of points, the
 * intercept the median of `y - slope·x`. Up to ~29 % of the points can be arbitrary (a bad
 * reading, a half-seated connector for one hour) before the fit moves, where least squares is
 * dragged by a single one. O(n²) pairs: the callers fit at most a few hundred hourly points.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Line {
  /** y per unit of x. */
  readonly slope: number;
  readonly intercept: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Null with fewer than two distinct x (no slope is defined); non-finite points are ignored. */
export function theilSen(points: readonly Point[]): Line | null {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const slopes: number[] = [];
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      const dx = pts[j]!.x - pts[i]!.x;
      if (dx !== 0) slopes.push((pts[j]!.y - pts[i]!.y) / dx);
    }
  }
  if (slopes.length === 0) return null;
  const slope = median(slopes);
  const intercept = median(pts.map((p) => p.y - slope * p.x));
  return { slope, intercept };
}

/**
 * The Mann–Kendall statistic as a normal score (no tie correction: readings are averages, ties
 * are rare and only make it more cautious): strongly negative means the values fall
 * monotonically, near zero means the order is what noise gives. The slope says how fast; this
 * says whether there is a direction at all.
 */
export function mannKendallZ(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 3) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(ys[j]! - ys[i]!);
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  if (s === 0) return 0;
  return (s - Math.sign(s)) / Math.sqrt(variance);
}

/** The spread of `y` around the line, as a standard deviation estimated from the median absolute residual. */
export function robustSigma(points: readonly Point[], line: Line): number {
  const res = points.map((p) => Math.abs(p.y - (line.intercept + line.slope * p.x)));
  return res.length === 0 ? 0 : 1.4826 * median(res);
}
