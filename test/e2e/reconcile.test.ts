/**
 * End to end, the escaped-pod reconciler on the real API server, scheduler and kwok nodes with the real registry:
 * the chart is installed but no webhook replica runs (the API server's calls fail and, failurePolicy Ignore, the pods
 * are admitted unprotected); 50 pods are created, some land on a node arch their image lacks; then the webhook comes
 * back and its first reconciler pass finds every one of them and reports the broken and at-risk ones (Events, the
 * gauge archcheck_escaped_pods, log lines). Truth comes from the pushed image configs and the Node objects.
 */
import { writeFileSync } from 'node:fs';
import { AppsV1Api, CoreV1Api, PolicyV1Api, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, waitFor, type TestCluster } from '../cluster/cluster.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, startClusterSerialized, type Archcheck } from './harness.js';
import { createPods, gatePod, misplaced, namespaceWithSA, podEvents, podStates, pushGateImages, waitAllScheduled, type GateImage } from './gate-scenario.js';
import { podSpec } from './scenario.js';

const PODS = 50;
/** Pods held back by a gate of someone else's: never scheduled, so the reconciler judges where they may land. */
const HELD = 6;
const HOLD_GATE = 'e2e.archcheck.dev/hold';
const PERIOD = '60s';
const TEST_MS = 300_000;

let cluster: TestCluster;
let registry: TestRegistry;
let archcheck: Archcheck;
let core: CoreV1Api;

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-reconcile' }), startRegistry({ name: 'e2e-reconcile' })]);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { config: { onUnresolved: 'gate', reconcile: true, insecureRegistries: [registry.host] } } });
}, 1_800_000);

afterAll(async () => {
  if (process.env.ARCHCHECK_E2E_LOG_FILE && archcheck) writeFileSync(process.env.ARCHCHECK_E2E_LOG_FILE, archcheck.logs.join('\n'));
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
}, 180_000);

function held(pod: V1Pod): V1Pod {
  return { ...pod, spec: { ...pod.spec!, schedulingGates: [{ name: HOLD_GATE }] } };
}

/** Events are written by a queued recorder after the pass: wait until `count` pods have one, then return them. */
async function eventsFor(namespace: string, reason: string, count: number) {
  return waitFor(
    async () => {
      const events = await podEvents(core, namespace, reason);
      return new Set(events.map((e) => e.involvedObject?.name)).size >= count ? events : undefined;
    },
    60_000,
    { message: `${count} pods with a ${reason} Event in ${namespace}`, intervalMs: 250 },
  );
}

async function metricValues(name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${archcheck.current!.webhook!.metricsUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${name}\\{status="([^"]+)"\\} (\\S+)$`, 'gm'))) out[m[1]!] = Number(m[2]);
  return out;
}

