/**
 * The webhook's /validate and the plugin's audit answer one question — which nodes can this pod land on, and can
 * its images run there — through one model (core/placement: assessPlacement). This table feeds the same pods and
 * nodes to both and asserts the same answer: /validate denies (unreachable-arch) exactly when the audit says
 * at-risk, for the same archs, and neither flags a pod the other lets through.
 */
import { describe, expect, it } from 'vitest';
import type { PlacementNode, PodSpec, Taint } from '../core/placement/index.js';
import { AssumedPlacement, ClusterPlacement, type PlacementModel } from '../plugin/audit/arch-reachability.js';
import { workloadReport } from '../plugin/audit/workload-report.js';
import type { ClusterNode } from '../plugin/inventory/inventory.js';
import type { AdmissionReview } from '../webhook/admission/review.js';
import { noClusterFacts, type ClusterFacts } from '../webhook/cluster-facts.js';
import { fakeCluster } from '../webhook/testing/fake-cluster.js';
import { FakeResolver } from '../webhook/testing/fake-resolver.js';
import { runAdmission, testSettings } from '../webhook/testing/run-admission.js';

const WEB = 'registry.example.com/team/web:1.4.2'; // amd64, arm64
const LEGACY = 'registry.example.com/team/legacy:2.0'; // amd64
const EDGE = 'registry.example.com/team/edge:0.9'; // arm64
const MISSING = 'registry.example.com/team/missing:404';

const ARCH_TAINT: Taint = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };
const ML_TAINT: Taint = { key: 'dedicated', value: 'ml', effect: 'NoExecute' };
const CORDONED: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

function node(name: string, arch: string, taints: Taint[] = [], labels: Record<string, string> = {}, os = 'linux'): ClusterNode {
  return {
    name,
    arch,
    os,
    labels: { 'kubernetes.io/arch': arch, 'kubernetes.io/os': os, 'kubernetes.io/hostname': name, ...labels },
    taints,
    allocatableCpuMillis: 4000,
    allocatableMemoryBytes: 2 ** 34,
    unschedulable: false,
  };
}

const AKS = [node('amd-0', 'amd64', [], { pool: 'amd' }), node('arm-0', 'arm64', [ARCH_TAINT], { pool: 'arm' }), node('arm-1', 'arm64', [ARCH_TAINT], { pool: 'arm' })];
const UNTAINTED = [node('amd-0', 'amd64'), node('arm-0', 'arm64')];
const MIXED_ARM = [node('amd-0', 'amd64'), node('arm-0', 'arm64', [ARCH_TAINT]), node('arm-1', 'arm64', [ML_TAINT])];
const CORDONED_ARM = [node('amd-0', 'amd64'), node('arm-0', 'arm64', [CORDONED])];
const WITH_WINDOWS = [node('amd-0', 'amd64'), node('win-0', 'arm64', [], {}, 'windows')];

const tolerate = (key: string): PodSpec['tolerations'] => [{ key, operator: 'Exists' }];
const archIn = (...values: string[]): PodSpec['affinity'] => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values }] }] } },
});

interface Case {
  name: string;
  images: string[];
  spec?: Partial<PodSpec>;
  /** Real nodes, or undefined: both judge against assumed amd64+arm64 pools with `archTaints`. */
  nodes?: ClusterNode[];
  archTaints?: { arch: string; taint: Taint }[];
  /** The archs both must call risky (reachable, and some resolved image lacks them). */
  risky: string[];
}

