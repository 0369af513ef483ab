/**
 * End to end, the gate (onUnresolved: gate) on the real API server, scheduler and kwok nodes, with
 * the real registry behind the fault-injecting proxy: a burst of pods while every manifest answer is slower than the
 * admission deadline, the registry down then back, and the gate timeout. Images are fresh per test, so no cache answers for them.
 */
import { writeFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestCluster } from '../cluster/cluster.js';
import { startCountingProxy, type CountingProxy } from '../registry/counting-proxy.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, startClusterSerialized, type Archcheck } from './harness.js';
import { createPods, gatePod, misplaced, namespaceWithSA, percentile, podEvents, podStates, pushGateImages, waitAllScheduled, type GateImage } from './gate-scenario.js';

/** Scaled down from the 300 pods over 30 images: the test machine has 2 cores shared with other work. */
const BURST_PODS = Number(process.env.ARCHCHECK_GATE_BURST_PODS ?? 30);
const BURST_IMAGES = Number(process.env.ARCHCHECK_GATE_BURST_IMAGES ?? 6);
const ADMISSION_MS = 1_000;
const SLOW_MS = 2_500;
const TEST_MS = Number(process.env.ARCHCHECK_GATE_TEST_MS ?? 300_000);

let cluster: TestCluster;
let registry: TestRegistry;
let proxy: CountingProxy;
let archcheck: Archcheck;
let core: CoreV1Api;
const started = Date.now();
const FLAGS = ['--on-unresolved', 'gate', '--resolve-timeout', `${ADMISSION_MS}ms`, '--log-level', process.env.ARCHCHECK_GATE_LOG_LEVEL ?? 'warn'];

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-gate' }), startRegistry({ name: 'e2e-gate' })]);
  proxy = await startCountingProxy(registry.url);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { config: { onUnresolved: 'gate', insecureRegistries: [proxy.host] } } });
  await archcheck.startInProcess(FLAGS);
  await waitLeader();
  console.log(`[e2e-gate] ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000);

afterAll(async () => {
  // The webhook's own log lines, for a failed run (ARCHCHECK_E2E_LOG_FILE=/tmp/x.log).
  if (process.env.ARCHCHECK_E2E_LOG_FILE && archcheck) writeFileSync(process.env.ARCHCHECK_E2E_LOG_FILE, archcheck.logs.join('\n'));
  await archcheck?.stop();
  await proxy?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  console.log(`[e2e-gate] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

async function waitLeader(): Promise<void> {
  try {
    await waitFor(() => archcheck.current?.webhook?.controllers?.isLeader(), 60_000, { message: 'the webhook leads the gate controller' });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${archcheck.logs.slice(-5).join('\n')}`);
  }
}

function podsFor(namespace: string, images: readonly GateImage[], count: number) {
  return Array.from({ length: count }, (_, i) => gatePod(namespace, `p${String(i).padStart(3, '0')}`, images[i % images.length]!));
}

describe('onUnresolved gate', () => {
  it(`a burst of ${BURST_PODS} pods over ${BURST_IMAGES} new images, every manifest slower than the admission deadline: all gated, then all placed compatibly`, async () => {
    const NS = 'gate-burst';
    await namespaceWithSA(cluster, core, NS);
    const images = await pushGateImages(registry, proxy.host, 'burst', BURST_IMAGES);
    proxy.inject({ kind: 'delay', ms: SLOW_MS, times: Infinity, match: { kind: 'manifest' } });
    const t0 = Date.now();
    const created = await createPods(core, podsFor(NS, images, BURST_PODS));
    const boundAt = await waitAllScheduled(core, NS, BURST_PODS, TEST_MS);
    proxy.clearFaults();
    const states = await podStates(core, NS);
    expect(states).toHaveLength(BURST_PODS);
    expect(states.filter((s) => s.decision === undefined)).toEqual([]);
    expect(misplaced(states, images)).toEqual([]);
    expect(states.filter((s) => s.gates.length > 0)).toEqual([]);
    // The first pod of each image met no answer in 1 s: gated at admission, placed by the controller. Later pods of
    // an image may find it cached by then (the controller's lookup filled the cache) and be placed at admission.
    const firsts = images.map((_, i) => `p${String(i).padStart(3, '0')}`);
    const byController = states.filter((s) => /gated \(images resolved by the gate controller\)/.test(s.reason ?? '')).map((s) => s.name);
    expect(firsts.filter((name) => !byController.includes(name))).toEqual([]);
    expect(new Set(states.map((s) => s.decision))).toEqual(new Set(['injected']));
    const seconds = [...created].map(([name, at]) => ((boundAt.get(name) ?? NaN) - at) / 1000);
    console.log(
      `[e2e-gate] burst: ${BURST_PODS} pods / ${BURST_IMAGES} images, manifests delayed ${SLOW_MS} ms, admission deadline ${ADMISSION_MS} ms: ` +
        `time to schedule p50 ${percentile(seconds, 50).toFixed(2)} s, p99 ${percentile(seconds, 99).toFixed(2)} s, all bound after ${((Date.now() - t0) / 1000).toFixed(1)} s, ${byController.length} placed by the controller`,
    );
  }, TEST_MS);

  it('registry down, then back: pods stay gated (never scheduled) while it is down, and are placed once it answers', async () => {
    const NS = 'gate-down';
    await namespaceWithSA(cluster, core, NS);
    const images = await pushGateImages(registry, proxy.host, 'down', 6);
    proxy.inject({ kind: 'status', status: 503, times: Infinity });
    await createPods(core, podsFor(NS, images, 12));
    const failing = proxy.count();
    // The controller keeps retrying (with backoff) while the registry fails; nothing is scheduled meanwhile.
    await waitFor(() => proxy.count() > failing + 12, 60_000, { message: 'controller retries against the failing registry' });
    const during = await podStates(core, NS);
    expect(during.filter((s) => s.node !== undefined)).toEqual([]);
    expect(during.every((s) => s.decision === 'gated' && s.gates.includes('archcheck.dev/resolving'))).toBe(true);
    proxy.clearFaults();
    await waitAllScheduled(core, NS, 12, TEST_MS);
    const after = await podStates(core, NS);
    expect(misplaced(after, images)).toEqual([]);
    expect(after.filter((s) => s.decision !== 'injected')).toEqual([]);
  }, TEST_MS);

  it('registry down past gateTimeout: pods are released with decision gate-timeout and a Warning Event', async () => {
    const NS = 'gate-timeout';
    await namespaceWithSA(cluster, core, NS);
    await archcheck.restart([...FLAGS, '--gate-timeout', '8s']);
    await waitLeader();
    const images = await pushGateImages(registry, proxy.host, 'timeout', 3);
    proxy.inject({ kind: 'status', status: 503, times: Infinity });
    try {
      await createPods(core, podsFor(NS, images, 3));
      await waitAllScheduled(core, NS, 3, TEST_MS);
      const states = await podStates(core, NS);
      expect(states.map((s) => s.decision)).toEqual(['gate-timeout', 'gate-timeout', 'gate-timeout']);
      expect(states.every((s) => s.gates.length === 0)).toBe(true);
      // Events are written by the queued recorder shortly after the pods are released: wait for all three.
      const events = await waitFor(async () => {
        const found = await podEvents(core, NS, 'ArchcheckGateTimeout');
        return new Set(found.map((e) => e.involvedObject.name)).size >= states.length ? found : undefined;
      }, 30_000, { message: 'an ArchcheckGateTimeout Event for every released pod' });
      expect(new Set(events.map((e) => e.involvedObject.name))).toEqual(new Set(states.map((s) => s.name)));
      expect(events[0]?.message).toMatch(/gate timeout after .*Fix: make the registry reachable/);
    } finally {
      proxy.clearFaults();
      await archcheck.restart(FLAGS);
    }
  }, TEST_MS);
});
