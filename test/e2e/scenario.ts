/**
 * The placement scenario: one set of everyday workloads (Deployments, a StatefulSet, a DaemonSet, a Job, a CronJob,
 * a bare Pod) built from the registry fixtures, applied to a namespace, and the placement report: for every pod,
 * which images it runs, which node the real scheduler put it on, and whether the images run on that node's arch
 * (truth from the fixtures' pushed configs and the Node objects, never from archcheck).
 *
 * Used by test/e2e/placement.test.ts (without and with the webhook) and scripts/demo.ts.
 */
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { TestCluster } from '../cluster/cluster.js';
import { waitFor } from '../cluster/cluster.js';
import type { Fixtures, ImageFixture } from '../registry/fixtures.js';
import { kubectlApply, type Any } from './harness.js';

/** Label on every pod template of the scenario: the workload it belongs to (`<kind>.<name>`). */
export const WORKLOAD_LABEL = 'e2e.archcheck.dev/workload';
/** Namespaces with this label are never sent to the webhook (the chart's namespaceSelector). */
export const IGNORE_LABEL = { 'archcheck.dev/ignore': 'true' };

export interface SampleImage {
  ref: string;
  /** Linux platforms from the pushed configs, e.g. ['linux/amd64', 'linux/arm64']. */
  platforms: string[];
  /** Linux architectures (no variants), e.g. ['amd64', 'arm64']. */
  archs: string[];
}

export interface SampleImages {
  /** Docker manifest list: amd64, arm64/v8, arm/v7, 386 (official-image style). */
  multi: SampleImage;
  /** buildx OCI index amd64 + arm64 with attestation manifests. */
  buildx: SampleImage;
  /** amd64 only (Docker v2 manifest). */
  amd64: SampleImage;
  /** arm64 only, known only from the config blob. */
  arm64: SampleImage;
  /** arm64 only, config architecture "aarch64". */
  aarch64: SampleImage;
}

export function sampleImage(f: ImageFixture): SampleImage {
  const platforms = f.expected.platformStrings.filter((p) => p.startsWith('linux/'));
  return { ref: f.ref, platforms, archs: [...new Set(platforms.map((p) => p.split('/')[1] ?? ''))].sort() };
}

export function sampleImages(fx: Fixtures): SampleImages {
  return {
    multi: sampleImage(fx.multi),
    buildx: sampleImage(fx.buildx),
    amd64: sampleImage(fx.singleAmd64),
    arm64: sampleImage(fx.singleArm64),
    aarch64: sampleImage(fx.singleAarch64),
  };
}

export interface ScenarioWorkload {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'Pod';
  name: string;
  /** Why it is in the set (printed by the demo). */
  story: string;
  /** Pods expected (DaemonSets: decided by the controller, see waitPlaced). */
  pods?: number;
  object: Any;
}

const ARM64_TOLERATION = { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' };

/** A pod spec with one container per image (`c0`, `c1`, …) and optional init containers. */
export function podSpec(images: string[], extra: Record<string, unknown> = {}, initImages: string[] = []): Any {
  return {
    ...(initImages.length > 0 && { initContainers: initImages.map((image, i) => ({ name: `init${i}`, image })) }),
    containers: images.map((image, i) => ({ name: `c${i}`, image })),
    terminationGracePeriodSeconds: 0,
    ...extra,
  };
}

function labelValue(kind: string, name: string): string {
  return `${kind.toLowerCase()}.${name}`;
}

function template(kind: string, name: string, spec: Any): Any {
  return { metadata: { labels: { [WORKLOAD_LABEL]: labelValue(kind, name) } }, spec };
}

function selector(kind: string, name: string): Any {
  return { matchLabels: { [WORKLOAD_LABEL]: labelValue(kind, name) } };
}

export function deploymentWorkload(namespace: string, name: string, replicas: number, spec: Any, story = ''): ScenarioWorkload {
  return {
    kind: 'Deployment',
    name,
    story,
    pods: replicas,
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas, selector: selector('Deployment', name), template: template('Deployment', name, spec) } },
  };
}

export function daemonSetWorkload(namespace: string, name: string, spec: Any, story = ''): ScenarioWorkload {
  return {
    kind: 'DaemonSet',
    name,
    story,
    object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace }, spec: { selector: selector('DaemonSet', name), template: template('DaemonSet', name, spec) } },
  };
}

