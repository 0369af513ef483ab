import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import { parsePlatformString } from '../../core/platform.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';
import type { ClusterNode, ClusterPod } from '../inventory/inventory.js';
import { ClusterPlacement } from './arch-reachability.js';
import { runAudit } from './audit.js';
import type { Workload } from './workloads.js';

/** A resolver that answers from a table and counts lookups. */
class TableResolver implements ImageResolver {
  readonly calls: Array<{ reference: string; credentials: number }> = [];
  constructor(private readonly table: Record<string, string[] | { code: 'UNAUTHORIZED' | 'NOT_FOUND' }>) {}

  resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    this.calls.push({ reference, credentials: request.credentials?.length ?? 0 });
    const entry = this.table[reference];
    const canonical = reference.includes('/') ? reference : `docker.io/library/${reference}`;
    if (!entry || !Array.isArray(entry)) {
      const code = entry?.code ?? 'NOT_FOUND';
      return Promise.resolve({ reference, canonical, platforms: [], platformStrings: [], multiArch: false, error: { code, message: `${reference}: ${code}` } });
    }
    const platforms = entry.map(parsePlatformString);
    return Promise.resolve({ reference, canonical, digest: `sha256:${'a'.repeat(64)}`, platforms, platformStrings: entry, multiArch: entry.length > 1, error: null });
  }
}

function node(name: string, arch: string, taint?: { key: string; value: string; effect: string }): ClusterNode {
  return { name, arch, os: 'linux', labels: { 'kubernetes.io/arch': arch }, taints: taint ? [taint] : [], allocatableCpuMillis: 4000, allocatableMemoryBytes: 0, unschedulable: false };
}

