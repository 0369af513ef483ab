import { describe, expect, it } from 'vitest';
import { leaseStep, type LeaseRecord } from './lease-election.js';

const record = (holder: string | undefined, durationSeconds = 15): LeaseRecord => ({ holder, renewTime: '2026-01-01T00:00:00.000000Z', durationSeconds });

describe('leaseStep (who may act)', () => {
  it.each<[string, LeaseRecord, number, number, string]>([
    ['our own lease: renew', record('me'), 0, 60_000, 'renew'],
    ['a free lease (holder released it): take', record(undefined), 0, 0, 'take'],
    ['held by another, renewed within its duration on our clock: follow', record('other'), 1_000, 15_000, 'follow'],
    ['held by another, unchanged for longer than its duration: take', record('other'), 1_000, 16_001, 'take'],
    ['a short lease handed back (duration 1s): taken after a second', record('other', 1), 0, 1_001, 'take'],
  ])('%s', (_name, r, observedAt, now, step) => {
    expect(leaseStep(r, 'me', observedAt, now)).toBe(step);
  });
});
