/**
 * Fault suite on the real API server, scheduler and kwok nodes, with the real registry behind the fault-injecting
 * proxy (issue 12 item 7). What the gate suite (gate.test.ts: slow registry burst, registry down then back, gate
 * timeout) does not cover: a registry answering 429 with Retry-After or 500; every webhook replica dead under
 * failurePolicy Fail (system namespaces and the webhook's own namespace still create pods); a webhook restart in
 * the middle of a burst without a stampede on the registry.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestCluster } from '../cluster/cluster.js';
import { startCountingProxy, type CountingProxy } from '../registry/counting-proxy.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { createPods, gatePod, misplaced, namespaceWithSA, podStates, pushGateImages, waitAllScheduled, type GateImage } from './gate-scenario.js';
import { installArchcheck, kubectlApply, startClusterSerialized, type Archcheck } from './harness.js';
import { podSpec } from './scenario.js';

const TEST_MS = 240_000;
const FLAGS = ['--on-unresolved', 'gate', '--resolve-timeout', '1s', '--log-level', 'warn'];

let cluster: TestCluster;
let registry: TestRegistry;
let proxy: CountingProxy;
let archcheck: Archcheck;
let core: CoreV1Api;
const started = Date.now();

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-faults' }), startRegistry({ name: 'e2e-faults' })]);
  proxy = await startCountingProxy(registry.url);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  // Fail closed, the setting under which a dead webhook could lock a cluster up if the exclusions were wrong.
  archcheck = await installArchcheck(cluster, { values: { admission: { failurePolicy: 'Fail' }, config: { onUnresolved: 'gate', insecureRegistries: [proxy.host] } } });
  await archcheck.startInProcess(FLAGS);
  await waitFor(() => archcheck.current?.webhook?.controllers?.isLeader(), 60_000, { message: 'the webhook leads the gate controller' });
  console.log(`[e2e-faults] ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000);

afterAll(async () => {
  await archcheck?.stop();
  await proxy?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  console.log(`[e2e-faults] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

const podsFor = (namespace: string, images: readonly GateImage[], count: number) =>
  Array.from({ length: count }, (_, i) => gatePod(namespace, `p${String(i).padStart(3, '0')}`, images[i % images.length]!));

describe('registry faults', () => {
  for (const fault of [
    { name: '429 with Retry-After', inject: { kind: 'rateLimit' as const, retryAfter: 1 } },
    { name: '500', inject: { kind: 'status' as const, status: 500 } },
  ]) {
    it(`${fault.name} on the first manifest requests: pods are gated or placed, never misplaced, all placed once it answers`, async () => {
      const NS = `fault-${fault.inject.kind === 'rateLimit' ? '429' : '500'}`;
      await namespaceWithSA(cluster, core, NS);
      const images = await pushGateImages(registry, proxy.host, NS, 3);
      proxy.reset();
      proxy.inject({ ...fault.inject, times: 6, match: { kind: 'manifest' } });
      await createPods(core, podsFor(NS, images, 9));
      await waitAllScheduled(core, NS, 9, TEST_MS);
      const states = await podStates(core, NS);
      expect(misplaced(states, images)).toEqual([]);
      expect(states.filter((s) => s.decision !== 'injected')).toEqual([]);
      expect(proxy.requests.filter((r) => r.fault !== undefined)).toHaveLength(6); // the fault was met, not skipped
      expect(proxy.count({ kind: 'manifest' }) - 6).toBeLessThanOrEqual(images.length * 3); // retries stop once answered
    }, TEST_MS);
  }
});

describe('every webhook replica dead (failurePolicy Fail)', () => {
  it('kube-system and the webhook namespace still create pods; other namespaces are refused until it is back', async () => {
    await archcheck.stopWebhook();
    try {
      const image = (await pushGateImages(registry, proxy.host, 'dead', 1))[0]!;
      const pod = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: podSpec([image.ref]) });
      for (const ns of ['kube-system', archcheck.namespace]) {
        const r = await kubectlApply(cluster, [pod(ns, 'created-while-archcheck-is-down')], 'create');
        expect(r.code, `${ns}: ${r.stderr}`).toBe(0);
      }
      await namespaceWithSA(cluster, core, 'fault-dead');
      const refused = await kubectlApply(cluster, [pod('fault-dead', 'refused')], 'create');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/failed calling webhook "mutate.archcheck.dev"/);
    } finally {
      await archcheck.startInProcess(FLAGS);
    }
    await waitFor(() => archcheck.current?.webhook?.controllers?.isLeader(), 60_000, { message: 'the webhook leads the gate controller again' });
    const image = (await pushGateImages(registry, proxy.host, 'back', 1))[0]!;
    const r = await kubectlApply(cluster, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after', namespace: 'fault-dead' }, spec: podSpec([image.ref]) }], 'create');
    expect(r.code, r.stderr).toBe(0);
  }, TEST_MS);
});

describe('webhook restart mid-burst', () => {
  it('the restarted webhook reads each image once more at most: no stampede on the registry', async () => {
    const NS = 'fault-restart';
    await namespaceWithSA(cluster, core, NS);
    const images = await pushGateImages(registry, proxy.host, NS, 3);
    const pods = podsFor(NS, images, 24);
    proxy.reset();
    await createPods(core, pods.slice(0, 12), 6);
    await archcheck.restart(FLAGS);
    await waitFor(() => archcheck.current?.webhook?.controllers?.isLeader(), 60_000, { message: 'the restarted webhook leads the gate controller' });
    await createPods(core, pods.slice(12), 6);
    await waitAllScheduled(core, NS, 24, TEST_MS);
    const states = await podStates(core, NS);
    expect(misplaced(states, images)).toEqual([]);
    expect(states.filter((s) => s.decision !== 'injected')).toEqual([]);
    // Two processes, each with an empty cache: at most one tag read per image each (concurrent admissions share it).
    const byTag = proxy.requests.filter((r) => r.kind === 'manifest' && r.method === 'GET' && r.reference === '1');
    expect(byTag.length).toBeLessThanOrEqual(images.length * 2);
    console.log(`[e2e-faults] restart mid-burst: 24 pods over ${images.length} images, ${byTag.length} manifest GETs by tag, ${proxy.count()} registry requests in all`);
  }, TEST_MS);
});
