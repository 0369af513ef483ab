/**
 * End to end, placement: the archcheck chart installed on the test cluster (kube-apiserver, controller-manager and
 * scheduler built from source; kwok amd64 and arm64 nodes with AKS-like taints), the webhook running here under the
 * chart's ServiceAccount, images resolved from a real registry. Real objects go through the real API server, the
 * real controllers create the pods and the real scheduler places them; we look at where they landed.
 *
 * One cluster and one registry for the whole file; the webhook is restarted with other flags per describe.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/cluster.js';
import { pushStandardFixtures, type Fixtures } from '../registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, startClusterSerialized, type Any, type Archcheck } from './harness.js';
import {
  IGNORE_LABEL,
  applyWorkloads,
  daemonSetWorkload,
  deploymentWorkload,
  formatTable,
  incompatible,
  placements,
  podSpec,
  podsPerArch,
  sampleImages,
  summary,
  waitPlaced,
  workloadSet,
  type PlacementRow,
  type SampleImages,
} from './scenario.js';

const ARM64_TAINT_TOLERATION = expect.objectContaining({ key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' });
const ARMCTL_TOLERATION = expect.objectContaining({ key: 'node-role.vos/arm_controller', value: 'true', effect: 'NoSchedule' });

let cluster: TestCluster;
let registry: TestRegistry;
let fx: Fixtures;
let images: SampleImages;
let archcheck: Archcheck;
let core: CoreV1Api;
const started = Date.now();

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-placement' }), startRegistry({ name: 'e2e-placement', auth: 'token' })]);
  fx = await pushStandardFixtures(registry, { bigManifest: false });
  images = sampleImages(fx);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { config: { insecureRegistries: [registry.host] } } });
  await archcheck.startInProcess();
  console.log(`[e2e-placement] cluster, registry, chart and webhook ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000); // a cold machine builds the control plane first

afterAll(async () => {
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  console.log(`[e2e-placement] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

function requiredArchs(pod: V1Pod | Any): string[] | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Any[] | undefined;
  const values = terms?.map((t) => (t.matchExpressions as Any[] | undefined)?.find((e) => e.key === 'kubernetes.io/arch')?.values as string[] | undefined);
  return values?.[0];
}

async function podsOf(namespace: string, workloadLabel: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `e2e.archcheck.dev/workload=${workloadLabel}` })).items;
}

function rowsOf(rows: readonly PlacementRow[], workload: string): PlacementRow[] {
  const mine = rows.filter((r) => r.workload === workload);
  expect(mine.length, `pods of ${workload}`).toBeGreaterThan(0);
  return mine;
}

describe('the same workloads without archcheck and with it (chart defaults)', () => {
  const WITHOUT = 'report-without';
  const WITH = 'report-with';
  let without: PlacementRow[];
  let withArchcheck: PlacementRow[];

  beforeAll(async () => {
    const t0 = Date.now();
    // Namespace labelled archcheck.dev/ignore=true: the chart's namespaceSelector keeps the API server from ever
    // calling the webhook for it, so these pods are placed exactly as on a cluster without archcheck.
    await applyWorkloads(cluster, WITHOUT, workloadSet(WITHOUT, images), IGNORE_LABEL);
    await applyWorkloads(cluster, WITH, workloadSet(WITH, images));
    await Promise.all([waitPlaced(cluster, WITHOUT, workloadSet(WITHOUT, images)), waitPlaced(cluster, WITH, workloadSet(WITH, images))]);
    without = await placements(cluster, WITHOUT, images);
    withArchcheck = await placements(cluster, WITH, images);
    console.log(`[e2e-placement] workload set placed twice in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 300_000);

  it('prints the placement report: 0 incompatible placements with archcheck, and how many would crash without it', () => {
    console.log(`\nWithout archcheck (namespace ${WITHOUT}):\n${formatTable(without)}\n${summary(without)}\n`);
    console.log(`With archcheck (namespace ${WITH}):\n${formatTable(withArchcheck)}\n${summary(withArchcheck)}\n`);
    // Without: the webhook never saw these pods, and some landed where their images cannot run.
    expect(without.filter((r) => r.decision !== undefined)).toEqual([]);
    expect(incompatible(without).length).toBeGreaterThan(0);
    // With: every pod decided by archcheck, every pod placed, none where its images cannot run.
    expect(withArchcheck.filter((r) => r.node === '(pending)')).toEqual([]);
    expect(incompatible(withArchcheck)).toEqual([]);
    expect(withArchcheck.every((r) => r.decision === 'injected' || r.decision === 'kept')).toBe(true);
    // The same workloads in both runs.
    expect(new Set(withArchcheck.map((r) => r.workload))).toEqual(new Set(without.map((r) => r.workload)));
  });

  it('a multi-arch Deployment spreads over both pools, with the toleration for the arm64 pool taint injected', async () => {
    const perArch = podsPerArch(rowsOf(withArchcheck, 'Deployment/web'), 'Deployment/web');
    expect(perArch.amd64, JSON.stringify(perArch)).toBeGreaterThan(0);
    expect(perArch.arm64, JSON.stringify(perArch)).toBeGreaterThan(0);
    for (const pod of await podsOf(WITH, 'deployment.web')) {
      expect(requiredArchs(pod)).toEqual(['amd64', 'arm64']);
      expect(pod.spec?.tolerations).toContainEqual(ARM64_TAINT_TOLERATION);
      expect(pod.metadata?.annotations?.['archcheck.dev/archs']).toBe('amd64,arm64');
    }
  });

  it('an amd64-only Deployment never lands on arm64, even with an arm64 toleration', async () => {
    const rows = rowsOf(withArchcheck, 'Deployment/legacy-tolerant');
    expect(rows.map((r) => r.nodeArch)).toEqual(rows.map(() => 'amd64'));
    for (const pod of await podsOf(WITH, 'deployment.legacy-tolerant')) expect(requiredArchs(pod)).toEqual(['amd64']);
  });

  it('an arm64-only Deployment lands on the tainted arm64 pool (toleration injected)', async () => {
    const rows = rowsOf(withArchcheck, 'Deployment/arm-native');
    for (const r of rows) expect(r.node).toMatch(/^aks-armpool-/);
    for (const pod of await podsOf(WITH, 'deployment.arm-native')) {
      expect(requiredArchs(pod)).toEqual(['arm64']);
      expect(pod.spec?.tolerations).toContainEqual(ARM64_TAINT_TOLERATION);
    }
    // Without archcheck the same pods can only go to the untainted amd64 pool: every one of them would crash.
    expect(rowsOf(without, 'Deployment/arm-native').every((r) => r.nodeArch === 'amd64' && !r.compatible)).toBe(true);
  });

  it('a pod whose init container is amd64-only is amd64-only (Job with a multi-arch main container)', async () => {
    const [pod] = await podsOf(WITH, 'job.migrate');
    expect(requiredArchs(pod)).toEqual(['amd64']);
    expect(pod?.metadata?.annotations?.['archcheck.dev/archs']).toBe('amd64');
    expect(rowsOf(withArchcheck, 'Job/migrate').map((r) => r.nodeArch)).toEqual(['amd64']);
  });

  it('a StatefulSet ("aarch64" config) lands on arm64', () => {
    const rows = rowsOf(withArchcheck, 'StatefulSet/db');
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.nodeArch === 'arm64' && r.compatible)).toBe(true);
  });

  it('a CronJob: the Job it creates runs its arm64-only pod on arm64', async () => {
    const [pod] = await podsOf(WITH, 'cronjob.report');
    expect(pod?.metadata?.ownerReferences?.[0]?.kind).toBe('Job');
    expect(requiredArchs(pod)).toEqual(['arm64']);
    expect(rowsOf(withArchcheck, 'CronJob/report').map((r) => r.nodeArch)).toEqual(['arm64']);
  });

  it('a bare Pod with an arm64-only image lands on arm64', () => {
    expect(rowsOf(withArchcheck, 'Pod/debug').map((r) => [r.nodeArch, r.compatible])).toEqual([['arm64', true]]);
  });

  it('a DaemonSet: its template is mutated, so the controller creates no pods on incompatible nodes', async () => {
    // amd64-only agent tolerating every taint: one pod per amd64 node, none on the three arm64 nodes.
    expect(podsPerArch(rowsOf(withArchcheck, 'DaemonSet/log-agent'), 'DaemonSet/log-agent')).toEqual({ amd64: 2, arm64: 0 });
    expect(podsPerArch(rowsOf(without, 'DaemonSet/log-agent'), 'DaemonSet/log-agent')).toEqual({ amd64: 2, arm64: 3 });
    const ds = (await cluster.kubectl(['-n', WITH, 'get', 'daemonset', 'log-agent', '-o', 'json'], { check: true })).stdout;
    const parsed = JSON.parse(ds) as Any;
    expect(requiredArchs(parsed.spec.template)).toEqual(['amd64']);
    expect(parsed.status.desiredNumberScheduled).toBe(2);
    // The pods carry what archcheck wrote into the template (the chart's matchConditions keep DaemonSet pods
    // themselves away from /mutate: a patched pod on a wrong-arch node would sit Pending forever).
    expect(parsed.spec.template.metadata.annotations?.['archcheck.dev/decision']).toBe('injected');
    for (const pod of await podsOf(WITH, 'daemonset.log-agent')) {
      expect(pod.metadata?.annotations?.['archcheck.dev/archs']).toBe('amd64');
      expect(pod.spec?.nodeName).toMatch(/^aks-amdpool-/);
    }
  });

  it('the webhook read nodes, namespaces and secrets with the chart RBAC only, and was never refused', () => {
    expect(archcheck.forbiddenLines()).toEqual([]);
  });
});

/** A Deployment of `replicas` pods of `image` in a fresh namespace; resolves with its placed rows. */
async function placeDeployment(namespace: string, name: string, image: string, replicas: number): Promise<PlacementRow[]> {
  const set = [deploymentWorkload(namespace, name, replicas, podSpec([image]))];
  await applyWorkloads(cluster, namespace, set);
  await waitPlaced(cluster, namespace, set);
  return placements(cluster, namespace, images);
}

