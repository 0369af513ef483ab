/**
 * End to end, `helm uninstall` with gated pods present, on the real API server with the chart's pre-delete hook:
 * pods are gated by the real webhook (registry failing), the webhook stops (its configuration still exists, so its
 * SIGTERM path releases nothing), then `helm uninstall` runs the hook Job. kwok pods run no processes, so this test
 * plays the kubelet for the hook pod: the pod is kept off the kwok nodes (nodeSelector), its command is run here
 * with its own ServiceAccount's token (the hook's RBAC is what is exercised), and its phase set to Succeeded.
 * Afterwards no pod carries archcheck's gate, other gates are kept, and nothing of the release is left.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestCluster } from '../cluster/cluster.js';
import { REPO_ROOT, ensureHelm, runHelm } from '../helm.js';
import { startCountingProxy, type CountingProxy } from '../registry/counting-proxy.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, serviceAccountKubeconfig, startClusterSerialized, type Archcheck } from './harness.js';
import { createPods, gatePod, namespaceWithSA, podEvents, podStates, pushGateImages } from './gate-scenario.js';

const HOLD_GATE = 'e2e.archcheck.dev/hold';
const TEST_MS = 300_000;

let cluster: TestCluster;
let registry: TestRegistry;
let proxy: CountingProxy;
let archcheck: Archcheck;
let core: CoreV1Api;
let scratch: string;

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-uninstall' }), startRegistry({ name: 'e2e-uninstall' })]);
  proxy = await startCountingProxy(registry.url);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  scratch = mkdtempSync(path.join(tmpdir(), 'archcheck-e2e-uninstall-'));
  archcheck = await installArchcheck(cluster, {
    values: {
      config: { onUnresolved: 'gate', reconcile: false, insecureRegistries: [proxy.host] },
      // Only the hook Job's pod is scheduled in dev mode: no kwok node has this label, so the test runs it.
      nodeSelector: { 'e2e.archcheck.dev/kubelet': 'this-test' },
    },
  });
}, 1_800_000);

afterAll(async () => {
  await archcheck?.stop();
  await proxy?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 180_000);

function runNode(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO_ROOT, 'bin', 'archcheck-webhook'), ...args], { timeout: 120_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 124) : 0, stderr });
    });
  });
}

/** The kubelet's part for the hook pod: run its container's command as its ServiceAccount, then report it Succeeded. */
async function runHookPod(pod: V1Pod): Promise<void> {
  const namespace = pod.metadata!.namespace!;
  const kubeconfig = await serviceAccountKubeconfig(cluster, namespace, pod.spec!.serviceAccountName!, path.join(scratch, 'hook.kubeconfig'), '10m');
  const run = await runNode([...(pod.spec!.containers[0]!.args ?? []), '--kubeconfig', kubeconfig]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  await cluster.kubectl(['-n', namespace, 'patch', 'pod', pod.metadata!.name!, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Succeeded' } })], { check: true });
}

describe('helm uninstall with gated pods', () => {
  it('the pre-delete hook releases every archcheck gate (other gates kept); nothing of the release is left', async () => {
    const NS = 'gated-apps';
    await namespaceWithSA(cluster, core, NS);
    const images = await pushGateImages(registry, proxy.host, 'uninstall', 3);
    await archcheck.startInProcess(['--on-unresolved', 'gate', '--resolve-timeout', '1s', '--log-level', 'warn']);
    proxy.inject({ kind: 'status', status: 503, times: Infinity });
    const pods = images.flatMap((image, i) => {
      const plain = gatePod(NS, `plain-${i}`, image);
      const held = gatePod(NS, `held-${i}`, image);
      return [plain, { ...held, spec: { ...held.spec!, schedulingGates: [{ name: HOLD_GATE }] } }];
    });
    await createPods(core, pods);
    const gated = await podStates(core, NS);
    expect(gated.filter((s) => !s.gates.includes('archcheck.dev/resolving'))).toEqual([]);
    // A rolling update, not an uninstall: the configuration exists, so stopping the webhook releases nothing.
    await archcheck.stopWebhook();
    expect((await podStates(core, NS)).filter((s) => !s.gates.includes('archcheck.dev/resolving'))).toEqual([]);

    const helm = await ensureHelm();
    const uninstall = runHelm(helm, ['uninstall', archcheck.release, '--namespace', archcheck.namespace, '--wait', '--timeout', '3m', '--kubeconfig', cluster.kubeconfigPath], cluster.env);
    const hookPod = await waitFor(
      async () => (await core.listNamespacedPod({ namespace: archcheck.namespace, labelSelector: `job-name=${archcheck.fullname}-release-gates` })).items[0],
      120_000,
      { message: 'the pre-delete hook pod' },
    );
    await runHookPod(hookPod);
    const result = await uninstall;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const after = await podStates(core, NS);
    expect(after.filter((s) => s.gates.includes('archcheck.dev/resolving'))).toEqual([]);
    expect(after.filter((s) => s.name.startsWith('held-')).map((s) => s.gates)).toEqual([[HOLD_GATE], [HOLD_GATE], [HOLD_GATE]]);
    expect(new Set(after.map((s) => s.decision))).toEqual(new Set(['gate-released']));
    expect(after.every((s) => (s.reason ?? '').includes('archcheck is being uninstalled'))).toBe(true);
    const events = await podEvents(core, NS, 'ArchcheckGateReleased');
    expect(new Set(events.map((e) => e.involvedObject.name))).toEqual(new Set(after.map((s) => s.name)));
    // The plain pods are free to schedule now.
    await waitFor(async () => (await podStates(core, NS)).filter((s) => s.name.startsWith('plain-') && s.node).length === 3, 60_000, { message: 'released pods scheduled' });

    const left = await cluster.kubectl(['get', 'clusterroles,clusterrolebindings,mutatingwebhookconfigurations', '-o', 'name', '-l', `app.kubernetes.io/instance=${archcheck.release}`], { check: true });
    expect(left.stdout.trim()).toBe('');
    const inNamespace = await cluster.kubectl(['-n', archcheck.namespace, 'get', 'jobs,serviceaccounts', '-o', 'name'], { check: true });
    expect(inNamespace.stdout.trim().split('\n').filter((n) => n && n !== 'serviceaccount/default')).toEqual([]);
  }, TEST_MS);
});
