import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import { parsePlatformString } from '../../core/platform.js';
import type { ImageResolver } from '../../core/resolver.js';
import { outputSchemaErrors } from '../../test/plugin-output-schema.js';
import type { ClusterPod } from '../inventory/inventory.js';
import { ClusterPlacement } from './arch-reachability.js';
import { runAudit } from './audit.js';
import { gatedPods, gatedReason } from './gated-pods.js';

const WAITING = 'architectures of images not known at admission (TIMEOUT: reg/app:1); archcheck resolves them and then lets the pod schedule';
const DENIED = 'archcheck: no arch runs all images; fix the images';

function pod(name: string, opts: { gates?: string[]; decision?: string; reason?: string; phase?: string } = {}): ClusterPod {
  const annotations: Record<string, string> = {};
  if (opts.decision) annotations['archcheck.dev/decision'] = opts.decision;
  if (opts.reason) annotations['archcheck.dev/reason'] = opts.reason;
  return {
    metadata: { name, namespace: 'shop', annotations },
    spec: { containers: [{ name: 'c', image: 'reg/app:1' }], ...(opts.gates && { schedulingGates: opts.gates.map((g) => ({ name: g })) }) },
    status: { phase: opts.phase ?? 'Pending' },
  };
}

describe('gatedPods', () => {
  const cases: [string, ClusterPod, boolean][] = [
    ['archcheck gate', pod('a', { gates: ['archcheck.dev/resolving'], decision: 'gated', reason: WAITING }), true],
    ['archcheck gate after another gate', pod('b', { gates: ['example.com/hold', 'archcheck.dev/resolving'] }), true],
    ['only someone else\'s gate', pod('c', { gates: ['example.com/hold'] }), false],
    ['no gate', pod('d'), false],
    ['finished pod', pod('e', { gates: ['archcheck.dev/resolving'], phase: 'Failed' }), false],
  ];
  it.each(cases)('%s → %s', (_name, p, gated) => {
    expect(gatedPods([p]).length).toBe(gated ? 1 : 0);
  });

  it('carries the webhook\'s decision and reason', () => {
    expect(gatedPods([pod('a', { gates: ['archcheck.dev/resolving'], decision: 'gated', reason: WAITING })])).toEqual([{ pod: 'a', decision: 'gated', reason: WAITING }]);
    expect(gatedPods([pod('b', { gates: ['archcheck.dev/resolving'] })])).toEqual([{ pod: 'b', decision: 'gated', reason: 'no archcheck.dev/reason annotation' }]);
  });

  it('says in the status reason how many wait and why; a late denial first', () => {
    expect(gatedReason([])).toBe('');
    expect(gatedReason([{ pod: 'a', decision: 'gated', reason: WAITING }])).toBe(`; 1 pod (a) wait behind archcheck's scheduling gate: ${WAITING}`);
    expect(gatedReason([{ pod: 'a', decision: 'gated', reason: WAITING }, { pod: 'b', decision: 'denied:no-common-arch', reason: DENIED }, { pod: 'c', decision: 'gated', reason: WAITING }])).toBe(
      `; 3 pods (a, b and 1 more) held gated by archcheck (denied:no-common-arch): ${DENIED}`,
    );
  });
});

describe('the audit shows gated pods', () => {
  const resolver: ImageResolver = {
    resolve: (reference): Promise<ImageInfo> => Promise.resolve({ reference, canonical: reference, digest: `sha256:${'b'.repeat(64)}`, platforms: ['linux/amd64'].map(parsePlatformString), platformStrings: ['linux/amd64'], multiArch: false, error: null }),
  };
  const nodes = [{ name: 'amd-0', arch: 'amd64', os: 'linux', labels: { 'kubernetes.io/arch': 'amd64' }, taints: [], allocatableCpuMillis: 4000, allocatableMemoryBytes: 0, unschedulable: false }];

  it('gatedPods and the reason in the workload report, valid against docs/audit-output.schema.json', async () => {
    const gated = pod('web-1', { gates: ['archcheck.dev/resolving'], decision: 'gated', reason: WAITING });
    const workloads = [{ kind: 'Deployment', namespace: 'shop', name: 'web', labels: {}, template: { containers: [{ name: 'c', image: 'reg/app:1' }] }, pods: [gated], desiredPods: 1 }];
    const report = await runAudit({ workloads, placement: new ClusterPlacement(nodes), resolver, targetArch: 'arm64', source: 'cluster' });
    const web = report.workloads[0]!;
    expect(web.gatedPods).toEqual([{ pod: 'web-1', decision: 'gated', reason: WAITING }]);
    expect(web.reason).toMatch(/; 1 pod \(web-1\) wait behind archcheck's scheduling gate: architectures of images not known at admission/);
    expect(outputSchemaErrors(report)).toEqual([]);
    const plain = await runAudit({ workloads: [{ ...workloads[0]!, pods: [pod('web-2')] }], placement: new ClusterPlacement(nodes), resolver, targetArch: 'arm64', source: 'cluster' });
    expect(plain.workloads[0]!.gatedPods).toBeUndefined();
  });
});
