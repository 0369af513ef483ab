import { describe, expect, it } from 'vitest';
import type { AuditReport, WorkloadReport } from '../audit/report.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { poolSavings } from './pool-savings.js';
import type { ArchPrice, PriceFile } from './prices.js';

function node(name: string, arch: string, pool: string, type: string): ClusterNode {
  return { name, arch, os: 'linux', labels: { agentpool: pool, 'node.kubernetes.io/instance-type': type }, taints: [], allocatableCpuMillis: 4000, allocatableMemoryBytes: 0, unschedulable: false };
}

function w(name: string, ready: boolean, nodes: Array<[string, string, number]>, millisPerPod: number): WorkloadReport {
  const byArch: Record<string, number> = {};
  for (const [, arch, pods] of nodes) byArch[arch] = (byArch[arch] ?? 0) + pods * millisPerPod;
  return {
    kind: 'Deployment', namespace: 'shop', name, status: 'ok', reason: '', images: [], sharedArchs: [], archConstraint: null, tolerations: [], schedulableArchs: [],
    nodes: nodes.map(([n, arch, pods]) => ({ node: n, arch, pods, incompatible: false })),
    pods: nodes.reduce((s, [, , p]) => s + p, 0),
    cpuRequests: { millicores: Object.values(byArch).reduce((a, b) => a + b, 0), byArch },
    target: { arch: 'arm64', ready, blockingImages: [], unresolvedImages: [] },
  };
}

function report(workloads: WorkloadReport[]): AuditReport {
  return {
    apiVersion: 'archcheck.io/v1alpha1', kind: 'AuditReport', source: 'cluster', clusterArchs: ['amd64', 'arm64'], workloads,
    summary: { workloads: workloads.length, byStatus: { ok: 0, 'at-risk': 0, broken: 0, unknown: 0 }, targetArch: 'arm64', targetReady: 0, targetReadyPercent: 0, topBlockingImages: [] },
    unresolvedImages: [], warnings: [],
  };
}

const nodes = [node('a0', 'amd64', 'general', 'Standard_D4s_v6'), node('a1', 'amd64', 'general', 'Standard_D4s_v6'), node('b0', 'amd64', 'batch', 'Standard_F8s_v2'), node('r0', 'arm64', 'arm', 'Standard_D4ps_v6')];
const prices = new Map<string, ArchPrice>([
  ['amd64', { arch: 'amd64', perVcpuHour: 0.05, basis: '--price' }],
  ['arm64', { arch: 'arm64', perVcpuHour: 0.04, basis: '--price' }],
]);

describe('poolSavings (hand-computed)', () => {
  const r = report([
    w('web', true, [['a0', 'amd64', 2], ['a1', 'amd64', 2], ['r0', 'arm64', 1]], 500), // 2 vCPU on general, arm pod not counted
    w('jobs', true, [['b0', 'amd64', 4]], 250), // 1 vCPU on batch
    w('legacy', false, [['a0', 'amd64', 3]], 1000), // not ready: never counted
  ]);

  it('prices each pool from its arch: (0.05 − 0.04) × vCPU × 730', () => {
    const out = poolSavings(r, nodes, prices);
    expect(out.pools.map((p) => [p.pool, p.readyWorkloads, p.vcpu, p.monthly, p.arithmetic])).toEqual([
      ['batch', 1, 1, 7.3, '($0.05 − $0.04) × 1 vCPU × 730 h = $7.30'],
      ['general', 1, 2, 14.6, '($0.05 − $0.04) × 2 vCPU × 730 h = $14.60'],
    ]);
    expect(out.monthly).toBe(21.9);
  });

  it('prices a pool from its instance type when the price file lists it', () => {
    const file: PriceFile = { name: 'prices.yaml', instanceTypes: [{ name: 'Standard_F8s_v2', arch: 'amd64', vcpus: 8, hourly: 0.68 }], perVcpuHour: {} };
    const batch = poolSavings(r, nodes, prices, file).pools.find((p) => p.pool === 'batch')!;
    // 0.68 / 8 = 0.085; (0.085 − 0.04) × 1 × 730 = 32.85
    expect([batch.fromPricePerVcpuHour, batch.basis, batch.monthly]).toEqual([0.085, 'Standard_F8s_v2 $0.68/h ÷ 8 vCPU', 32.85]);
  });

  it('says when a pool has no price rather than guessing', () => {
    const onlyArm = new Map([...prices].filter(([a]) => a === 'arm64'));
    const out = poolSavings(r, nodes, onlyArm);
    expect(out.pools.every((p) => p.monthly === null && p.fromPricePerVcpuHour === null)).toBe(true);
    expect(out.monthly).toBe(0);
  });
});
