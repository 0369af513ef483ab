/**
 * The Helm chart on a real API server (test/cluster: kube-apiserver, controller-manager and scheduler built from
 * source, kwok nodes for both archs):
 * - every rendered object passes the API server's own validation (`kubectl apply --dry-run=server
 *   --validate=strict`: the OpenAPI schema of exactly this Kubernetes version, unknown fields are errors, plus the
 *   semantic checks a schema cannot express);
 * - admission through the chart's webhook configuration, with the webhook running here (kwok pods run no
 *   processes) under the chart's ServiceAccount and RBAC, across `helm upgrade`s, then `helm uninstall`;
 * - certs.mode=self: the webhook fills the chart's Secret and caBundle; two `helm upgrade`s keep both;
 * - `helm uninstall` leaves nothing behind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../webhook/config.js';
import { createLogger } from '../webhook/logger.js';
import { startWebhook, type RunningWebhook } from '../webhook/start-webhook.js';
import { localhostCertificates } from '../webhook/testing/test-server.js';
import { createNamespace, freePort, startCluster, waitFor, type TestCluster } from './cluster/cluster.js';
import { serviceAccountKubeconfig } from './e2e/harness.js';
import { CHART_DIR, REPO_ROOT, ensureHelm, parseManifests, renderText, runHelm, type HelmResult } from './helm.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const CI_DIR = path.join(CHART_DIR, 'ci');
/** An image the webhook never asks a registry about: config.imageOverrides says it is arm64-only. */
const ARM_ONLY_IMAGE = 'registry.example.com/team/arm-only:1.0';
const ARM_ONLY_OVERRIDE = 'registry.example.com/team/arm-only=arm64';

let cluster: TestCluster;
let helm: string;
let scratch: string;

beforeAll(async () => {
  helm = await ensureHelm();
  cluster = await startCluster({ name: 'chart', log: () => undefined });
  scratch = mkdtempSync(path.join(tmpdir(), 'archcheck-chart-cluster-'));
}, 2_700_000); // a cold machine builds the control plane first (~30 min on 2 cores)

afterAll(async () => {
  await cluster?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const kubeVersion = (): string => cluster.version.replace(/^v/, '');

async function helmIn(args: readonly string[]): Promise<HelmResult> {
  const r = await runHelm(helm, [...args, '--kubeconfig', cluster.kubeconfigPath], cluster.env);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function kubectlJson(args: readonly string[]): Promise<Any> {
  const r = await cluster.kubectl([...args, '-o', 'json'], { check: true });
  return JSON.parse(r.stdout);
}

/** The chart's rendered config file, as the pods would mount it. */
async function installedConfigFile(namespace: string, fullname: string): Promise<string> {
  const cm = await kubectlJson(['-n', namespace, 'get', 'configmap', `${fullname}-config`]);
  const file = path.join(scratch, `${namespace}-config.yaml`);
  writeFileSync(file, cm.data['config.yaml'] as string);
  return file;
}

interface LocalWebhook {
  webhook: RunningWebhook;
  logs: string[];
}

/**
 * Runs the webhook here the way the pod would (its --config from the chart's ConfigMap, the chart's ServiceAccount)
 * plus `overrides` flags (flags win over the file, as in the container).
 */
async function startLocalWebhook(namespace: string, fullname: string, overrides: readonly string[]): Promise<LocalWebhook> {
  const configFile = await installedConfigFile(namespace, fullname);
  // The webhook gets exactly the chart's RBAC.
  const kubeconfig = await serviceAccountKubeconfig(cluster, namespace, fullname, path.join(scratch, `${namespace}-${fullname}.kubeconfig`));
  // The chart's metrics port listens on 0.0.0.0:8080 in the pod; here it must be loopback and never collide.
  const config = loadConfig(['--config', configFile, '--kubeconfig', kubeconfig, '--metrics-listen', '127.0.0.1:0', ...overrides], {});
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done): void {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const webhook = await startWebhook(config, { logger: createLogger('info', sink) });
  return { webhook, logs };
}

/** Waits until the webhook is ready, or `giveUp(logs)` says why it never will; throws with its last log lines on timeout. */
async function whenReady(local: LocalWebhook, giveUp: (logs: readonly string[]) => string | undefined = () => undefined): Promise<'ready' | string> {
  try {
    return await waitFor(() => (local.webhook.readiness.ready() ? 'ready' : giveUp(local.logs)), 60_000, { intervalMs: 200 });
  } catch (e) {
    throw new Error(`webhook not ready (waiting for ${local.webhook.readiness.waitingFor().join(', ')}): ${(e as Error).message}\n${local.logs.slice(-5).join('\n')}`);
  }
}

async function expectNoLeftovers(release: string, namespace: string): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(async () => (last = await leftovers(release, namespace)).length === 0, 60_000, { intervalMs: 1_000 });
  } catch {
    throw new Error(`helm uninstall left ${last.join(', ')}`);
  }
}

function forbiddenLines(logs: readonly string[]): string[] {
  return logs.filter((l) => /forbidden|\b403\b/i.test(l));
}

/** Everything carrying the release's instance label, in every listable resource type, plus its webhook configurations. */
async function leftovers(release: string, namespace: string): Promise<string[]> {
  const types = (await cluster.kubectl(['api-resources', '--verbs=list', '-o', 'name'], { check: true })).stdout
    .split('\n')
    .filter((t) => t && !t.startsWith('events'));
  const labelled = await cluster.kubectl(['get', types.join(','), '-A', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'], { check: true });
  const inNamespace = await cluster.kubectl(['-n', namespace, 'get', 'secrets,configmaps,serviceaccounts,roles,rolebindings', '-o', 'name'], { check: true });
  return [
    ...labelled.stdout.split('\n'),
    // What the controllers create in every namespace is not ours.
    ...inNamespace.stdout.split('\n').filter((n) => !['configmap/kube-root-ca.crt', 'serviceaccount/default'].includes(n)),
  ].filter(Boolean);
}

function podManifest(name: string, namespace: string, image: string): string {
  return stringifyYaml({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'app', image }] } });
}

