/**
 * End to end, the operations kit on the real API server, with the chart installed and the webhook running here under
 * the chart's ServiceAccount (so the chart's RBAC is what is exercised):
 * - Events: a Deployment denied at /validate and the pods of a ReplicaSet admitted unresolved produce
 *   events.k8s.io Events, visible through the API and in `kubectl describe`; repeats aggregate into one Event's count;
 * - `helm test` passes: the hook's Job is created, its pod admitted through the webhook and scheduled. kwok nodes run
 *   no containers (kwok marks a Job's pod Succeeded), so the check the pod would run, `archcheck-webhook self-test`,
 *   is run here (bin/archcheck-webhook, needs dist/) against a pod of the same Job, with its ServiceAccount's token.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, waitFor, type TestCluster } from '../cluster/cluster.js';
import { REPO_ROOT, ensureHelm, parseManifests, renderText, runHelm } from '../helm.js';
import { FixtureBuilder } from '../registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, kubectlApply, kubectlJson, serviceAccountKubeconfig, startClusterSerialized, type Any, type Archcheck } from './harness.js';
import { WORKLOAD_LABEL, deploymentWorkload, podSpec } from './scenario.js';

let cluster: TestCluster;
let registry: TestRegistry;
let archcheck: Archcheck;
let scratch: string;
const images = { multi: '', amd64: '', arm64: '', missing: '' };
const NS = 'ops';
/** Generous: several clusters share two cores. */
const CLUSTER_TEST_MS = 180_000;

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-ops' }), startRegistry({ name: 'e2e-ops' })]);
  scratch = mkdtempSync(path.join(tmpdir(), 'archcheck-e2e-ops-'));
  const b = new FixtureBuilder(registry);
  const amd64 = { kind: 'image' as const, config: { os: 'linux', architecture: 'amd64' } };
  const arm64 = { kind: 'image' as const, config: { os: 'linux', architecture: 'arm64' } };
  // The helm test pod's image: a stand-in for archcheck's own multi-arch image, in the loopback registry.
  images.multi = (await b.push('archcheck/archcheck', '0.1.0', { kind: 'index', entries: [{ node: amd64 }, { node: arm64 }] })).ref;
  images.amd64 = (await b.push('team/amd-only', '1', amd64)).ref;
  images.arm64 = (await b.push('team/arm-only', '1', arm64)).ref;
  await b.close();
  images.missing = `${registry.host}/team/missing:1`;
  archcheck = await installArchcheck(cluster, {
    values: {
      config: { onUnresolved: 'allow', insecureRegistries: [registry.host] },
      admission: { validating: { enabled: true } },
      tests: { image: images.multi },
    },
  });
  await archcheck.startInProcess();
  await createNamespace(cluster, NS);
}, 1_800_000); // a cold machine builds the control plane first

afterAll(async () => {
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 180_000);

/** events.k8s.io/v1 Events in a namespace with this reason. */
async function events(namespace: string, reason: string): Promise<Any[]> {
  const list = await kubectlJson(cluster, ['-n', namespace, 'get', 'events.v1.events.k8s.io']);
  return (list.items as Any[]).filter((e) => e.reason === reason);
}

describe('Events', () => {
  it(
    'a Deployment denied at /validate: one Warning ArchcheckDenied about it, counting every attempt',
    async () => {
      const mixed = deploymentWorkload(NS, 'mixed', 2, podSpec([images.amd64, images.arm64])).object;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const r = await kubectlApply(cluster, [mixed]);
        expect(r.code, r.stdout).not.toBe(0);
        expect(r.stderr).toMatch(/denied the request/);
      }
      // One Event, not three: the series count is written at most every 30 s.
      const event = await waitFor(
        async () => {
          const found = (await events(NS, 'ArchcheckDenied')).filter((e) => e.regarding?.kind === 'Deployment' && e.regarding?.name === 'mixed');
          return found.length === 1 && found[0].series?.count === 3 ? found[0] : undefined;
        },
        90_000,
        { message: 'one ArchcheckDenied Event about deployment/mixed with series.count 3', intervalMs: 1_000 },
      );
      expect(event).toMatchObject({
        type: 'Warning',
        action: 'Admission',
        reportingController: 'archcheck.dev/archcheck',
        regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'mixed' },
      });
      expect(event.note).toMatch(/^denied \(CREATE\): .*no .*arch/i);
      expect(event.regarding.uid).toBeUndefined(); // it was never created
      // What `kubectl events` shows a user.
      const shown = await cluster.kubectl(['-n', NS, 'events', '--for', 'deployment/mixed'], { check: true });
      expect(shown.stdout).toMatch(/Warning\s+ArchcheckDenied\s+Deployment\/mixed/);
    },
    CLUSTER_TEST_MS,
  );

  it(
    "pods admitted unresolved: one Warning ArchcheckUnresolved about their ReplicaSet, shown by kubectl describe",
    async () => {
      const r = await kubectlApply(cluster, [deploymentWorkload(NS, 'ghost', 3, podSpec([images.missing])).object]);
      expect(r.code, r.stderr).toBe(0);
      const rs = await waitFor(
        async () => ((await kubectlJson(cluster, ['-n', NS, 'get', 'replicasets', '-l', `${WORKLOAD_LABEL}=deployment.ghost`])).items as Any[])[0],
        60_000,
        { message: 'the ReplicaSet of deployment/ghost' },
      );
      const pods = await waitFor(
        async () => {
          const items = (await kubectlJson(cluster, ['-n', NS, 'get', 'pods', '-l', `${WORKLOAD_LABEL}=deployment.ghost`])).items as Any[];
          return items.length === 3 ? items : undefined;
        },
        60_000,
        { message: 'the 3 pods of deployment/ghost' },
      );
      for (const p of pods) expect(p.metadata.annotations?.['archcheck.dev/decision']).toBe('unresolved');
      const event = await waitFor(
        async () => {
          const found = (await events(NS, 'ArchcheckUnresolved')).filter((e) => e.regarding?.uid === rs.metadata.uid);
          return found.length === 1 && found[0].series?.count === 3 ? found[0] : undefined;
        },
        90_000,
        { message: `one ArchcheckUnresolved Event about replicaset/${rs.metadata.name} with series.count 3`, intervalMs: 1_000 },
      );
      expect(event).toMatchObject({ type: 'Warning', regarding: { kind: 'ReplicaSet', name: rs.metadata.name, namespace: NS } });
      expect(event.note).toMatch(new RegExp(`^Pod ${rs.metadata.name}-… admitted without placement \\(CREATE\\): .*NOT_FOUND`));
      const described = await cluster.kubectl(['-n', NS, 'describe', 'replicaset', rs.metadata.name], { check: true });
      expect(described.stdout).toMatch(/Warning\s+ArchcheckUnresolved/);
      // Written with the chart's RBAC (events.k8s.io create/patch), nothing refused.
      expect(archcheck.forbiddenLines()).toEqual([]);
    },
    CLUSTER_TEST_MS,
  );
});

