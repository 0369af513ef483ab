import { describe, expect, it } from 'vitest';
import { decisionLabels, referenceHost, registryCodeLabel } from './metric-labels.js';
import { MAX_DYNAMIC_REGISTRY_LABELS, RegistryHostLabels } from './registry-host-labels.js';

describe('decisionLabels', () => {
  const cases: [string, string | undefined, ReturnType<typeof decisionLabels>][] = [
    ['injected', 'mutate', { decision: 'injected', reason: 'none', mode: 'mutate' }],
    ['kept', 'mutate', { decision: 'kept', reason: 'none', mode: 'mutate' }],
    ['ok', 'mutate', { decision: 'allowed', reason: 'none', mode: 'mutate' }],
    ['node-unknown', 'mutate', { decision: 'allowed', reason: 'node-unknown', mode: 'mutate' }],
    ['unresolved', 'mutate', { decision: 'unresolved', reason: 'none', mode: 'mutate' }],
    ['gated', 'mutate', { decision: 'gated', reason: 'none', mode: 'mutate' }],
    ['denied:arch-conflict', 'mutate', { decision: 'denied', reason: 'arch-conflict', mode: 'mutate' }],
    ['warn:denied:no-common-arch', 'warn', { decision: 'denied', reason: 'no-common-arch', mode: 'warn' }],
    ['audit:injected', 'audit', { decision: 'injected', reason: 'none', mode: 'audit' }],
    ['skipped:opted-out', 'warn', { decision: 'skipped', reason: 'opted-out', mode: 'warn' }],
    ['skipped:owned-by-deployment', 'mutate', { decision: 'skipped', reason: 'owned-by-deployment', mode: 'mutate' }],
    ['skipped:mode-off', 'mutate', { decision: 'skipped', reason: 'mode-off', mode: 'off' }],
    ['ignored', 'mutate', { decision: 'ignored', reason: 'none', mode: 'none' }],
    ['ignored:malformed', undefined, { decision: 'ignored', reason: 'malformed', mode: 'none' }],
    ['error', undefined, { decision: 'error', reason: 'none', mode: 'none' }],
    ['bad-request', 'mutate', { decision: 'bad-request', reason: 'none', mode: 'none' }],
    // Anything not in the closed sets is `other`, never the text itself.
    ['denied:x'.repeat(100), 'mutate', { decision: 'denied', reason: 'other', mode: 'mutate' }],
    ['skipped:a"b\nc', 'sideways', { decision: 'skipped', reason: 'other', mode: 'none' }],
    ['something-new', 'mutate', { decision: 'other', reason: 'none', mode: 'mutate' }],
  ];
  it.each(cases)('%s (mode %s)', (decision, mode, want) => {
    expect(decisionLabels(decision, mode)).toEqual(want);
  });
});

describe('registryCodeLabel', () => {
  it.each([
    ['200', '200'],
    ['429', '429'],
    ['418', '4xx'],
    ['599', '5xx'],
    ['TIMEOUT', 'TIMEOUT'],
    ['RATE_LIMITED', 'RATE_LIMITED'],
    ['ECONNRESET', 'other'],
    ['9999', 'other'],
  ])('%s → %s', (code, want) => {
    expect(registryCodeLabel(code)).toBe(want);
  });
});

describe('registry host labels', () => {
  it('names configured and well-known hosts, admits answering hosts up to the cap, then says other', () => {
    const labels = new RegistryHostLabels(['Mirror.Internal:5000']);
    expect(labels.forRequest('mirror.internal:5000', false)).toBe('mirror.internal:5000');
    expect(labels.forImage('ghcr.io')).toBe('ghcr.io');
    expect(labels.forRequest('nowhere.example', false)).toBe('other');
    expect(labels.forImage('nowhere.example')).toBe('other');
    for (let i = 0; i < MAX_DYNAMIC_REGISTRY_LABELS; i++) expect(labels.forRequest(`r${i}.example`, true)).toBe(`r${i}.example`);
    expect(labels.forRequest('one-too-many.example', true)).toBe('other');
    expect(labels.forImage('r0.example')).toBe('r0.example');
  });

  it('takes the host of a canonical reference', () => {
    expect(referenceHost('docker.io/library/nginx:1.27')).toBe('docker.io');
    expect(referenceHost('not a reference')).toBe('');
  });
});
