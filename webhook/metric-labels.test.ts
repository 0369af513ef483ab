import { describe, expect, it } from 'vitest';
import { admissionLabels, referenceHost, registryCodeLabel } from './metric-labels.js';
import type { DecisionParts } from './policy/verdict.js';
import { MAX_DYNAMIC_REGISTRY_LABELS, RegistryHostLabels } from './registry-host-labels.js';

describe('admissionLabels', () => {
  const cases: [DecisionParts, string | undefined, ReturnType<typeof admissionLabels>][] = [
    [{ decision: 'injected', reason: 'none' }, 'mutate', { decision: 'injected', reason: 'none', mode: 'mutate' }],
    [{ decision: 'allowed', reason: 'node-unknown' }, 'mutate', { decision: 'allowed', reason: 'node-unknown', mode: 'mutate' }],
    [{ decision: 'denied', reason: 'no-common-arch' }, 'warn', { decision: 'denied', reason: 'no-common-arch', mode: 'warn' }],
    [{ decision: 'injected', reason: 'none' }, 'audit', { decision: 'injected', reason: 'none', mode: 'audit' }],
    [{ decision: 'skipped', reason: 'opted-out' }, 'warn', { decision: 'skipped', reason: 'opted-out', mode: 'warn' }],
    [{ decision: 'skipped', reason: 'mode-off' }, 'mutate', { decision: 'skipped', reason: 'mode-off', mode: 'off' }],
    [{ decision: 'ignored', reason: 'malformed' }, 'mutate', { decision: 'ignored', reason: 'malformed', mode: 'none' }],
    [{ decision: 'error', reason: 'none' }, undefined, { decision: 'error', reason: 'none', mode: 'none' }],
    [{ decision: 'bad-request', reason: 'none' }, 'mutate', { decision: 'bad-request', reason: 'none', mode: 'none' }],
    // A mode outside the closed set is `none`, never the text itself.
    [{ decision: 'skipped', reason: 'opted-out' }, 'sideways', { decision: 'skipped', reason: 'opted-out', mode: 'none' }],
  ];
  it.each(cases)('%j (mode %s)', (parts, mode, want) => {
    expect(admissionLabels(parts, mode)).toEqual(want);
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