describe('helm test', () => {
  it(
    'passes: its Job is created in its own namespace, the pod admitted through the webhook and placed; the objects are gone afterwards',
    async () => {
      const helm = await ensureHelm();
      const r = await runHelm(helm, ['test', archcheck.release, '--namespace', archcheck.namespace, '--timeout', '2m', '--kubeconfig', cluster.kubeconfigPath], cluster.env);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/TEST SUITE:\s+archcheck-test-placement[\s\S]*Phase:\s+Succeeded/);
      // kwok, not the check, completed the pod: that the webhook admitted and placed it is in its decision log.
      const admitted = archcheck.logs
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Any];
          } catch {
            return [];
          }
        })
        .filter((l) => l.msg === 'admission' && l.endpoint === 'mutate' && l.namespace === 'archcheck-test' && l.generateName?.startsWith('archcheck-test-placement-'));
      expect(admitted.map((l) => [l.decision, l.archs])).toEqual([['injected', ['amd64', 'arm64']]]);
      // hook-succeeded: the test namespace and everything in it are deleted.
      await waitFor(async () => (await cluster.kubectl(['get', 'namespace', 'archcheck-test'])).code !== 0, 120_000, { message: 'namespace archcheck-test deleted' });
    },
    CLUSTER_TEST_MS,
  );

  it(
    "the check the test pod runs passes on such a pod with the test ServiceAccount's RBAC, and fails on a pod archcheck never saw",
    async () => {
      const helm = await ensureHelm();
      const checkNs = 'ops-selftest';
      await createNamespace(cluster, checkNs);
      // The same hook objects, applied as plain objects in an existing namespace (tests.namespace).
      const text = await renderText(helm, { tests: true, setJson: { tests: { image: images.multi, namespace: checkNs } } });
      const hookObjects = parseManifests(text).filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
      const applied = await kubectlApply(cluster, hookObjects, 'create');
      expect(applied.code, applied.stderr).toBe(0);
      const pod = await waitFor(
        async () => ((await kubectlJson(cluster, ['-n', checkNs, 'get', 'pods', '-l', 'job-name=archcheck-test-placement'])).items as Any[])[0],
        60_000,
        { message: 'the test Job pod' },
      );
      const token = await serviceAccountKubeconfig(cluster, checkNs, 'archcheck-test-placement', path.join(scratch, 'test-sa.kubeconfig'));
      const selfTest = (args: string[], env: Record<string, string>) =>
        spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'archcheck-webhook'), 'self-test', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

      const pass = selfTest(['--kubeconfig', token, '--expect-archs', 'amd64,arm64'], { POD_NAME: pod.metadata.name, POD_NAMESPACE: checkNs });
      expect(pass.status, pass.stdout + pass.stderr).toBe(0);
      expect(pass.stdout).toMatch(/ok: pod ops-selftest\/archcheck-test-placement-\w+ admitted by archcheck: decision injected/);
      expect(pass.stdout).toMatch(/ok: required node affinity kubernetes\.io\/arch In \[amd64, arm64\] in every term/);
      expect(pass.stdout).toMatch(/^PASS: /m);

      // The test ServiceAccount may read pods in its namespace only.
      const elsewhere = selfTest(['--kubeconfig', token, '--pod', 'x', '--namespace', NS], {});
      expect(elsewhere.status).toBe(2);
      expect(elsewhere.stdout).toMatch(/cannot read pod ops\/x: HTTP 403: .*\(the ServiceAccount needs get on pods in ops\)/);

      // A pod archcheck never saw (opted-out namespace): the check fails and says what to look at.
      await createNamespace(cluster, 'ops-ignored', { 'archcheck.dev/ignore': 'true' });
      await kubectlApply(cluster, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unseen', namespace: 'ops-ignored' }, spec: podSpec([images.multi]) }], 'create');
      const fail = selfTest(['--kubeconfig', cluster.kubeconfigPath, '--pod', 'unseen', '--namespace', 'ops-ignored'], {});
      expect(fail.status).toBe(1);
      expect(fail.stdout).toMatch(/FAIL: pod ops-ignored\/unseen has no archcheck\.dev\/decision annotation: archcheck did not admit it/);
    },
    CLUSTER_TEST_MS,
  );
});