describe('--prefer arm64=100', () => {
  beforeAll(async () => {
    await archcheck.restart(['--prefer', 'arm64=100']);
  }, 120_000);

  it('a multi-arch Deployment prefers arm64: most replicas on the arm64 pool', async () => {
    const rows = await placeDeployment('prefer', 'web-prefer', images.buildx.ref, 6);
    console.log(`\n--prefer arm64=100:\n${formatTable(rows)}\n`);
    const perArch = podsPerArch(rows, 'Deployment/web-prefer');
    expect(perArch.arm64, JSON.stringify(perArch)).toBeGreaterThan(perArch.amd64 ?? 0);
    expect(incompatible(rows)).toEqual([]);
    const [pod] = await podsOf('prefer', 'deployment.web-prefer');
    expect(pod?.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toContainEqual(
      expect.objectContaining({ weight: 100, preference: { matchExpressions: [expect.objectContaining({ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] })] } }),
    );
  }, 120_000);

  it('an amd64-only Deployment is not pulled towards arm64 by the preference', async () => {
    const rows = await placeDeployment('prefer-amd', 'legacy-prefer', images.amd64.ref, 3);
    expect(podsPerArch(rows, 'Deployment/legacy-prefer')).toEqual({ amd64: 3, arm64: 0 });
  }, 120_000);
});

