/**
 * End to end, policy and failure modes, on the real API server with the chart installed and the webhook running here
 * under the chart's ServiceAccount: denials and their messages (kubectl's error, a ReplicaSet's FailedCreate event,
 * /validate at apply time), a private image through the pod's imagePullSecret, a registry that goes away, a webhook
 * process that is killed (failurePolicy Ignore), and kube-system left alone.
 *
 * One cluster for the file; two registries: the main one (token auth, private repository) and one that is stopped.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, waitFor, type TestCluster } from '../cluster/cluster.js';
import { FixtureBuilder, pushStandardFixtures, type Fixtures, type ImageFixture } from '../registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { ARCHCHECK_ANNOTATIONS, installArchcheck, kubectlApply, startClusterSerialized, kubectlJson, kubectlWarnings, type Any, type Archcheck } from './harness.js';
import { daemonSetWorkload, deploymentWorkload, podSpec, waitPlaced } from './scenario.js';

let cluster: TestCluster;
let registry: TestRegistry;
let flaky: TestRegistry;
let flakyImages: { before: ImageFixture; after: ImageFixture };
let fx: Fixtures;
let archcheck: Archcheck;
let core: CoreV1Api;
const started = Date.now();
/** Generous: two clusters share two cores in CI. */
const CLUSTER_TEST_MS = 120_000;

beforeAll(async () => {
  [cluster, registry, flaky] = await Promise.all([
    startClusterSerialized({ name: 'e2e-policy' }),
    startRegistry({ name: 'e2e-policy', auth: 'token' }),
    startRegistry({ name: 'e2e-flaky' }),
  ]);
  fx = await pushStandardFixtures(registry, { bigManifest: false });
  const b = new FixtureBuilder(flaky);
  const arm64 = { kind: 'image' as const, config: { os: 'linux', architecture: 'arm64' } };
  flakyImages = { before: await b.push('flaky/app', '1', arm64), after: await b.push('flaky/app', '2', arm64) };
  await b.close();
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { config: { onUnresolved: 'allow', insecureRegistries: [registry.host, flaky.host] } } });
  await archcheck.startInProcess();
  console.log(`[e2e-policy] cluster, registries, chart and webhook ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000); // a cold machine builds the control plane first

afterAll(async () => {
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), registry?.stop(), flaky?.stop()]);
  console.log(`[e2e-policy] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

function pod(name: string, namespace: string, images: string[], extra: Record<string, unknown> = {}): Any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: podSpec(images, extra) };
}

function requiredArchs(p: V1Pod | Any): string[] | undefined {
  const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Any[] | undefined;
  return terms?.[0]?.matchExpressions?.find((e: Any) => e.key === 'kubernetes.io/arch')?.values;
}

async function scheduledNode(namespace: string, name: string): Promise<string> {
  return waitFor(async () => (await core.readNamespacedPod({ name, namespace })).spec?.nodeName, 60_000, { message: `pod ${namespace}/${name} scheduled` });
}

async function exists(namespace: string, kind: string, name: string): Promise<boolean> {
  const r = await cluster.kubectl(['-n', namespace, 'get', kind, name, '--ignore-not-found', '-o', 'name']);
  return r.stdout.trim() !== '';
}

describe('denied pods say why (chart defaults)', () => {
  const NS = 'deny';
  beforeAll(async () => {
    await createNamespace(cluster, NS);
  });

  it('a pod with nodeSelector kubernetes.io/arch: arm64 and an amd64-only image is denied with the message', async () => {
    const r = await kubectlApply(cluster, [pod('misplaced', NS, [fx.singleAmd64.ref], { nodeSelector: { 'kubernetes.io/arch': 'arm64' } })], 'create');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('admission webhook "mutate.archcheck.dev" denied the request');
    expect(r.stderr).toContain("archcheck: this pod's node selection");
    expect(r.stderr).toContain(`${fx.singleAmd64.ref} (amd64)`);
    expect(r.stderr).toContain('Fix: select nodes with kubernetes.io/arch in [amd64]');
    expect(await exists(NS, 'pod', 'misplaced')).toBe(false);
  }, CLUSTER_TEST_MS);

  it('a pod whose only image is arm/v7 runs on no node of the cluster and is denied', async () => {
    const r = await kubectlApply(cluster, [pod('armv7', NS, [fx.singleArmv7.ref])], 'create');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('archcheck: no allowed CPU architecture (amd64,arm64) runs every image of this pod');
    expect(r.stderr).toContain(fx.singleArmv7.ref);
  }, CLUSTER_TEST_MS);
});