const NODES = [node('amd-0', 'amd64'), node('arm-0', 'arm64', { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' }), node('arm-free', 'arm64')];
const TOLERATE_ALL = [{ operator: 'Exists' }];

function pod(name: string, nodeName: string, images: string[], cpu = '250m', waiting?: string): ClusterPod {
  return {
    metadata: { name, namespace: 'shop' },
    spec: { nodeName, containers: images.map((image, i) => ({ name: `c${i}`, image, resources: { requests: { cpu } } })) },
    status: { phase: 'Running', ...(waiting && { containerStatuses: [{ name: 'c0', state: { waiting: { reason: waiting } } }] }) },
  };
}

function workload(name: string, images: string[], pods: ClusterPod[] = [], extra: Partial<Workload['template']> = {}): Workload {
  return {
    kind: 'Deployment',
    namespace: 'shop',
    name,
    labels: {},
    template: { initContainers: [{ name: 'init', image: 'busybox:1' }], containers: images.map((image, i) => ({ name: `c${i}`, image })), ...extra },
    pods,
    desiredPods: 1,
  };
}

describe('runAudit', () => {
  const resolver = new TableResolver({
    'busybox:1': ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
    'nginx:1': ['linux/amd64', 'linux/arm64'],
    'legacy:1': ['linux/amd64'],
    'private/app:1': { code: 'UNAUTHORIZED' },
  });
  const workloads = [
    workload('multi', ['nginx:1'], [pod('multi-1', 'arm-free', ['nginx:1'])]),
    workload('legacy-pinned', ['legacy:1'], [pod('lp-1', 'amd-0', ['legacy:1'])], { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, tolerations: TOLERATE_ALL }),
    workload('legacy-free', ['legacy:1'], [pod('lf-1', 'amd-0', ['legacy:1'], '1500m')]),
    workload('legacy-on-arm', ['legacy:1'], [pod('la-1', 'arm-free', ['legacy:1'], '100m', 'CrashLoopBackOff')]),
    workload('private', ['private/app:1']),
  ];
  const audit = runAudit({ workloads, placement: new ClusterPlacement(NODES), resolver, targetArch: 'arm64', source: 'cluster' });

  it('resolves each distinct image once', async () => {
    await audit;
    expect(resolver.calls.map((c) => c.reference).sort()).toEqual(['busybox:1', 'legacy:1', 'nginx:1', 'private/app:1']);
  });

  it('judges every workload', async () => {
    const report = await audit;
    expect(report.workloads.map((w) => [w.name, w.status])).toEqual([
      ['multi', 'ok'],
      ['legacy-pinned', 'ok'],
      ['legacy-free', 'at-risk'],
      ['legacy-on-arm', 'broken'],
      ['private', 'unknown'],
    ]);
  });

  it('reports one workload field by field', async () => {
    const broken = (await audit).workloads.find((w) => w.name === 'legacy-on-arm')!;
    expect(broken).toEqual({
      kind: 'Deployment',
      namespace: 'shop',
      name: 'legacy-on-arm',
      status: 'broken',
      reason: 'pod la-1 runs on arm-free (arm64, CrashLoopBackOff) but legacy:1 has no arm64 build',
      images: [
        {
          container: 'init',
          containerType: 'initContainer',
          image: 'busybox:1',
          canonical: 'docker.io/library/busybox:1',
          digest: `sha256:${'a'.repeat(64)}`,
          platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
          archs: ['amd64', 'arm', 'arm64'],
          error: null,
        },
        {
          container: 'c0',
          containerType: 'container',
          image: 'legacy:1',
          canonical: 'docker.io/library/legacy:1',
          digest: `sha256:${'a'.repeat(64)}`,
          platforms: ['linux/amd64'],
          archs: ['amd64'],
          error: null,
        },
      ],
      sharedArchs: ['amd64'],
      archConstraint: null,
      tolerations: [],
      schedulableArchs: ['amd64', 'arm64'],
      nodes: [{ node: 'arm-free', arch: 'arm64', pods: 1, incompatible: true }],
      pods: 1,
      cpuRequests: { millicores: 100, byArch: { arm64: 100 } },
      target: { arch: 'arm64', ready: false, blockingImages: ['legacy:1'], unresolvedImages: [] },
    });
  });

  it('describes arch constraints and keeps tolerations', async () => {
    const pinned = (await audit).workloads.find((w) => w.name === 'legacy-pinned')!;
    expect(pinned.archConstraint).toBe('kubernetes.io/arch in [amd64]');
    expect(pinned.tolerations).toEqual(TOLERATE_ALL);
    expect(pinned.schedulableArchs).toEqual(['amd64']);
    expect(pinned.reason).toMatch(/no arm64 build, but kept off arm64 nodes: its nodeSelector\/affinity excludes kubernetes.io\/arch=arm64/);
  });

  it('summarizes statuses, readiness and blocking images', async () => {
    const report = await audit;
    expect(report.summary).toEqual({
      workloads: 5,
      byStatus: { ok: 2, 'at-risk': 1, broken: 1, unknown: 1 },
      targetArch: 'arm64',
      targetReady: 1,
      targetReadyPercent: 20,
      topBlockingImages: [{ image: 'docker.io/library/legacy:1', workloads: 3 }],
    });
    expect(report.unresolvedImages).toEqual([{ image: 'private/app:1', error: { code: 'UNAUTHORIZED', message: 'private/app:1: UNAUTHORIZED' }, workloads: 1 }]);
    expect(report.clusterArchs).toEqual(['amd64', 'arm64']);
    expect(report.apiVersion).toBe('archcheck.io/v1alpha1');
    expect(report.kind).toBe('AuditReport');
  });

  it('passes pull secrets to the resolver and says which could not be read', async () => {
    const r = new TableResolver({ 'busybox:1': ['linux/amd64'], 'private/app:1': { code: 'UNAUTHORIZED' } });
    const report = await runAudit({
      workloads: [workload('private', ['private/app:1'])],
      placement: new ClusterPlacement(NODES),
      resolver: r,
      targetArch: 'arm64',
      source: 'cluster',
      credentialsFor: () =>
        Promise.resolve({
          key: 'shop:regcred,other',
          credentials: [{ key: 'private', credential: { kind: 'basic', username: 'u', password: 'p' }, source: 'pull secret shop/regcred' }],
          serviceAccountCredentials: [],
          unreadable: [{ what: 'pull secret shop/other', namespace: 'shop', message: 'secrets "other" is forbidden' }],
        }),
    });
    expect(r.calls.every((c) => c.credentials === 1)).toBe(true);
    expect(report.workloads[0]!.images[1]!.error!.message).toMatch(/could not use pull secret shop\/other: secrets "other" is forbidden/);
    expect(report.warnings).toEqual(['namespace shop: cannot read pull secret shop/other (secrets "other" is forbidden)']);
  });

  it('counts manifests CPU as replicas × the template request', async () => {
    const w = workload('m', ['nginx:1']);
    w.template.containers[0]!.resources = { requests: { cpu: '500m' } };
    w.desiredPods = 3;
    const report = await runAudit({ workloads: [w], placement: new ClusterPlacement(NODES), resolver, targetArch: 'arm64', source: 'manifests' });
    expect(report.workloads[0]!.cpuRequests).toEqual({ millicores: 1500 });
  });
});