describe('--arch-taint arm64=node-role.vos/arm_controller=true:NoSchedule', () => {
  const NS = 'armctl';
  beforeAll(async () => {
    await archcheck.restart(['--arch-taint', 'arm64=node-role.vos/arm_controller=true:NoSchedule']);
  }, 120_000);

  it('arm64 pods tolerate the custom taint too and reach the armctl node', async () => {
    // No tolerations of its own: archcheck adds both.
    const set = [daemonSetWorkload(NS, 'arm-agent', podSpec([images.arm64.ref]))];
    await applyWorkloads(cluster, NS, set);
    await waitPlaced(cluster, NS, set);
    const rows = await placements(cluster, NS, images);
    console.log(`\n--arch-taint (armctl):\n${formatTable(rows)}\n`);
    expect(rows.map((r) => r.node).sort()).toEqual(['aks-armctl-0', 'aks-armpool-0', 'aks-armpool-1']);
    expect(incompatible(rows)).toEqual([]);
    const template = JSON.parse((await cluster.kubectl(['-n', NS, 'get', 'daemonset', 'arm-agent', '-o', 'json'], { check: true })).stdout) as Any;
    expect(template.spec.template.spec.tolerations).toEqual(expect.arrayContaining([ARM64_TAINT_TOLERATION, ARMCTL_TOLERATION]));

    // A Deployment's pods get both tolerations as well; with six replicas the scheduler spreads onto armctl.
    const deploymentRows = await placeDeployment('armctl-deploy', 'arm-web', images.arm64.ref, 6);
    expect(deploymentRows.every((r) => r.nodeArch === 'arm64')).toBe(true);
    expect(deploymentRows.map((r) => r.node)).toContain('aks-armctl-0');
    const [pod] = await podsOf('armctl-deploy', 'deployment.arm-web');
    expect(pod?.spec?.tolerations).toEqual(expect.arrayContaining([ARM64_TAINT_TOLERATION, ARMCTL_TOLERATION]));
  }, 180_000);
});
