import { describe, expect, it } from 'vitest';
import type { AuditReport, WorkloadReport } from '../audit/report.js';
import { summarize, unresolvedImages } from '../audit/summary.js';
import { renderAuditMarkdown } from './audit-markdown.js';

function workload(w: Partial<WorkloadReport>): WorkloadReport {
  return {
    kind: 'Deployment', namespace: 'shop', name: 'w', status: 'ok', reason: 'runs everywhere', images: [], sharedArchs: ['amd64', 'arm64'], archConstraint: null,
    tolerations: [], schedulableArchs: ['amd64', 'arm64'], nodes: [], pods: 1, cpuRequests: { millicores: 0 },
    target: { arch: 'arm64', ready: true, blockingImages: [], unresolvedImages: [] },
    ...w,
  };
}

function report(workloads: WorkloadReport[], warnings: string[] = []): AuditReport {
  return {
    apiVersion: 'archcheck.io/v1alpha1', kind: 'AuditReport', source: 'cluster', clusterArchs: ['amd64', 'arm64'], workloads,
    summary: summarize(workloads, 'arm64'), unresolvedImages: unresolvedImages(workloads), warnings,
  };
}

const legacyImage = { container: 'c', containerType: 'container' as const, image: 'reg/legacy:1', canonical: 'reg/legacy:1', digest: null, platforms: ['linux/amd64'], archs: ['amd64'], error: null };

describe('renderAuditMarkdown', () => {
  const blocked = { arch: 'arm64', ready: false, blockingImages: ['reg/legacy:1'], unresolvedImages: [] };
  const r = report(
    [
      workload({ name: 'web' }),
      workload({ name: 'legacy', status: 'at-risk', reason: 'can be scheduled onto arm64 nodes, but reg/legacy:1 has no arm64 build', sharedArchs: ['amd64'], images: [legacyImage], target: blocked }),
      workload({ namespace: 'ops', name: 'pinned|x', kind: 'Pod', status: 'broken', reason: 'pod runs on arm-0 (arm64)', sharedArchs: ['amd64'], images: [legacyImage], target: blocked }),
    ],
    ['cannot list secrets in "ops"'],
  );

  it('gives the counts, the images to fix first and every workload, most urgent first', () => {
    expect(renderAuditMarkdown(r, { scope: 'any namespace', showNamespace: true })).toBe(
      [
        '### archcheck: arm64 readiness of any namespace (cluster)',
        '',
        '**3 workloads**: 1 broken, 1 at-risk, 0 unknown, 1 ok. **arm64-ready: 1/3 (33.3%)**',
        '',
        'Images blocking arm64 (fix these first):',
        '',
        '| image | workloads blocked |',
        '| --- | ---: |',
        '| `reg/legacy:1` | 2 |',
        '',
        '| namespace | workload | status | archs | arm64 | reason |',
        '| --- | --- | --- | --- | --- | --- |',
        '| `ops` | `Pod/pinned\\|x` | **broken** | amd64 | blocked | pod runs on arm-0 (arm64) |',
        '| `shop` | `Deployment/legacy` | **at-risk** | amd64 | blocked | can be scheduled onto arm64 nodes, but reg/legacy:1 has no arm64 build |',
        '| `shop` | `Deployment/web` | ok | amd64, arm64 | ready | runs everywhere |',
        '',
        'Warnings:',
        '',
        '- cannot list secrets in "ops"',
        '',
      ].join('\n'),
    );
  });

  it('says when nothing was found, in the summary itself', () => {
    expect(renderAuditMarkdown(report([]), { scope: 'namespace "shop"', showNamespace: false })).toBe('### archcheck: arm64 readiness of namespace "shop" (cluster)\n\nNo workloads found in namespace "shop".\n');
  });
});