describe('escaped-pod reconciler', () => {
  it(`every webhook replica away, ${PODS} pods created, webhook back: its first pass finds all ${PODS} and reports the broken and at-risk ones`, async () => {
    const NS = 'escaped';
    await namespaceWithSA(cluster, core, NS);
    const images: GateImage[] = await pushGateImages(registry, registry.host, 'escaped', 6);
    const pods = Array.from({ length: PODS }, (_, i) => {
      const pod = gatePod(NS, `p${String(i).padStart(3, '0')}`, images[i % images.length]!);
      return i < HELD ? held(pod) : pod;
    });
    // No webhook runs: the API server cannot reach it and admits every pod unchanged (failurePolicy Ignore).
    expect(archcheck.current).toBeUndefined();
    await createPods(core, pods);
    // Opted out with the chart's ignore label: never the webhook's, so never an escaped pod either.
    await createNamespace(cluster, 'ignored', { 'archcheck.dev/ignore': 'true' });
    await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: 'ignored' }), 60_000, { message: 'ServiceAccount ignored/default' });
    await createPods(core, [gatePod('ignored', 'opted-out', images[0]!)]);
    await waitAllScheduled(core, NS, PODS - HELD, TEST_MS);
    const states = await podStates(core, NS);
    expect(states.filter((s) => s.decision !== undefined)).toEqual([]);
    const broken = misplaced(states, images).map((s) => s.name).sort();
    const archsOf = new Map(images.map((i) => [i.ref, i.archs]));
    // Held pods tolerate every arch taint: single-arch ones may land on the other arch.
    const atRisk = states.filter((s) => s.node === undefined && archsOf.get(s.image)!.length === 1).map((s) => s.name).sort();
    console.log(`[e2e-reconcile] ${PODS} pods without archcheck: ${broken.length} on a node arch their image lacks, ${atRisk.length} held and at risk`);
    expect(broken.length).toBeGreaterThan(0); // the scheduler spread single-arch images over both archs

    await archcheck.startInProcess(['--reconcile', 'true', '--reconcile-period', PERIOD, '--log-level', 'info']);
    const controllers = archcheck.current!.webhook!.controllers!;
    await waitFor(() => controllers.isLeader(), 60_000, { message: 'the webhook leads the controllers' });
    const pass = await waitFor(() => controllers.reconciler?.lastPass(), TEST_MS, { message: 'the first reconciler pass' });
    // The first pass (it runs when a replica becomes leader, so within one period) found every escaped pod.
    expect(pass.passes).toBe(1);
    expect(pass.escaped).toBe(PODS);
    expect(pass.byStatus).toEqual({ broken: broken.length, 'at-risk': atRisk.length, unknown: 0, ok: PODS - broken.length - atRisk.length });

    expect(await metricValues('archcheck_escaped_pods')).toEqual({ broken: broken.length, 'at-risk': atRisk.length, unknown: 0, ok: PODS - broken.length - atRisk.length });
    const brokenEvents = await eventsFor(NS, 'ArchcheckEscapedBroken', broken.length);
    expect(brokenEvents.map((e) => e.involvedObject.name).sort()).toEqual(broken);
    expect(brokenEvents[0]?.type).toBe('Warning');
    expect(brokenEvents[0]?.message).toMatch(/never checked by archcheck and runs on (amd64|arm64) node .* have no build for \(exec format error\)\. Fix: /);
    expect((await eventsFor(NS, 'ArchcheckEscapedAtRisk', atRisk.length)).map((e) => e.involvedObject.name).sort()).toEqual(atRisk);
    const lines = archcheck.logs.filter((l) => l.includes('"msg":"escaped pod: ') && l.includes('"status":"broken"'));
    expect(lines.map((l) => (JSON.parse(l) as { pod: string }).pod).sort()).toEqual(broken.map((n) => `${NS}/${n}`));
    expect(archcheck.forbiddenLines()).toEqual([]);
  }, TEST_MS);

  it('reconcileEvictBroken: a broken, crash-looping escaped pod of a ReplicaSet is evicted and comes back placed by the webhook; a PodDisruptionBudget keeps another', async () => {
    const NS = 'escaped-evict';
    await archcheck.stopWebhook();
    await archcheck.upgrade(['config.reconcileEvictBroken=true']); // the chart's RBAC gains pods/eviction create
    await namespaceWithSA(cluster, core, NS);
    const [amdOnly] = await pushGateImages(registry, registry.host, 'evict', 1);
    // Without the webhook, nothing keeps an amd64-only image off arm64: the template prefers arm64.
    const preferArm = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] } }] } };
    const replicaSet = (name: string): V1ReplicaSet => ({
      metadata: { name, namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: podSpec([amdOnly!.ref], { affinity: preferArm, tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }) },
      },
    });
    const apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedReplicaSet({ namespace: NS, body: replicaSet('legacy') });
    await apps.createNamespacedReplicaSet({ namespace: NS, body: replicaSet('guarded') });
    await cluster.kubeConfig().makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: 'guarded' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } } });
    const running = await waitFor(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: NS })).items;
        return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
      },
      120_000,
      { message: 'both escaped pods running' },
    );
    const states = await podStates(core, NS);
    expect(states.map((s) => s.nodeArch)).toEqual(['arm64', 'arm64']);
    // What the kubelet reports for an amd64 binary on an arm64 node (exec format error, restarting).
    for (const pod of running) {
      const status = { containerStatuses: [{ name: 'c0', image: amdOnly!.ref, imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 255, reason: 'Error' } } }] };
      await cluster.kubectl(['-n', NS, 'patch', 'pod', pod.metadata!.name!, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], { check: true });
    }
    const legacyPod = running.find((p) => p.metadata!.labels!.app === 'legacy')!.metadata!.name!;
    const guardedPod = running.find((p) => p.metadata!.labels!.app === 'guarded')!.metadata!.name!;

    await archcheck.startInProcess(['--reconcile', 'true', '--reconcile-period', '2s', '--reconcile-evict-broken', 'true', '--log-level', 'info']);
    const replacement = await waitFor(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=legacy' })).items;
        return pods.find((p) => p.metadata!.name !== legacyPod && p.spec?.nodeName);
      },
      TEST_MS,
      { message: 'the ReplicaSet replaced the evicted pod' },
    );
    expect(replacement.metadata?.annotations?.['archcheck.dev/decision']).toBe('injected');
    expect((await podStates(core, NS)).find((s) => s.name === replacement.metadata!.name)?.nodeArch).toBe('amd64');
    const evicted = await eventsFor(NS, 'ArchcheckEvicted', 1);
    expect(evicted.map((e) => e.involvedObject.name)).toEqual([legacyPod]);
    // The budget allows no disruption: the guarded pod stays, reported broken, the refusal logged.
    await waitFor(() => archcheck.logs.some((l) => l.includes('eviction refused') && l.includes(guardedPod)), 60_000, { message: 'the eviction of the guarded pod refused' });
    expect((await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=guarded' })).items.map((p) => p.metadata!.name)).toEqual([guardedPod]);
    expect((await eventsFor(NS, 'ArchcheckEscapedBroken', 2)).map((e) => e.involvedObject.name).sort()).toEqual([guardedPod, legacyPod].sort());
    expect(archcheck.forbiddenLines()).toEqual([]);
  }, TEST_MS);
});