async function createPod(name: string, namespace: string, image = ARM_ONLY_IMAGE): Promise<Any> {
  const r = await cluster.kubectl(['create', '-f', '-', '-o', 'json'], { input: podManifest(name, namespace, image), check: true });
  return JSON.parse(r.stdout);
}

function archRequirement(pod: Any): string[] | undefined {
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Any[] | undefined;
  return terms?.[0]?.matchExpressions?.find((e: Any) => e.key === 'kubernetes.io/arch')?.values;
}

describe('server-side validation of every render (the API server of the test cluster)', () => {
  const NAMESPACE = 'archcheck-validate';
  beforeAll(async () => {
    await createNamespace(cluster, NAMESPACE);
  });

  const files = [undefined, 'aks-workload-identity-values.yaml', 'cert-manager-values.yaml', 'cert-manager-issuer-values.yaml', 'enforce-values.yaml', 'custom-taints-values.yaml', 'existing-secret-values.yaml', 'dev-external-url-values.yaml', 'private-registries-values.yaml'];
  for (const file of files) {
    it(`accepts ${file ?? 'default values'} (dry-run=server, strict field validation)`, async () => {
      const text = await renderText(helm, { namespace: NAMESPACE, kubeVersion: kubeVersion(), valuesFiles: file ? [path.join(CI_DIR, file)] : [] });
      // cert-manager's kinds need its CRDs, which this cluster does not have; test/chart.test.ts checks their fields.
      const objects = parseManifests(text).filter((o) => !o.apiVersion.startsWith('cert-manager.io/'));
      const r = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: objects.map((o) => stringifyYaml(o)).join('---\n') });
      expect(r.stderr).toBe(''); // no errors, no deprecation warnings
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(objects.length);
    });
  }

  it('accepts manifests/archcheck.yaml as committed', async () => {
    // A server-side dry run does not create the file's Namespace, so its namespaced objects need it to exist.
    await cluster.kubectl(['create', 'namespace', 'archcheck', '--save-config'], { check: true });
    const r = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', path.join(REPO_ROOT, 'manifests', 'archcheck.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('admission through the chart (dev.externalURL: the webhook runs here, under the chart ServiceAccount)', () => {
  const NS = 'archcheck-dev';
  const RELEASE = 'dev';
  const FULLNAME = 'dev-archcheck';
  const APPS = 'apps';
  let local: LocalWebhook | undefined;

  afterAll(async () => {
    await local?.webhook.stop();
  });

  it('installs, mutates new pods, keeps doing so across two upgrades, and uninstalls without leftovers', async () => {
    const certs = localhostCertificates();
    const certFile = path.join(scratch, 'dev.crt');
    const keyFile = path.join(scratch, 'dev.key');
    writeFileSync(certFile, certs.serving.certPem);
    writeFileSync(keyFile, certs.serving.keyPem);
    const port = await freePort(); // the webhook configuration names it, so pick it before the install
    const valuesFile = path.join(scratch, 'dev-values.yaml');
    writeFileSync(
      valuesFile,
      stringifyYaml({
        dev: { externalURL: `https://127.0.0.1:${port}`, caBundle: Buffer.from(certs.ca.certPem).toString('base64') },
        config: { imageOverrides: [ARM_ONLY_OVERRIDE] },
      }),
    );
    await helmIn(['install', RELEASE, CHART_DIR, '--namespace', NS, '--create-namespace', '--values', valuesFile, '--wait', '--timeout', '2m']);
    await createNamespace(cluster, APPS);
    await createNamespace(cluster, 'opted-out', { 'archcheck.dev/ignore': 'true' });

    // The chart's config file, with the local certificate files and address instead of the in-cluster ones.
    local = await startLocalWebhook(NS, FULLNAME, ['--cert-mode', 'file', '--tls-cert-file', certFile, '--tls-private-key-file', keyFile, '--listen', `127.0.0.1:${port}`]);
    await whenReady(local);

    const check = async (name: string): Promise<void> => {
      const pod = await createPod(name, APPS);
      expect(pod.metadata.annotations?.['archcheck.dev/decision'], JSON.stringify(pod.metadata)).toBe('injected');
      expect(pod.metadata.annotations?.['archcheck.dev/archs']).toBe('arm64');
      expect(archRequirement(pod)).toEqual(['arm64']);
      // The AKS arm64 pool taint, discovered from the nodes through the chart's RBAC.
      expect(pod.spec.tolerations).toContainEqual(expect.objectContaining({ key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' }));
      const node = await waitFor(async () => (await kubectlJson(['-n', APPS, 'get', 'pod', name])).spec.nodeName as string | undefined, 60_000, {
        message: `pod ${name} scheduled`,
      });
      expect(node).toMatch(/^aks-armpool-/);
    };

    await check('after-install');
    // Never sent to the webhook: the release namespace, and namespaces labelled archcheck.dev/ignore=true.
    for (const ns of [NS, 'opted-out']) {
      const pod = await createPod('excluded', ns);
      expect(pod.metadata.annotations?.['archcheck.dev/decision']).toBeUndefined();
      expect(archRequirement(pod)).toBeUndefined();
    }

    const before = await kubectlJson(['get', 'mutatingwebhookconfiguration', FULLNAME]);
    await helmIn(['upgrade', RELEASE, CHART_DIR, '--namespace', NS, '--values', valuesFile, '--set', 'config.logLevel=debug', '--wait']);
    await check('after-upgrade-1');
    await helmIn(['upgrade', RELEASE, CHART_DIR, '--namespace', NS, '--values', valuesFile, '--set', 'admission.timeoutSeconds=6', '--wait']);
    await check('after-upgrade-2');
    const after = await kubectlJson(['get', 'mutatingwebhookconfiguration', FULLNAME]);
    expect(after.webhooks[0].clientConfig).toEqual(before.webhooks[0].clientConfig);
    expect(after.webhooks[0].timeoutSeconds).toBe(6);

    // Everything the webhook read (nodes, namespaces, pull secrets), it could read with the chart's RBAC.
    expect(forbiddenLines(local.logs)).toEqual([]);

    await helmIn(['uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '2m']);
    await cluster.kubectl(['-n', NS, 'delete', 'pod', 'excluded', '--wait=true'], { check: true }); // the test's own pod
    await expectNoLeftovers(RELEASE, NS);
    // No webhook configuration is left pointing at a webhook that is gone.
    const pod = await createPod('after-uninstall', APPS);
    expect(pod.metadata.annotations?.['archcheck.dev/decision']).toBeUndefined();
  }, 300_000);
});

describe('helm upgrade keeps what the webhook wrote (certs.mode=self, default values)', () => {
  it('never resets the caBundle nor the certificate Secret, and uninstall removes both', async () => {
    const NS = 'archcheck-patched';
    const FULLNAME = 'patched-archcheck';
    await helmIn(['install', 'patched', CHART_DIR, '--namespace', NS, '--create-namespace']);
    // What the webhook writes in self mode: caBundle into its configuration, its CA and certificate into the Secret.
    const certs = localhostCertificates();
    const bundle = Buffer.from(certs.ca.certPem).toString('base64');
    const data = { 'ca.crt': bundle, 'tls.crt': Buffer.from(certs.serving.certPem).toString('base64'), 'tls.key': Buffer.from(certs.serving.keyPem).toString('base64') };
    await cluster.kubectl(['patch', 'mutatingwebhookconfiguration', FULLNAME, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: bundle }])], { check: true });
    await cluster.kubectl(['-n', NS, 'patch', 'secret', `${FULLNAME}-tls`, '--type=merge', '-p', JSON.stringify({ data })], { check: true });
    for (const timeout of ['7', '8']) {
      await helmIn(['upgrade', 'patched', CHART_DIR, '--namespace', NS, '--set', `admission.timeoutSeconds=${timeout}`]);
      const m = await kubectlJson(['get', 'mutatingwebhookconfiguration', FULLNAME]);
      expect(m.webhooks[0].timeoutSeconds).toBe(Number(timeout)); // the upgrade did apply
      expect(m.webhooks[0].clientConfig.caBundle).toBe(bundle);
      expect((await kubectlJson(['-n', NS, 'get', 'secret', `${FULLNAME}-tls`])).data).toEqual(data);
    }
    await helmIn(['uninstall', 'patched', '--namespace', NS, '--wait']);
    await expectNoLeftovers('patched', NS);
  }, 120_000);
});

/**
 * The webhook's --cert-mode self keeps the Secret the chart created (type Opaque, Helm's labels): the type of a
 * Secret is immutable, so webhook/kube/kube-cert-store.ts keeps the stored type and metadata when it replaces the
 * Secret (see docs/decisions/0008). A refused write shows up in the logs as "field is immutable": fail fast on it.
 */
const SECRET_TYPE_CONFLICT = /field is immutable/;

describe('certs.mode=self end to end: the real webhook fills the chart Secret and caBundle; Helm keeps owning both', () => {
  const NS = 'archcheck';
  const RELEASE = 'archcheck';
  let local: LocalWebhook | undefined;

  afterAll(async () => {
    await local?.webhook.stop();
    await runHelm(helm, ['uninstall', RELEASE, '--namespace', NS, '--wait', '--kubeconfig', cluster.kubeconfigPath], cluster.env);
  });

  it('keeps the caBundle and the Secret through two upgrades, and uninstalls without leftovers', async () => {
    await helmIn(['install', RELEASE, CHART_DIR, '--namespace', NS, '--create-namespace', '--wait', '--timeout', '2m']);
    expect((await kubectlJson(['get', 'mutatingwebhookconfiguration', RELEASE])).webhooks[0].clientConfig.caBundle).toBeUndefined();

    // The chart's config as is (certMode self) and a local address.
    local = await startLocalWebhook(NS, RELEASE, ['--listen', '127.0.0.1:0']);
    const outcome = await whenReady(local, (logs) => logs.find((l) => SECRET_TYPE_CONFLICT.test(l)));
    expect(outcome, 'the webhook must keep the chart Secret\'s type (Opaque) when it writes its certificates').toBe('ready');
    const webhook = local.webhook;
    const caBundle = (await kubectlJson(['get', 'mutatingwebhookconfiguration', RELEASE])).webhooks[0].clientConfig.caBundle as string;
    expect(Buffer.from(caBundle, 'base64').toString()).toBe(webhook.caPem());
    const secretBefore = await kubectlJson(['-n', NS, 'get', 'secret', `${RELEASE}-tls`]);
    expect(Object.keys(secretBefore.data ?? {})).toEqual(expect.arrayContaining(['tls.crt', 'tls.key', 'ca.crt']));

    for (const set of ['config.mode=warn', 'config.logLevel=debug']) {
      await helmIn(['upgrade', RELEASE, CHART_DIR, '--namespace', NS, '--reuse-values', '--set', set, '--wait']);
      const m = await kubectlJson(['get', 'mutatingwebhookconfiguration', RELEASE]);
      expect(m.webhooks[0].clientConfig.caBundle, `caBundle after upgrade --set ${set}`).toBe(caBundle);
      const secret = await kubectlJson(['-n', NS, 'get', 'secret', `${RELEASE}-tls`]);
      expect(secret.data, `Secret data after upgrade --set ${set}`).toEqual(secretBefore.data);
      expect(secret.metadata.labels?.['app.kubernetes.io/instance']).toBe(RELEASE);
      expect(secret.type).toBe('Opaque');
    }
    expect(webhook.readiness.ready()).toBe(true);
    expect(forbiddenLines(local.logs)).toEqual([]);

    await webhook.stop();
    local = undefined;
    await helmIn(['uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '2m']);
    await expectNoLeftovers(RELEASE, NS);
  }, 300_000);
});
