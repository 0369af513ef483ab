/**
 * End to end, private ACR without pull secrets: the chart installed on the test cluster, bin/archcheck-webhook
 * running here under the chart's ServiceAccount with the variables the AKS workload-identity webhook injects
 * (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST), pointed at local stand-ins
 * of Entra ID and an ACR login server (test/cloud-stand-ins) in front of a real docker-registry in token mode.
 *
 * A pod with no imagePullSecrets (and a default ServiceAccount without any) names an arm64-only private image on
 * the ACR host: with `cloudAuth: [azure]` the webhook gets an AAD token with the federated assertion, exchanges it
 * for an ACR refresh token, reads the image and places the pod on arm64; with `cloudAuth: none` the same pod is
 * admitted unchanged with an UNAUTHORIZED warning (fail-open). Everything listens on 127.0.0.1.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcr, type AcrStandIn } from '../cloud-stand-ins/acr.js';
import { caFile, scratchDir } from '../cloud-stand-ins/driver-client.js';
import { startEntra, type EntraStandIn } from '../cloud-stand-ins/entra.js';
import { createNamespace, waitFor, type TestCluster } from '../cluster/cluster.js';
import { FixtureBuilder, type ImageFixture } from '../registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { createTlsMaterial } from '../registry/tls.js';
import { installArchcheck, kubectlApply, kubectlJson, kubectlWarnings, startClusterSerialized, type Any, type Archcheck } from './harness.js';
import { podSpec } from './scenario.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
/** The projected ServiceAccount token the workload-identity webhook would mount; the Entra app federates it. */
const SA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.e2e-projected-serviceaccount-token.sig';
const NS = 'acr-identity';
const CLUSTER_TEST_MS = 120_000;

let cluster: TestCluster;
let backend: TestRegistry;
let entra: EntraStandIn;
let acr: AcrStandIn;
let archcheck: Archcheck;
let core: CoreV1Api;
let image: ImageFixture;
let ca: string;
let tokenFile: string;
const dir = scratchDir();
const started = Date.now();

beforeAll(async () => {
  const tls = await createTlsMaterial();
  ca = caFile(dir, tls.caCertPem);
  tokenFile = join(dir, 'azure-identity-token');
  writeFileSync(tokenFile, SA_TOKEN);
  [cluster, backend] = await Promise.all([
    startClusterSerialized({ name: 'e2e-cloud-identity' }),
    // Every repository private: nothing can be read anonymously.
    startRegistry({ name: 'e2e-acr-backend', auth: 'token', privateRepos: [/.*/] }),
  ]);
  entra = await startEntra({ tls, tenantId: TENANT, identities: [{ clientId: CLIENT_ID, federatedToken: SA_TOKEN }] });
  acr = await startAcr({ tls, backend, entra, acrPull: [CLIENT_ID] });
  // Pushed to the backend, referenced through the ACR front's host.
  const b = new FixtureBuilder(backend, { refHost: acr.host, isPrivate: () => true });
  image = await b.push('team/arm-only', '1.0', { kind: 'image', config: { os: 'linux', architecture: 'arm64' } });
  await b.close();
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster);
  await createNamespace(cluster, NS);
  console.log(`[e2e-cloud-identity] cluster, registry, stand-ins and chart ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000);

afterAll(async () => {
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), acr?.stop(), entra?.stop(), backend?.stop()]);
  rmSync(dir, { recursive: true, force: true });
  console.log(`[e2e-cloud-identity] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

/** The webhook's flags for the stand-in ACR: trusted by its CA only, and treated as ACR although it is 127.0.0.1. */
function flags(cloudAuth: string): string[] {
  return ['--cloud-auth', cloudAuth, '--acr-host', acr.host, '--azure-identity', 'workload', '--registry-ca', `${acr.host}=${ca}`];
}

/** What the AKS workload-identity webhook injects, pointed at the Entra stand-in (NODE_EXTRA_CA_CERTS for MSAL). */
function workloadEnv(): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: ca,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_TENANT_ID: TENANT,
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
  };
}

function pod(name: string): Any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: podSpec([image.ref]) };
}

function requiredArchs(p: V1Pod | Any): string[] | undefined {
  const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Any[] | undefined;
  return terms?.[0]?.matchExpressions?.find((e: Any) => e.key === 'kubernetes.io/arch')?.values;
}

async function scheduledNode(name: string): Promise<string> {
  return waitFor(async () => (await core.readNamespacedPod({ name, namespace: NS })).spec?.nodeName, 60_000, { message: `pod ${NS}/${name} scheduled` });
}

