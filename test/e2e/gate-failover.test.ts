/**
 * End to end, leader failover of the gate controller on the real API server: two webhook replicas share the Lease,
 * the leader (bin/archcheck-webhook as a child process) is SIGKILLed while a backlog of gated pods waits on a slow
 * registry, and the other replica (in this process) takes the Lease over and finishes the backlog. Every pod ends
 * with exactly one arch requirement per node selector term, the right one for its image, no archcheck gate, and its
 * spec written once after creation (metadata.generation 2: affinity and gate removal in one update, never twice).
 */
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { CoordinationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../webhook/config.js';
import { createLogger } from '../../webhook/logger.js';
import { startWebhook, type RunningWebhook } from '../../webhook/start-webhook.js';
import { waitFor, type TestCluster } from '../cluster/cluster.js';
import { startCountingProxy, type CountingProxy } from '../registry/counting-proxy.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, isForbiddenLine, startClusterSerialized, type Archcheck } from './harness.js';
import { createPods, gatePod, misplaced, namespaceWithSA, podStates, pushGateImages, waitAllScheduled } from './gate-scenario.js';

const PODS = 24;
const SLOW_MS = 4_000;
const TEST_MS = 400_000;
const FLAGS = ['--on-unresolved', 'gate', '--resolve-timeout', '1s', '--reconcile', 'false', '--log-level', 'info'];

let cluster: TestCluster;
let registry: TestRegistry;
let proxy: CountingProxy;
let archcheck: Archcheck;
let follower: RunningWebhook | undefined;
const followerLogs: string[] = [];
let core: CoreV1Api;

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-failover' }), startRegistry({ name: 'e2e-failover' })]);
  proxy = await startCountingProxy(registry.url);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { config: { onUnresolved: 'gate', reconcile: false, insecureRegistries: [proxy.host] } } });
}, 1_800_000);

afterAll(async () => {
  if (process.env.ARCHCHECK_E2E_LOG_FILE && archcheck) writeFileSync(process.env.ARCHCHECK_E2E_LOG_FILE, [...archcheck.logs, ...followerLogs].join('\n'));
  await follower?.stop();
  await archcheck?.stop();
  await proxy?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
}, 180_000);

async function leaseHolder(): Promise<string | undefined> {
  const lease = await cluster.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: archcheck.fullname, namespace: archcheck.namespace });
  return lease.spec?.holderIdentity ?? undefined;
}

/** The kubernetes.io/arch requirements of each required node selector term. */
function archRequirements(pod: V1Pod): string[][][] {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.map((t) => (t.matchExpressions ?? []).filter((e) => e.key === 'kubernetes.io/arch').map((e) => e.values ?? []));
}

describe('gate controller leader failover', () => {
  it(`the leader is SIGKILLed mid-backlog of ${PODS} gated pods: the other replica takes the Lease and places the rest, each pod once and correctly`, async () => {
    const NS = 'gate-failover';
    await namespaceWithSA(cluster, core, NS);
    const images = await pushGateImages(registry, proxy.host, 'failover', PODS);
    // Replica A (child process, the chart's admission port) takes the Lease first; replica B (here) follows.
    await archcheck.startChild(FLAGS, { POD_NAME: 'replica-a' });
    await waitFor(async () => (await leaseHolder())?.startsWith('replica-a_'), 60_000, { message: 'replica A holds the Lease' });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done): void {
        followerLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const config = loadConfig([...archcheck.baseFlags, '--listen', '127.0.0.1:0', '--drain-timeout', '1s', ...FLAGS], {});
    follower = await startWebhook(config, { logger: createLogger(config.logLevel, sink) });
    await follower.waitUntilReady(60_000);
    expect(follower.controllers?.isLeader()).toBe(false);

    // Every manifest answer is slower than the admission deadline: all pods are gated, and the leader's
    // controller works through them a few at a time.
    proxy.inject({ kind: 'delay', ms: SLOW_MS, times: Infinity, match: { kind: 'manifest' } });
    await createPods(core, images.map((image, i) => gatePod(NS, `p${String(i).padStart(3, '0')}`, image)));
    const placedBeforeKill = await waitFor(
      async () => {
        const states = await podStates(core, NS);
        const placed = states.filter((s) => s.gates.length === 0).length;
        return placed > 0 ? placed : undefined;
      },
      TEST_MS,
      { message: 'the leader placed a first pod', intervalMs: 100 },
    );
    const killedAt = Date.now();
    archcheck.current!.child!.kill('SIGKILL');
    await archcheck.stopWebhook();
    const stillGated = (await podStates(core, NS)).filter((s) => s.gates.includes('archcheck.dev/resolving')).length;
    console.log(`[e2e-failover] leader killed after placing ${placedBeforeKill}; ${stillGated} pods still gated`);
    expect(stillGated).toBeGreaterThan(0);

    await waitFor(() => follower!.controllers!.isLeader(), 60_000, { message: 'replica B takes the Lease over', intervalMs: 100 });
    const leadingAt = Date.now();
    expect(await leaseHolder()).not.toMatch(/^replica-a_/);
    await waitAllScheduled(core, NS, PODS, TEST_MS);
    const seconds = (t: number): string => ((t - killedAt) / 1000).toFixed(1);
    console.log(`[e2e-failover] after the SIGKILL: replica B leading after ${seconds(leadingAt)} s (Lease 15 s), all ${PODS} pods bound after ${seconds(Date.now())} s`);
    proxy.clearFaults();

    const states = await podStates(core, NS);
    expect(misplaced(states, images)).toEqual([]);
    expect(states.filter((s) => s.gates.length > 0 || s.decision !== 'injected')).toEqual([]);
    const archsOf = new Map(images.map((i) => [i.ref, i.archs]));
    for (const pod of (await core.listNamespacedPod({ namespace: NS })).items) {
      const name = pod.metadata!.name!;
      const requirements = archRequirements(pod);
      // Exactly one arch requirement in each term, naming the image's archs.
      expect(requirements.length, name).toBeGreaterThan(0);
      for (const term of requirements) expect(term, name).toEqual([archsOf.get(pod.spec!.containers[0]!.image!)]);
      // Created (generation 1), then ONE spec update: placement and gate removal together, by one replica.
      expect(pod.metadata!.generation, name).toBe(2);
    }
    expect(followerLogs.filter(isForbiddenLine)).toEqual([]);
  }, TEST_MS);
});
