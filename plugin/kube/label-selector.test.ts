import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/part-of': 'shop' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app in (web,api)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['!tier', false],
    ['!canary', true],
    ['app=web,tier=back', false],
    ['app=web, tier in (front, back)', true],
    ['app.kubernetes.io/part-of=shop', true],
    ['', true],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['app=web=x', 'a b', 'app in (we b)'])('rejects %j with the selector in the message', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(/invalid label selector/);
  });
});