async function deletePod(name: string): Promise<void> {
  await cluster.kubectl(['-n', NS, 'delete', 'pod', name, '--grace-period=0', '--force', '--wait=true', '--ignore-not-found'], { check: true });
}

describe('private ACR image, no pull secrets', () => {
  it('the pod and its ServiceAccount carry no pull secrets, and the image is not readable anonymously', async () => {
    const sa = await kubectlJson(cluster, ['-n', NS, 'get', 'serviceaccount', 'default']);
    expect(sa.imagePullSecrets ?? []).toEqual([]);
    expect(pod('x').spec.imagePullSecrets).toBeUndefined();
    expect(image.ref.startsWith(`${acr.host}/`)).toBe(true);
    expect(image.privateRepository).toBe(true);
  });

  it('with cloudAuth azure (workload identity) the webhook reads the image and places the pod on arm64', async () => {
    const exchangesBefore = acr.exchanges().length;
    const entraCallsBefore = entra.calls.length;
    await archcheck.startChild(flags('azure'), workloadEnv());
    try {
      const r = await kubectlApply(cluster, [pod('via-identity')], 'create');
      expect(r.code, r.stderr).toBe(0);
      expect(kubectlWarnings(r.stderr).join('\n'), archcheck.logs.slice(-10).join('\n')).not.toMatch(/unknown/);
      const p = await core.readNamespacedPod({ name: 'via-identity', namespace: NS });
      expect(p.spec?.imagePullSecrets ?? []).toEqual([]);
      expect(p.metadata?.annotations?.['archcheck.dev/archs'], archcheck.logs.slice(-10).join('\n')).toBe('arm64');
      expect(requiredArchs(p)).toEqual(['arm64']);
      const nodeName = await scheduledNode('via-identity');
      const node = await core.readNode({ name: nodeName });
      expect(node.metadata?.labels?.['kubernetes.io/arch']).toBe('arm64');

      // Entra saw the client-credentials grant with the federated token file's content as the client assertion.
      const calls = entra.calls.slice(entraCallsBefore);
      const grants = calls.filter((c) => c.method === 'POST' && new URL(c.path, entra.authorityHost).pathname === `/${TENANT}/oauth2/v2.0/token`);
      expect(grants.length, calls.map((c) => `${c.method} ${c.path} ${c.status}`).join('\n')).toBeGreaterThan(0);
      expect(grants[0]!.form.get('client_id')).toBe(CLIENT_ID);
      expect(grants[0]!.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(grants[0]!.form.get('client_assertion')).toBe(SA_TOKEN);
      expect(grants[0]!.status).toBe(200);
      // …and the ACR front saw the AAD token exchanged for a refresh token, then a repository-scoped token.
      const exchanges = acr.exchanges().slice(exchangesBefore);
      expect(exchanges.length).toBeGreaterThan(0);
      expect(exchanges[0]!.status).toBe(200);
      expect(exchanges[0]!.form.get('grant_type')).toBe('access_token');
      expect(exchanges[0]!.form.get('service')).toBe(acr.host);
      expect(entra.issued.map((t) => t.token)).toContain(exchanges[0]!.form.get('access_token'));
      expect(acr.tokenRequests().some((c) => c.status === 200 && c.form.getAll('scope').join(' ').includes('repository:team/arm-only:pull'))).toBe(true);
    } finally {
      await archcheck.stopWebhook();
    }
  }, CLUSTER_TEST_MS);

  it('with cloudAuth none the same pod is admitted unchanged with an UNAUTHORIZED warning (fail-open)', async () => {
    await deletePod('via-identity');
    const exchangesBefore = acr.exchanges().length;
    const entraCallsBefore = entra.calls.length;
    // Same environment, same CA and ACR host settings: only the cloud identity is switched off.
    await archcheck.startChild(flags('none'), workloadEnv());
    try {
      const r = await kubectlApply(cluster, [pod('via-identity')], 'create');
      expect(r.code, r.stderr).toBe(0);
      expect(kubectlWarnings(r.stderr).join('\n')).toMatch(/archcheck: arch of .*team\/arm-only:1\.0 unknown \(UNAUTHORIZED\); admitted unchanged/);
      const p = await core.readNamespacedPod({ name: 'via-identity', namespace: NS });
      expect(p.metadata?.annotations?.['archcheck.dev/archs']).toBeUndefined();
      expect(requiredArchs(p)).toBeUndefined();
      await scheduledNode('via-identity');
      expect(acr.exchanges().slice(exchangesBefore)).toEqual([]);
      expect(entra.calls.slice(entraCallsBefore)).toEqual([]);
    } finally {
      await archcheck.stopWebhook();
    }
  }, CLUSTER_TEST_MS);
});
