/**
 * Helpers for test/e2e/gate*.test.ts: a set of fresh images per test (so no cache answers them), bare pods created
 * through the API, and what a user checks afterwards: every pod has an archcheck decision, every scheduled pod sits
 * on a node arch its image runs on (truth from the pushed configs and the Node objects), time to schedule.
 */
import { CoreV1Api, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import type { TestCluster } from '../cluster/cluster.js';
import { waitFor } from '../cluster/cluster.js';
import { FixtureBuilder } from '../registry/fixtures.js';
import type { TestRegistry } from '../registry/registry.js';
import { podSpec } from './scenario.js';

export interface GateImage {
  /** Reference through the proxy host. */
  ref: string;
  archs: string[];
}

const ARCH_SETS = [['amd64'], ['arm64'], ['amd64', 'arm64']];

/** `count` new images under `prefix/`, cycling amd64-only, arm64-only, multi-arch; references name `viaHost`. */
export async function pushGateImages(registry: TestRegistry, viaHost: string, prefix: string, count: number): Promise<GateImage[]> {
  const b = new FixtureBuilder(registry);
  const out: GateImage[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const archs = ARCH_SETS[i % ARCH_SETS.length]!;
      const image = (architecture: string) => ({ kind: 'image' as const, config: { os: 'linux', architecture } });
      const spec = archs.length === 1 ? image(archs[0]!) : { kind: 'index' as const, entries: archs.map((a) => ({ node: image(a) })) };
      const f = await b.push(`${prefix}/app-${i}`, '1', spec);
      out.push({ ref: f.ref.replace(registry.host, viaHost), archs });
    }
  } finally {
    await b.close();
  }
  return out;
}

/** Tolerates every arch taint: without archcheck such a pod may land on any node. */
const ANY_ARCH = [{ key: 'kubernetes.io/arch', operator: 'Exists' }];

export function gatePod(namespace: string, name: string, image: GateImage): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: { 'e2e.archcheck.dev/gate': 'true' } }, spec: podSpec([image.ref], { tolerations: ANY_ARCH }) };
}

/** Creates the pods `parallel` at a time; returns each pod's creation time (ms, client clock). */
export async function createPods(core: CoreV1Api, pods: readonly V1Pod[], parallel = 10): Promise<Map<string, number>> {
  const created = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pods.length) {
      const pod = pods[next++]!;
      await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
      created.set(pod.metadata!.name!, Date.now());
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return created;
}

export interface PodState {
  name: string;
  node: string | undefined;
  nodeArch: string | undefined;
  decision: string | undefined;
  reason: string | undefined;
  gates: string[];
  image: string;
}

export async function podStates(core: CoreV1Api, namespace: string): Promise<PodState[]> {
  const nodes = new Map((await core.listNode()).items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.['kubernetes.io/arch']]));
  return (await core.listNamespacedPod({ namespace })).items.map((p) => ({
    name: p.metadata?.name ?? '',
    node: p.spec?.nodeName,
    nodeArch: p.spec?.nodeName ? nodes.get(p.spec.nodeName) : undefined,
    decision: p.metadata?.annotations?.['archcheck.dev/decision'],
    reason: p.metadata?.annotations?.['archcheck.dev/reason'],
    gates: (p.spec?.schedulingGates ?? []).map((g) => g.name),
    image: p.spec?.containers[0]?.image ?? '',
  }));
}

/** Pods on a node arch their image lacks (they would crash with exec format error). */
export function misplaced(states: readonly PodState[], images: readonly GateImage[]): PodState[] {
  const archs = new Map(images.map((i) => [i.ref, i.archs]));
  return states.filter((s) => s.nodeArch !== undefined && !(archs.get(s.image) ?? []).includes(s.nodeArch));
}

/**
 * Waits until every pod of the namespace is bound, recording when each was first seen bound (polled every 250 ms,
 * so times are accurate to about that).
 */
export async function waitAllScheduled(core: CoreV1Api, namespace: string, count: number, timeoutMs: number): Promise<Map<string, number>> {
  const boundAt = new Map<string, number>();
  await waitFor(
    async () => {
      for (const p of (await core.listNamespacedPod({ namespace })).items) if (p.spec?.nodeName && !boundAt.has(p.metadata?.name ?? '')) boundAt.set(p.metadata?.name ?? '', Date.now());
      return boundAt.size >= count;
    },
    timeoutMs,
    { intervalMs: 250, message: `${count} pods in ${namespace} scheduled` },
  );
  return boundAt;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export async function podEvents(core: CoreV1Api, namespace: string, reason: string): Promise<CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === reason);
}

export async function namespaceWithSA(cluster: TestCluster, core: CoreV1Api, name: string): Promise<void> {
  await cluster.kubectl(['create', 'namespace', name], { check: true });
  await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), 60_000, { message: `ServiceAccount ${name}/default` });
}
