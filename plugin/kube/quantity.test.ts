import { describe, expect, it } from 'vitest';
import { cpuMillis, formatBytes, formatCores, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['16Gi', 16 * 2 ** 30],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['123Mi', 123 * 2 ** 20],
    ['1k', 1000],
    ['100u', 0.0001],
  ] as const)('%s → %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });

  it.each(['', 'abc', '1Zi', '--1'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('cpuMillis', () => {
  it.each([
    ['100m', 100],
    ['0.5', 500],
    ['1', 1000],
    ['3.9', 3900],
    ['1m', 1],
    [undefined, 0],
    ['0.0001', 1],
  ] as const)('%s → %d', (text, millis) => {
    expect(cpuMillis(text)).toBe(millis);
  });
});

describe('formatting', () => {
  it('formats bytes and cores like kubectl top', () => {
    expect(formatBytes(16 * 2 ** 30)).toBe('16Gi');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5Gi');
    expect(formatBytes(512)).toBe('512');
    expect(formatCores(3500)).toBe('3.5');
    expect(formatCores(250)).toBe('0.25');
  });
});
