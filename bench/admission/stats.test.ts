import { describe, expect, it } from 'vitest';
import { powerLawExponent, quantile } from './stats.js';

describe('quantile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100…1, unsorted on purpose
  it.each([
    { values: hundred, q: 0.5, want: 50 },
    { values: hundred, q: 0.99, want: 99 },
    { values: hundred, q: 1, want: 100 },
    { values: hundred, q: 0, want: 1 },
    { values: [7], q: 0.99, want: 7 },
    { values: [3, 1, 2], q: 0.5, want: 2 },
  ])('q=$q of $values.length values → $want', ({ values, q, want }) => {
    expect(quantile(values, q)).toBe(want);
  });
  it('is NaN for no values', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('powerLawExponent', () => {
  const xs = [500, 5_000, 20_000];
  it.each([
    { name: 'linear', f: (x: number) => 0.002 * x, want: 1 },
    { name: 'quadratic', f: (x: number) => 1e-6 * x * x, want: 2 },
    { name: 'constant', f: () => 3, want: 0 },
    { name: 'square root', f: (x: number) => Math.sqrt(x), want: 0.5 },
  ])('$name → $want', ({ f, want }) => {
    expect(powerLawExponent(xs.map((x) => ({ x, y: f(x) })))).toBeCloseTo(want, 9);
  });
  it('a fixed start-up cost pulls the exponent below 1', () => {
    expect(powerLawExponent(xs.map((x) => ({ x, y: 2 + 0.001 * x })))).toBeLessThan(0.9);
  });
  it('is NaN without two distinct sizes', () => {
    expect(powerLawExponent([{ x: 10, y: 1 }])).toBeNaN();
    expect(powerLawExponent([{ x: 10, y: 1 }, { x: 10, y: 2 }])).toBeNaN();
  });
});