describe('registries: pull secrets and outages', () => {
  const NS = 'private';
  beforeAll(async () => {
    await createNamespace(cluster, NS);
    const { username, password } = registry.credentials!;
    await cluster.kubectl(['-n', NS, 'create', 'secret', 'docker-registry', 'regcred', `--docker-server=${registry.host}`, `--docker-username=${username}`, `--docker-password=${password}`], { check: true });
  });

  it("the private image resolves through the pod's imagePullSecret", async () => {
    const r = await kubectlApply(cluster, [pod('with-secret', NS, [fx.privateSecret.ref], { imagePullSecrets: [{ name: 'regcred' }] })], 'create');
    expect(r.code, r.stderr).toBe(0);
    const p = await core.readNamespacedPod({ name: 'with-secret', namespace: NS });
    expect(p.metadata?.annotations?.['archcheck.dev/archs']).toBe('amd64,arm64');
    expect(requiredArchs(p)).toEqual(['amd64', 'arm64']);
    await scheduledNode(NS, 'with-secret');
  }, CLUSTER_TEST_MS);

  it("…and through the ServiceAccount's imagePullSecrets, for a Deployment's pods", async () => {
    await kubectlApply(cluster, [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'puller', namespace: NS }, imagePullSecrets: [{ name: 'regcred' }] }]);
    const set = [deploymentWorkload(NS, 'private-app', 2, podSpec([fx.privateSecret.ref], { serviceAccountName: 'puller' }))];
    const r = await kubectlApply(cluster, set.map((w) => w.object));
    expect(r.code, r.stderr).toBe(0);
    await waitPlaced(cluster, NS, set);
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'e2e.archcheck.dev/workload=deployment.private-app' })).items;
    expect(pods.map((p) => p.metadata?.annotations?.['archcheck.dev/archs'])).toEqual(['amd64,arm64', 'amd64,arm64']);
  }, CLUSTER_TEST_MS);

  it('without a pull secret the private image is unresolved: admitted unchanged, with a warning', async () => {
    const r = await kubectlApply(cluster, [pod('no-secret', NS, [fx.privateSecret.ref])], 'create');
    expect(r.code, r.stderr).toBe(0);
    expect(kubectlWarnings(r.stderr).join('\n')).toMatch(/archcheck: arch of .*private\/secret:1 unknown \(UNAUTHORIZED\); admitted unchanged/);
    const p = await core.readNamespacedPod({ name: 'no-secret', namespace: NS });
    expect(requiredArchs(p)).toBeUndefined();
    await scheduledNode(NS, 'no-secret');
  }, CLUSTER_TEST_MS);

  it('the registry stopped: pods are still admitted (fail-open) with a warning, and scheduled', async () => {
    // While the registry is up, its arm64-only image is placed on arm64.
    const up = await kubectlApply(cluster, [pod('registry-up', NS, [flakyImages.before.ref])], 'create');
    expect(up.code, up.stderr).toBe(0);
    expect(requiredArchs(await core.readNamespacedPod({ name: 'registry-up', namespace: NS }))).toEqual(['arm64']);
    expect(await scheduledNode(NS, 'registry-up')).toMatch(/^aks-armpool-/);

    await flaky.stop();
    // A tag the webhook has never resolved (so no cache can answer for the registry).
    const t0 = Date.now();
    const down = await kubectlApply(cluster, [pod('registry-down', NS, [flakyImages.after.ref])], 'create');
    const took = Date.now() - t0;
    expect(down.code, down.stderr).toBe(0);
    const warnings = kubectlWarnings(down.stderr);
    expect(warnings.join('\n')).toMatch(/archcheck: arch of .*flaky\/app:2 unknown \(\w+\); admitted unchanged/);
    const p = await core.readNamespacedPod({ name: 'registry-down', namespace: NS });
    // Admitted without placement, with the decision and why on the pod.
    expect(p.metadata?.annotations?.['archcheck.dev/decision']).toBe('unresolved');
    expect(p.metadata?.annotations?.['archcheck.dev/reason']).toMatch(/flaky\/app:2 \(\w+.*\) unknown; admitted unchanged/);
    expect(requiredArchs(p)).toBeUndefined();
    await scheduledNode(NS, 'registry-down');
    // Well inside the chart's admission timeout (5 s): a dead registry does not stall admission.
    expect(took).toBeLessThan(5_000);
  }, CLUSTER_TEST_MS);
});

describe('kube-system is left alone', () => {
  it('pods and DaemonSets in kube-system get no archcheck annotations, affinity or tolerations', async () => {
    const r = await kubectlApply(cluster, [pod('system-tool', 'kube-system', [fx.singleArm64.ref])], 'create');
    expect(r.code, r.stderr).toBe(0);
    expect(kubectlWarnings(r.stderr)).toEqual([]);
    const set = [daemonSetWorkload('kube-system', 'node-agent', podSpec([fx.singleAmd64.ref], { tolerations: [{ operator: 'Exists' }] }))];
    expect((await kubectlApply(cluster, set.map((w) => w.object))).code).toBe(0);
    await waitPlaced(cluster, 'kube-system', set);
    await scheduledNode('kube-system', 'system-tool');

    const ds = await kubectlJson(cluster, ['-n', 'kube-system', 'get', 'daemonset', 'node-agent']);
    expect(ds.spec.template.spec.affinity).toBeUndefined();
    expect(ds.status.desiredNumberScheduled).toBe(5); // every node, wrong arch or not: archcheck stayed out
    const pods = (await core.listNamespacedPod({ namespace: 'kube-system' })).items;
    expect(pods.length).toBeGreaterThanOrEqual(6);
    for (const p of pods) {
      const annotations = Object.keys(p.metadata?.annotations ?? {});
      expect(annotations.filter((a) => a.startsWith('archcheck.dev/')), p.metadata?.name).toEqual([]);
    }
    const tool = await core.readNamespacedPod({ name: 'system-tool', namespace: 'kube-system' });
    expect(requiredArchs(tool)).toBeUndefined();
    expect(tool.spec?.tolerations?.some((t) => t.key === 'kubernetes.io/arch')).toBeFalsy();
  }, CLUSTER_TEST_MS);
});

