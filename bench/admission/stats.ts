/** Small statistics for the benchmarks' tables: pure functions, tested in stats.test.ts. */

/** The q-quantile (0–1) of some numbers by nearest rank (p99 of 100 values is the 99th smallest); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * k in y ∝ x^k: the least-squares slope of log(y) against log(x). 1 is linear (a constant cost per item), 2
 * quadratic. Needs two distinct x at least; NaN otherwise.
 */
export function powerLawExponent(points: readonly { x: number; y: number }[]): number {
  const lx = points.map((p) => Math.log(p.x));
  const ly = points.map((p) => Math.log(p.y));
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(lx);
  const my = mean(ly);
  const varx = lx.reduce((s, x) => s + (x - mx) ** 2, 0);
  if (points.length < 2 || varx === 0) return NaN;
  return lx.reduce((s, x, i) => s + (x - mx) * (ly[i]! - my), 0) / varx;
}