/** The workload set: what people deploy every day, including the mistakes that break on a mixed cluster. */
export function workloadSet(namespace: string, img: SampleImages): ScenarioWorkload[] {
  const meta = (name: string) => ({ name, namespace });
  return [
    deploymentWorkload(namespace, 'web', 4, podSpec([img.buildx.ref]), 'multi-arch (buildx, with attestations): may run anywhere'),
    deploymentWorkload(
      namespace,
      'legacy-tolerant',
      4,
      podSpec([img.amd64.ref], { tolerations: [ARM64_TOLERATION] }),
      'amd64-only, with an arm64 toleration copied from another chart',
    ),
    deploymentWorkload(namespace, 'arm-native', 2, podSpec([img.arm64.ref]), 'arm64-only (arch only in the config blob), no constraints'),
    {
      kind: 'StatefulSet',
      name: 'db',
      story: 'arm64-only ("aarch64" in its config), no constraints',
      pods: 2,
      object: {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta('db'),
        spec: { replicas: 2, podManagementPolicy: 'Parallel', serviceName: 'db', selector: selector('StatefulSet', 'db'), template: template('StatefulSet', 'db', podSpec([img.aarch64.ref])) },
      },
    },
    daemonSetWorkload(namespace, 'log-agent', podSpec([img.amd64.ref], { tolerations: [{ operator: 'Exists' }] }), 'amd64-only agent tolerating every taint'),
    {
      kind: 'Job',
      name: 'migrate',
      story: 'multi-arch main container, amd64-only init container, arm64 toleration',
      pods: 1,
      object: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta('migrate'),
        spec: { backoffLimit: 0, template: template('Job', 'migrate', podSpec([img.multi.ref], { restartPolicy: 'Never', tolerations: [ARM64_TOLERATION] }, [img.amd64.ref])) },
      },
    },
    {
      kind: 'CronJob',
      name: 'report',
      story: 'arm64-only nightly job (run now with kubectl create job --from)',
      pods: 1,
      object: {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta('report'),
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: { spec: { backoffLimit: 0, template: template('CronJob', 'report', podSpec([img.aarch64.ref], { restartPolicy: 'Never' })) } },
        },
      },
    },
    {
      kind: 'Pod',
      name: 'debug',
      story: 'bare pod, arm64-only tool image',
      pods: 1,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta('debug'), labels: { [WORKLOAD_LABEL]: labelValue('Pod', 'debug') } }, spec: podSpec([img.arm64.ref]) },
    },
  ];
}

/** Creates the namespace (labels given) if missing, applies the set, and runs the CronJob once. */
export async function applyWorkloads(cluster: TestCluster, namespace: string, set: readonly ScenarioWorkload[], labels: Record<string, string> = {}): Promise<void> {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } };
  const nsResult = await kubectlApply(cluster, [ns]);
  if (nsResult.code !== 0) throw new Error(`namespace ${namespace}: ${nsResult.stderr}`);
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace }), 60_000, { message: `ServiceAccount ${namespace}/default` });
  const r = await kubectlApply(cluster, set.map((w) => w.object));
  if (r.code !== 0) throw new Error(`applying the workload set to ${namespace} failed: ${r.stderr}`);
  for (const w of set.filter((x) => x.kind === 'CronJob')) {
    await cluster.kubectl(['-n', namespace, 'create', 'job', `${w.name}-now`, `--from=cronjob/${w.name}`], { check: true });
  }
}

function workloadOf(pod: V1Pod): string {
  const label = pod.metadata?.labels?.[WORKLOAD_LABEL] ?? '';
  const dot = label.indexOf('.');
  const kinds: Record<string, string> = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet', job: 'Job', cronjob: 'CronJob', pod: 'Pod' };
  return dot > 0 ? `${kinds[label.slice(0, dot)] ?? label.slice(0, dot)}/${label.slice(dot + 1)}` : `Pod/${pod.metadata?.name ?? '?'}`;
}

/**
 * Waits until every workload has all its pods bound to nodes: the expected count for most kinds, and for
 * DaemonSets the number the controller decided (status.desiredNumberScheduled, from the template's affinity).
 */
export async function waitPlaced(cluster: TestCluster, namespace: string, set: readonly ScenarioWorkload[], timeoutMs = 120_000): Promise<void> {
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  const apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
  let gaps: string[] = [];
  try {
    await waitFor(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace })).items;
        gaps = (await Promise.all(set.map((w) => placementGap(apps, namespace, w, pods)))).filter((g): g is string => g !== undefined);
        return gaps.length === 0;
      },
      timeoutMs,
      { intervalMs: 500 },
    );
  } catch (e) {
    throw new Error(`not every workload in ${namespace} was placed: ${gaps.join('; ')} (${(e as Error).message})`);
  }
}