describe('--single-arch deny', () => {
  const NS = 'strict';
  beforeAll(async () => {
    await createNamespace(cluster, NS);
    await archcheck.restart(['--single-arch', 'deny']);
  }, 120_000);

  it("without /validate, the Deployment is accepted and its ReplicaSet's FailedCreate event carries our message", async () => {
    const set = [deploymentWorkload(NS, 'legacy', 2, podSpec([fx.singleAmd64.ref]))];
    const r = await kubectlApply(cluster, set.map((w) => w.object));
    expect(r.code, r.stderr).toBe(0);
    const event = await waitFor(
      async () => {
        const events = (await kubectlJson(cluster, ['-n', NS, 'get', 'events', '--field-selector', 'reason=FailedCreate'])).items as Any[];
        return events.find((e) => e.involvedObject.kind === 'ReplicaSet' && String(e.involvedObject.name).startsWith('legacy-'));
      },
      60_000,
      { message: 'FailedCreate event of the legacy ReplicaSet' },
    );
    expect(event.message).toContain('admission webhook "mutate.archcheck.dev" denied the request');
    expect(event.message).toContain('archcheck: single-architecture images are not allowed here (single-arch policy: deny)');
    expect(event.message).toContain(`${fx.singleAmd64.ref} (amd64)`);
    expect((await core.listNamespacedPod({ namespace: NS })).items).toEqual([]);
  }, CLUSTER_TEST_MS);

  it('with /validate enabled (helm upgrade), the Deployment is rejected at apply time; multi-arch ones still apply', async () => {
    await archcheck.upgrade(['admission.validating.enabled=true']);
    const vwc = await kubectlJson(cluster, ['get', 'validatingwebhookconfiguration', archcheck.fullname]);
    expect(vwc.webhooks[0].clientConfig.url).toBe(`${archcheck.url}/validate`);

    const r = await kubectlApply(cluster, [deploymentWorkload(NS, 'legacy-2', 2, podSpec([fx.singleAmd64.ref])).object]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('admission webhook "validate.archcheck.dev" denied the request');
    expect(r.stderr).toContain('archcheck: single-architecture images are not allowed here');
    expect(await exists(NS, 'deployment', 'legacy-2')).toBe(false);

    const ok = [deploymentWorkload(NS, 'web', 2, podSpec([fx.buildx.ref]))];
    const applied = await kubectlApply(cluster, ok.map((w) => w.object));
    expect(applied.code, applied.stderr).toBe(0);
    await waitPlaced(cluster, NS, ok);
  }, 180_000);

  it('read everything it needed with the chart RBAC (never refused)', () => {
    expect(archcheck.forbiddenLines()).toEqual([]);
  });
});

describe('the webhook process is killed (bin/archcheck-webhook, failurePolicy Ignore)', () => {
  const NS = 'killed';
  beforeAll(async () => {
    await createNamespace(cluster, NS);
    await archcheck.stopWebhook();
    await archcheck.startChild();
  }, 120_000);

  it('pods keep flowing: admitted unchanged and scheduled while no webhook answers', async () => {
    // The child process serves admission like the in-process one.
    const alive = await kubectlApply(cluster, [pod('before-kill', NS, [fx.singleArm64.ref])], 'create');
    expect(alive.code, alive.stderr).toBe(0);
    expect(requiredArchs(await core.readNamespacedPod({ name: 'before-kill', namespace: NS }))).toEqual(['arm64']);

    const child = archcheck.current!.child!;
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const t0 = Date.now();
    const bare = await kubectlApply(cluster, [pod('after-kill', NS, [fx.singleArm64.ref])], 'create');
    expect(bare.code, bare.stderr).toBe(0);
    const set = [deploymentWorkload(NS, 'after-kill', 3, podSpec([fx.buildx.ref]))];
    const deployed = await kubectlApply(cluster, set.map((w) => w.object));
    expect(deployed.code, deployed.stderr).toBe(0);
    await waitPlaced(cluster, NS, set);
    await scheduledNode(NS, 'after-kill');
    console.log(`[e2e-policy] with the webhook killed: 4 pods admitted and scheduled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const p of (await core.listNamespacedPod({ namespace: NS })).items.filter((x) => x.metadata?.name !== 'before-kill')) {
      for (const a of ARCHCHECK_ANNOTATIONS) expect(p.metadata?.annotations?.[a], p.metadata?.name).toBeUndefined();
      expect(requiredArchs(p)).toBeUndefined();
    }
  }, 120_000);
});