const CASES: Case[] = [
  { name: 'multi-arch image, untainted cluster', images: [WEB], nodes: UNTAINTED, risky: [] },
  { name: 'amd64-only image, untainted cluster', images: [LEGACY], nodes: UNTAINTED, risky: ['arm64'] },
  { name: 'amd64-only image, AKS arm64 pool tainted', images: [LEGACY], nodes: AKS, risky: [] },
  { name: 'amd64-only image tolerating the arm64 taint', images: [LEGACY], spec: { tolerations: tolerate('kubernetes.io/arch') }, nodes: AKS, risky: ['arm64'] },
  { name: 'amd64-only image pinned to the amd pool by a non-arch label', images: [LEGACY], spec: { nodeSelector: { pool: 'amd' }, tolerations: [{ operator: 'Exists' }] }, nodes: AKS, risky: [] },
  { name: 'arm64-only image, arm64 tainted and not tolerated: amd64 reachable', images: [EDGE], nodes: AKS, risky: ['amd64'] },
  { name: 'arm64-only image with arm64 affinity and toleration', images: [EDGE], spec: { affinity: archIn('arm64'), tolerations: tolerate('kubernetes.io/arch') }, nodes: AKS, risky: [] },
  { name: 'arm64 nodes tainted differently, one toleration reaches one of them', images: [LEGACY], spec: { tolerations: tolerate('dedicated') }, nodes: MIXED_ARM, risky: ['arm64'] },
  { name: 'arm64 nodes tainted differently, no toleration: out of reach', images: [LEGACY], nodes: MIXED_ARM, risky: [] },
  { name: 'cordoned arm64 node still counts (transient taint)', images: [LEGACY], nodes: CORDONED_ARM, risky: ['arm64'] },
  { name: 'nodes of another OS are never candidates', images: [LEGACY], nodes: WITH_WINDOWS, risky: [] },
  { name: 'an unresolved image makes nothing risky by itself', images: [MISSING, WEB], nodes: UNTAINTED, risky: [] },
  { name: 'an unresolved image beside an amd64-only one', images: [MISSING, LEGACY], nodes: UNTAINTED, risky: ['arm64'] },
  { name: 'assumed pools, no taints', images: [LEGACY], risky: ['arm64'] },
  { name: 'assumed pools, arm64 tainted', images: [LEGACY], archTaints: [{ arch: 'arm64', taint: ARCH_TAINT }], risky: [] },
  { name: 'assumed pools ignore non-arch labels', images: [LEGACY], spec: { nodeSelector: { pool: 'amd' } }, risky: ['arm64'] },
];

function podSpec(c: Case): PodSpec {
  return { containers: c.images.map((image, i) => ({ name: `c${i}`, image })), ...c.spec };
}

function review(spec: PodSpec): AdmissionReview {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'shop' }, spec };
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'agreement', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'shop', operation: 'CREATE', object } };
}

/** The webhook's answer: the archs its /validate denial names (empty when it allows). */
async function webhookRisky(c: Case): Promise<string[]> {
  const cluster: ClusterFacts = c.nodes ? fakeCluster({ nodeList: c.nodes as PlacementNode[] }) : noClusterFacts;
  const settings = testSettings({ archTaints: c.archTaints ?? [], ...(c.nodes ? {} : { allowedArchs: ['amd64', 'arm64'] }) });
  const run = await runAdmission('validate', review(podSpec(c)), { settings, cluster });
  if (run.response.allowed) return [];
  expect(run.decision).toBe('denied:unreachable-arch');
  return /can be scheduled on (\S+) nodes/.exec(run.response.status?.message ?? '')![1]!.split(',');
}

/** The plugin's answer for the same pod as a bare-Pod workload: the archs its at-risk reason names. */
async function auditRisky(c: Case): Promise<string[]> {
  const placement: PlacementModel = c.nodes ? new ClusterPlacement(c.nodes) : new AssumedPlacement(['amd64', 'arm64'], c.archTaints ?? []);
  const resolver = new FakeResolver();
  const answers = new Map(await Promise.all(c.images.map(async (i) => [i, await resolver.resolve(i)] as const)));
  const workload = { kind: 'Pod', namespace: 'shop', name: 'web', labels: {}, template: podSpec(c), pods: [], desiredPods: 1 };
  const report = workloadReport(workload, (image) => answers.get(image), { placement, targetArch: 'arm64', source: c.nodes ? 'cluster' : 'manifests' });
  if (report.status !== 'at-risk') return [];
  return [...report.reason.matchAll(/scheduled onto (\S+) nodes/g)].map((m) => m[1]!);
}

describe('webhook /validate and the plugin audit agree on the same pods and nodes', () => {
  it.each(CASES)('$name', async (c) => {
    const [webhook, audit] = await Promise.all([webhookRisky(c), auditRisky(c)]);
    expect({ webhook, audit }).toEqual({ webhook: c.risky, audit: c.risky });
  });
});
