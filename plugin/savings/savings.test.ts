import { describe, expect, it } from 'vitest';
import type { AuditReport, WorkloadReport } from '../audit/report.js';
import type { ArchPrice } from './prices.js';
import { computeSavings, savingsTerm } from './savings.js';

function w(name: string, ready: boolean | null, byArch: Record<string, number> | undefined, millicores = 0): WorkloadReport {
  return {
    kind: 'Deployment',
    namespace: 'shop',
    name,
    status: 'ok',
    reason: '',
    images: [],
    sharedArchs: [],
    archConstraint: null,
    tolerations: [],
    schedulableArchs: [],
    nodes: [],
    pods: 0,
    cpuRequests: byArch ? { millicores: Object.values(byArch).reduce((a, b) => a + b, 0), byArch } : { millicores },
    target: { arch: 'arm64', ready, blockingImages: [], unresolvedImages: [] },
  };
}

function report(workloads: WorkloadReport[]): AuditReport {
  return {
    apiVersion: 'archcheck.io/v1alpha1',
    kind: 'AuditReport',
    source: 'cluster',
    clusterArchs: ['amd64', 'arm64'],
    workloads,
    summary: { workloads: workloads.length, byStatus: { ok: 0, 'at-risk': 0, broken: 0, unknown: 0 }, targetArch: 'arm64', targetReady: 0, targetReadyPercent: 0, topBlockingImages: [] },
    unresolvedImages: [],
    warnings: [],
  };
}

const price = (arch: string, perVcpuHour: number): [string, ArchPrice] => [arch, { arch, perVcpuHour, basis: 'test' }];
// Standard_D16_v3 $0.768/h and Standard_D16ps_v6 $0.562/h, 16 vCPU each: $0.048 and $0.035125 per vCPU-hour.
const AZURE = new Map([price('amd64', 0.768 / 16), price('arm64', 0.562 / 16)]);

describe('savingsTerm (hand-computed)', () => {
  it.each([
    // (0.048 − 0.035125) × 10 × 8760 = 0.012875 × 87600 = 1127.85
    { from: 0.048, to: 0.035125, vcpu: 10, yearly: 1127.85 },
    // (0.05 − 0.04) × 1 × 8760 = 87.60
    { from: 0.05, to: 0.04, vcpu: 1, yearly: 87.6 },
    // (0.1 − 0.08) × 0.25 × 8760 = 43.80
    { from: 0.1, to: 0.08, vcpu: 0.25, yearly: 43.8 },
    // arm64 dearer: (0.03 − 0.04) × 2 × 8760 = −175.20
    { from: 0.03, to: 0.04, vcpu: 2, yearly: -175.2 },
  ])('($from − $to) × $vcpu vCPU × 24 × 365 = $yearly', ({ from, to, vcpu, yearly }) => {
    expect(savingsTerm('amd64', vcpu, from, to).yearly).toBeCloseTo(yearly, 2);
  });

  it('spells out the arithmetic', () => {
    expect(savingsTerm('amd64', 10, 0.048, 0.035125).arithmetic).toBe('($0.048 − $0.035125) × 10 vCPU × 24 × 365 = $1,127.85');
  });
});

describe('computeSavings', () => {
  const audit = report([
    w('ready-a', true, { amd64: 2000, arm64: 500 }),
    w('ready-b', true, { amd64: 8000, unscheduled: 1000 }),
    w('blocked', false, { amd64: 4000 }),
    w('unknown', null, { amd64: 1000 }),
    w('no-requests', true, { amd64: 0 }),
    w('on-s390x', true, { s390x: 1000 }),
  ]);
  const savings = computeSavings(audit, AZURE);

  it('counts only ready workloads, only CPU on other archs', () => {
    expect(savings.workloads.map((x) => [x.name, x.fromArch, x.vcpu])).toEqual([
      ['ready-b', 'amd64', 8],
      ['ready-a', 'amd64', 2],
    ]);
  });

  it('totals per arch with the arithmetic: 10 vCPU → $1,127.85', () => {
    expect(savings.total.vcpu).toBe(10);
    expect(savings.total.yearly).toBeCloseTo(1127.85, 2);
    expect(savings.total.terms).toHaveLength(1);
    expect(savings.total.terms[0]!.arithmetic).toBe('($0.048 − $0.035125) × 10 vCPU × 24 × 365 = $1,127.85');
  });

  it('says what was not counted', () => {
    expect(savings.notCounted).toEqual({ notReady: { workloads: 2, vcpu: 5 }, readyWithoutCpu: 1, unpricedArchs: ['s390x'] });
  });

  it('shows arm64 is 26.8% cheaper', () => {
    expect(savings.targetCheaperPercent).toEqual({ amd64: 26.8 });
    expect(savings.hoursPerYear).toBe(8760);
  });

  it('manifests: all of a ready workload\'s requests are on --from-arch', () => {
    const s = computeSavings(report([w('m', true, undefined, 1500)]), AZURE, 'amd64');
    expect(s.total.vcpu).toBe(1.5);
    expect(s.total.yearly).toBeCloseTo(0.012875 * 1.5 * 8760, 2);
  });

  it('needs a target price', () => {
    expect(() => computeSavings(audit, new Map([price('amd64', 0.05)]))).toThrow(/no price for the target arch arm64/);
  });
});
