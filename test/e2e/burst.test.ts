/**
 * A burst of pods through the real kube-apiserver with the webhook registered under `admission.failurePolicy: Fail`
 * (issue 12 item 7): first with an empty registry cache (cold), then the same images again (warm). What a user
 * checks: every pod created, every pod carries an archcheck decision, none sits on a node arch its image cannot run
 * on, the webhook answered no admission with an error, and the registry saw one read per distinct image, not one
 * per pod. The webhook's own p99 admission latency (from its /metrics histogram) is printed for RELIABILITY.md.
 *
 * ARCHCHECK_BURST_PODS pods per phase (default 300, what CI runs; RELIABILITY.md records a 1,000-pod run).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARM64_TAINT, type NodeSpec, type TestCluster } from '../cluster/cluster.js';
import { startCountingProxy, type CountingProxy } from '../registry/counting-proxy.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { createPods, gatePod, misplaced, namespaceWithSA, podStates, pushGateImages, waitAllScheduled, type GateImage } from './gate-scenario.js';
import { installArchcheck, startClusterSerialized, type Archcheck } from './harness.js';
import { histogramQuantile, sampleValues } from './prometheus-text.js';

const PODS = Number(process.env.ARCHCHECK_BURST_PODS ?? 300);
const IMAGES = 12;
/** Creates in flight at once: about what a few busy controllers send. */
const PARALLEL = 20;
const TEST_MS = 600_000;

/** Room for two bursts of every pod on either arch (kwok nodes run nothing; only the pod count limits them). */
const NODES: readonly NodeSpec[] = [
  { name: 'burst-amd-0', arch: 'amd64', pool: 'amdpool', instanceType: 'Standard_D16s_v5', pods: String(PODS * 2) },
  { name: 'burst-amd-1', arch: 'amd64', pool: 'amdpool', instanceType: 'Standard_D16s_v5', pods: String(PODS * 2) },
  { name: 'burst-arm-0', arch: 'arm64', pool: 'armpool', instanceType: 'Standard_D16ps_v5', pods: String(PODS * 2), taints: [ARM64_TAINT] },
  { name: 'burst-arm-1', arch: 'arm64', pool: 'armpool', instanceType: 'Standard_D16ps_v5', pods: String(PODS * 2), taints: [ARM64_TAINT] },
];

let cluster: TestCluster;
let registry: TestRegistry;
let proxy: CountingProxy;
let archcheck: Archcheck;
let core: CoreV1Api;
let images: GateImage[];
const started = Date.now();

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-burst', nodes: NODES }), startRegistry({ name: 'e2e-burst' })]);
  proxy = await startCountingProxy(registry.url);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { admission: { failurePolicy: 'Fail' }, config: { insecureRegistries: [proxy.host] } } });
  await archcheck.startInProcess(['--log-level', 'warn']);
  images = await pushGateImages(registry, proxy.host, 'burst', IMAGES);
  console.log(`[e2e-burst] ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000);

afterAll(async () => {
  await archcheck?.stop();
  await proxy?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  console.log(`[e2e-burst] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

async function webhookMetrics(): Promise<string> {
  const res = await fetch(`${archcheck.current!.webhook!.metricsUrl}/metrics`);
  return res.text();
}

/** Creates PODS pods over the images in `namespace`, waits until all are bound, checks what a user would. */
async function burst(namespace: string): Promise<{ createSeconds: number; scheduledSeconds: number }> {
  await namespaceWithSA(cluster, core, namespace);
  const pods = Array.from({ length: PODS }, (_, i) => gatePod(namespace, `b${String(i).padStart(4, '0')}`, images[i % images.length]!));
  const t0 = Date.now();
  await createPods(core, pods, PARALLEL); // any refused create (failurePolicy Fail) throws here
  const createSeconds = (Date.now() - t0) / 1000;
  await waitAllScheduled(core, namespace, PODS, TEST_MS);
  const scheduledSeconds = (Date.now() - t0) / 1000;
  const states = await podStates(core, namespace);
  expect(states).toHaveLength(PODS);
  expect(states.filter((s) => s.decision !== 'injected')).toEqual([]);
  expect(misplaced(states, images)).toEqual([]);
  return { createSeconds, scheduledSeconds };
}

const manifestGetsByTag = () => proxy.requests.filter((r) => r.kind === 'manifest' && r.method === 'GET' && r.reference === '1').length;

/** One line for RELIABILITY.md; latencies from the webhook's histogram, only what this phase observed. */
function report(phase: string, t: { createSeconds: number; scheduledSeconds: number }, metrics: string, before: string): string {
  const ms = (q: number) => (histogramQuantile(metrics, 'controller_runtime_webhook_latency_seconds', { webhook: '/mutate' }, q, before) * 1000).toFixed(1);
  return `${phase}: ${PODS} pods created in ${t.createSeconds.toFixed(1)} s (${(PODS / t.createSeconds).toFixed(0)}/s), all bound after ${t.scheduledSeconds.toFixed(1)} s; registry requests ${proxy.count()} (manifest GETs by tag ${manifestGetsByTag()}); webhook /mutate latency p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms`;
}

describe(`a burst of ${PODS} pods through the real API server (failurePolicy Fail)`, () => {
  it('cold cache: every pod admitted with a decision, none misplaced, one tag read per distinct image', async () => {
    proxy.reset();
    const before = await webhookMetrics();
    const t = await burst('burst-cold');
    const metrics = await webhookMetrics();
    console.log(`[e2e-burst] ${report('cold', t, metrics, before)}`);
    expect(manifestGetsByTag()).toBe(IMAGES);
    // Per image: the manifest (its config) or the index (labelled entries, nothing more) — never per pod.
    expect(proxy.count()).toBeLessThanOrEqual(IMAGES * 2);
    expect(sampleValues(metrics, 'controller_runtime_webhook_requests_total', { webhook: '/mutate' }).filter((s) => s.labels.code !== '200')).toEqual([]);
  }, TEST_MS);

  it('warm cache: the same images again need no registry manifest read by tag', async () => {
    proxy.reset();
    const before = await webhookMetrics();
    const t = await burst('burst-warm');
    const metrics = await webhookMetrics();
    console.log(`[e2e-burst] ${report('warm', t, metrics, before)}`);
    expect(manifestGetsByTag()).toBe(0);
    expect(proxy.count()).toBeLessThanOrEqual(IMAGES); // at most a revalidation per image
    const mutate = sampleValues(metrics, 'controller_runtime_webhook_requests_total', { webhook: '/mutate' });
    expect(mutate.filter((s) => s.labels.code !== '200')).toEqual([]);
    expect(mutate.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(PODS * 2);
  }, TEST_MS);
});
