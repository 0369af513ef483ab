/**
 * End to end, the escaped-pod reconciler on the real API server, scheduler and kwok nodes with the real registry:
 * the chart is installed but no webhook replica runs (the API server's calls fail and, failurePolicy Ignore, the pods
 * are admitted unprotected); 50 pods are created, some land on a node arch their image lacks; then the webhook comes
 * back and its first reconciler pass finds every one of them and reports the broken and at-risk ones (Events, the
 * gauge archcheck_escaped_pods, log lines). Truth comes from the pushed image configs and the Node objects.
 */
import { writeFileSync } from 'node:fs';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestCluster } from '../cluster/cluster.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, startClusterSerialized, type Archcheck } from './harness.js';
import { createPods, gatePod, misplaced, namespaceWithSA, podEvents, podStates, pushGateImages, waitAllScheduled, type GateImage } from './gate-scenario.js';

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
    const brokenEvents = await podEvents(core, NS, 'ArchcheckEscapedBroken');
    expect(brokenEvents.map((e) => e.involvedObject.name).sort()).toEqual(broken);
    expect(brokenEvents[0]?.type).toBe('Warning');
    expect(brokenEvents[0]?.message).toMatch(/never checked by archcheck and runs on (amd64|arm64) node .* have no build for \(exec format error\)\. Fix: /);
    expect((await podEvents(core, NS, 'ArchcheckEscapedAtRisk')).map((e) => e.involvedObject.name).sort()).toEqual(atRisk);
    const lines = archcheck.logs.filter((l) => l.includes('"msg":"escaped pod: ') && l.includes('"status":"broken"'));
    expect(lines.map((l) => (JSON.parse(l) as { pod: string }).pod).sort()).toEqual(broken.map((n) => `${NS}/${n}`));
    expect(archcheck.forbiddenLines()).toEqual([]);
  }, TEST_MS);
});
