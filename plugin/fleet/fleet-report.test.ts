import { describe, expect, it } from 'vitest';
import type { AuditReport, WorkloadReport } from '../audit/report.js';
import { summarize, unresolvedImages } from '../audit/summary.js';
import { clusterState, fleetReport, type FleetCluster } from './fleet-report.js';

function workload(name: string, status: WorkloadReport['status'], blocking: string[] = []): WorkloadReport {
  return {
    kind: 'Deployment', namespace: 'ns', name, status, reason: `${name} is ${status}`, images: [], sharedArchs: [], archConstraint: null, tolerations: [],
    schedulableArchs: [], nodes: [], pods: 1, cpuRequests: { millicores: 0 },
    target: { arch: 'arm64', ready: blocking.length === 0, blockingImages: blocking, unresolvedImages: [] },
  };
}

function audited(name: string, workloads: WorkloadReport[]): FleetCluster {
  const report: AuditReport = {
    apiVersion: 'archcheck.io/v1alpha1', kind: 'AuditReport', source: 'cluster', clusterArchs: ['amd64', 'arm64'], workloads,
    summary: summarize(workloads, 'arm64'), unresolvedImages: unresolvedImages(workloads), warnings: [],
  };
  return { name, context: name, server: 'https://x', state: 'audited', error: null, report };
}

describe('fleetReport', () => {
  const clusters = [
    audited('edge-b', [workload('web', 'ok'), workload('legacy', 'at-risk', ['reg/legacy:1'])]),
    audited('edge-a', [workload('legacy', 'broken', ['reg/legacy:1', 'reg/sidecar:2']), workload('api', 'ok', ['reg/legacy:1'])]),
    { name: 'edge-c', context: 'edge-c', server: 'https://y', state: 'unreachable' as const, error: 'cannot reach', report: null },
  ];
  const r = fleetReport(clusters, 'arm64', 3);

  it('sums the audited clusters and counts every state', () => {
    expect(r.summary).toEqual({
      clusters: 3,
      audited: 2,
      byState: { audited: 2, unreachable: 1, 'timed-out': 0, forbidden: 0, unauthorized: 0, 'config-error': 0, error: 0 },
      workloads: 4,
      byStatus: { ok: 2, 'at-risk': 1, broken: 1, unknown: 0 },
      targetArch: 'arm64',
      targetReady: 1,
      targetReadyPercent: 25,
      imageLookups: 3,
    });
  });

  it('ranks blocking images by workloads blocked, naming the clusters', () => {
    expect(r.blockingImages).toEqual([
      { image: 'reg/legacy:1', workloads: 3, clusters: [{ cluster: 'edge-a', workloads: 2 }, { cluster: 'edge-b', workloads: 1 }] },
      { image: 'reg/sidecar:2', workloads: 1, clusters: [{ cluster: 'edge-a', workloads: 1 }] },
    ]);
  });

  it('lists what needs attention, broken first', () => {
    expect(r.findings.map((f) => `${f.status} ${f.cluster}/${f.name}`)).toEqual(['broken edge-a/legacy', 'at-risk edge-b/legacy']);
  });
});

describe('clusterState', () => {
  it.each([
    ['unreachable', 'unreachable'],
    ['timeout', 'timed-out'],
    ['forbidden', 'forbidden'],
    ['not-found', 'forbidden'],
    ['unauthorized', 'unauthorized'],
    ['config', 'config-error'],
    ['bad-response', 'error'],
    [undefined, 'error'],
  ] as const)('%s → %s', (failure, state) => {
    expect(clusterState(failure)).toBe(state);
  });
});
