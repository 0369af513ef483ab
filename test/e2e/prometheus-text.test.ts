import { describe, expect, it } from 'vitest';
import { histogramQuantile, sampleValues } from './prometheus-text.js';

const bucketsText = (counts: Record<string, number>, labels = 'webhook="/mutate"'): string =>
  Object.entries(counts)
    .map(([le, n]) => `controller_runtime_webhook_latency_seconds_bucket{${labels},le="${le}"} ${n}`)
    .join('\n');

describe('sampleValues', () => {
  const text = ['# TYPE x counter', 'x{webhook="/mutate",code="200"} 5', 'x{webhook="/mutate",code="500"} 1', 'x{webhook="/validate",code="200"} 2', 'xy 9', 'y 3'].join('\n');
  it.each<{ name: string; match: Record<string, string>; values: number[] }>([
    { name: 'x', match: {}, values: [5, 1, 2] },
    { name: 'x', match: { webhook: '/mutate' }, values: [5, 1] },
    { name: 'x', match: { webhook: '/mutate', code: '500' }, values: [1] },
    { name: 'y', match: {}, values: [3] },
    { name: 'z', match: {}, values: [] },
  ])('$name $match', ({ name, match, values }) => {
    expect(sampleValues(text, name, match).map((s) => s.value)).toEqual(values);
  });
});

describe('histogramQuantile (PromQL histogram_quantile interpolation)', () => {
  const h = bucketsText({ '0.01': 50, '0.1': 90, '1': 100, '+Inf': 100 });
  it.each([
    { q: 0.5, want: 0.01 },
    { q: 0.25, want: 0.005 },
    { q: 0.7, want: 0.055 },
    { q: 0.99, want: 0.91 },
  ])('q=$q', ({ q, want }) => expect(histogramQuantile(h, 'controller_runtime_webhook_latency_seconds', { webhook: '/mutate' }, q)).toBeCloseTo(want, 6));

  it('sums series and subtracts a baseline scrape', () => {
    const two = `${bucketsText({ '0.01': 10, '1': 10, '+Inf': 10 })}\n${bucketsText({ '0.01': 0, '1': 10, '+Inf': 10 }, 'webhook="/mutate",x="b"')}`;
    expect(histogramQuantile(two, 'controller_runtime_webhook_latency_seconds', { webhook: '/mutate' }, 0.5)).toBeCloseTo(0.01, 6);
    const baseline = bucketsText({ '0.01': 10, '1': 10, '+Inf': 10 });
    expect(histogramQuantile(two, 'controller_runtime_webhook_latency_seconds', { webhook: '/mutate' }, 0.5, baseline)).toBeCloseTo(0.505, 6);
  });

  it('NaN when empty; the largest finite bound for the +Inf bucket', () => {
    expect(histogramQuantile('', 'controller_runtime_webhook_latency_seconds', {}, 0.99)).toBeNaN();
    expect(histogramQuantile(bucketsText({ '1': 1, '+Inf': 10 }), 'controller_runtime_webhook_latency_seconds', {}, 0.99)).toBe(1);
  });
});