/** What is still missing for one workload, or undefined when all its pods are bound to nodes. */
async function placementGap(apps: AppsV1Api, namespace: string, w: ScenarioWorkload, pods: readonly V1Pod[]): Promise<string | undefined> {
  let want = w.pods ?? 0;
  if (w.kind === 'DaemonSet') {
    const ds = await apps.readNamespacedDaemonSet({ name: w.name, namespace });
    const desired = ds.status?.desiredNumberScheduled ?? 0;
    if ((ds.status?.observedGeneration ?? 0) < (ds.metadata?.generation ?? 1) || desired === 0) return `${w.kind}/${w.name}: controller not settled`;
    want = desired;
  }
  const mine = pods.filter((p) => workloadOf(p) === `${w.kind}/${w.name}`);
  const placed = mine.filter((p) => p.spec?.nodeName).length;
  return mine.length === want && placed === want ? undefined : `${w.kind}/${w.name}: ${placed} of ${want} placed (${mine.length} pods)`;
}

export interface PlacementRow {
  workload: string;
  pod: string;
  images: string[];
  /** Architectures every image of the pod runs on (intersection). */
  archs: string[];
  node: string;
  nodeArch: string;
  compatible: boolean;
  /** archcheck's own annotation on the pod, if any. */
  decision: string | undefined;
}

/** One row per pod of the namespace: where it landed and whether its images run there. */
export async function placements(cluster: TestCluster, namespace: string, images: SampleImages): Promise<PlacementRow[]> {
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  const nodeArch = new Map((await core.listNode()).items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.['kubernetes.io/arch'] ?? '?']));
  const known = new Map(Object.values(images).map((i: SampleImage) => [i.ref, i.archs]));
  const pods = (await core.listNamespacedPod({ namespace })).items;
  const rows = pods.map((pod) => placementRow(pod, known, nodeArch));
  return rows.sort((a, b) => a.workload.localeCompare(b.workload) || a.node.localeCompare(b.node) || a.pod.localeCompare(b.pod));
}

function placementRow(pod: V1Pod, known: ReadonlyMap<string, string[]>, nodeArch: ReadonlyMap<string, string>): PlacementRow {
  const spec = pod.spec ?? { containers: [] };
  const refs = [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.image ?? '');
  const sets = refs.map((r) => known.get(r) ?? []);
  const archs = (sets[0] ?? []).filter((a) => sets.every((s) => s.includes(a)));
  const node = spec.nodeName;
  if (!node) return { workload: workloadOf(pod), pod: pod.metadata?.name ?? '', images: refs, archs, node: '(pending)', nodeArch: '-', compatible: false, decision: decisionOf(pod) };
  const arch = nodeArch.get(node) ?? '?';
  return { workload: workloadOf(pod), pod: pod.metadata?.name ?? '', images: refs, archs, node, nodeArch: arch, compatible: archs.includes(arch), decision: decisionOf(pod) };
}

function decisionOf(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.['archcheck.dev/decision'];
}

/** Pods on a node whose arch one of their images lacks: each one would crash with `exec format error`. */
export function incompatible(rows: readonly PlacementRow[]): PlacementRow[] {
  return rows.filter((r) => r.node !== '(pending)' && !r.compatible);
}

export function formatTable(rows: readonly PlacementRow[]): string {
  const header = ['WORKLOAD', 'IMAGE ARCHS', 'POD', 'NODE', 'NODE ARCH', 'COMPATIBLE?'];
  const body = rows.map((r) => [
    r.workload,
    r.archs.join(',') || '(none)',
    r.pod,
    r.node,
    r.nodeArch,
    r.node === '(pending)' ? 'pending' : r.compatible ? 'yes' : 'NO: exec format error',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  return [header, ...body].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** Pods per node arch for one workload: `{ amd64: 2, arm64: 0 }`. */
export function podsPerArch(rows: readonly PlacementRow[], workload: string): Record<string, number> {
  const out: Record<string, number> = { amd64: 0, arm64: 0 };
  for (const r of rows.filter((x) => x.workload === workload)) out[r.nodeArch] = (out[r.nodeArch] ?? 0) + 1;
  return out;
}

export function summary(rows: readonly PlacementRow[]): string {
  const bad = incompatible(rows);
  const workloads = new Set(bad.map((r) => r.workload));
  return bad.length === 0
    ? `${rows.length} pods, 0 on a node whose arch their images lack`
    : `${rows.length} pods, ${bad.length} on a node whose arch their images lack (would crash with "exec format error"), in ${workloads.size} workloads: ${[...workloads].join(', ')}`;
}
