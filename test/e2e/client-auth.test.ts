/**
 * mTLS from a real kube-apiserver (issue 12 item 6): the API server is started with --admission-control-config-file
 * (an AdmissionConfiguration whose webhook kubeconfig carries a client certificate), the webhook with
 * --client-ca-file. Pods are admitted and placed through the mTLS-requiring webhook; with a client CA that did not
 * sign the API server's certificate, its calls fail the handshake and pods are admitted untouched
 * (failurePolicy Ignore), so the placement above really came through the verified connection.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientCertificate } from '../../webhook/testing/client-certificate.js';
import { createCertificateAuthority } from '../../webhook/tls/certificates.js';
import { createNamespace, type TestCluster } from '../cluster/cluster.js';
import { FixtureBuilder, type ImageFixture } from '../registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { installArchcheck, kubectlApply, startClusterSerialized, type Any, type Archcheck } from './harness.js';
import { podSpec } from './scenario.js';

const dir = mkdtempSync(path.join(tmpdir(), 'archcheck-e2e-mtls-'));
const clientCa = createCertificateAuthority('apiserver-webhook-client-ca', 2);
const apiserverCert = createClientCertificate(clientCa, 'kube-apiserver');
const clientCaFile = path.join(dir, 'client-ca.crt');
const otherCaFile = path.join(dir, 'other-ca.crt');
const NS = 'mtls';

let cluster: TestCluster;
let registry: TestRegistry;
let arm64: ImageFixture;
let archcheck: Archcheck;
let core: CoreV1Api;

/** The API server side, as the chart README documents it. */
function admissionConfigFile(): string {
  writeFileSync(path.join(dir, 'apiserver-client.crt'), apiserverCert.certPem);
  writeFileSync(path.join(dir, 'apiserver-client.key'), apiserverCert.keyPem, { mode: 0o600 });
  // The webhook is registered by URL (https://127.0.0.1:PORT, chosen at install): "*" matches it; a cluster names
  // the Service, <service>.<namespace>.svc.
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    users: [{ name: '*', user: { 'client-certificate': path.join(dir, 'apiserver-client.crt'), 'client-key': path.join(dir, 'apiserver-client.key') } }],
  };
  writeFileSync(path.join(dir, 'webhook-kubeconfig.yaml'), stringifyYaml(kubeconfig));
  const webhookConfig = { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'WebhookAdmissionConfiguration', kubeConfigFile: path.join(dir, 'webhook-kubeconfig.yaml') };
  const admission = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      { name: 'MutatingAdmissionWebhook', configuration: webhookConfig },
      { name: 'ValidatingAdmissionWebhook', configuration: webhookConfig },
    ],
  };
  const file = path.join(dir, 'admission-config.yaml');
  writeFileSync(file, stringifyYaml(admission));
  return file;
}

beforeAll(async () => {
  writeFileSync(clientCaFile, clientCa.certPem);
  writeFileSync(otherCaFile, createCertificateAuthority('not-the-apiservers-ca', 2).certPem);
  [cluster, registry] = await Promise.all([
    startClusterSerialized({ name: 'e2e-mtls', extraArgs: [`kube-apiserver=admission-control-config-file=${admissionConfigFile()}`] }),
    startRegistry({ name: 'e2e-mtls' }),
  ]);
  const b = new FixtureBuilder(registry);
  arm64 = await b.push('mtls/app', '1', { kind: 'image', config: { os: 'linux', architecture: 'arm64' } });
  await b.close();
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { config: { onUnresolved: 'allow', insecureRegistries: [registry.host] } } });
  await createNamespace(cluster, NS);
}, 1_800_000);

afterAll(async () => {
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

async function createPod(name: string): Promise<Any> {
  const r = await kubectlApply(cluster, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: podSpec([arm64.ref]) }], 'create');
  expect(r.code, r.stderr).toBe(0);
  return core.readNamespacedPod({ name, namespace: NS });
}

describe('a kube-apiserver presenting a client certificate (AdmissionConfiguration) to a webhook with --client-ca-file', () => {
  it('admits and places pods through the mTLS-requiring webhook; callers without the certificate are refused', async () => {
    await archcheck.startInProcess(['--client-ca-file', clientCaFile]);
    const pod = await createPod('placed');
    expect(pod.metadata?.annotations?.['archcheck.dev/decision']).toBe('injected');
    const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms?.[0]?.matchExpressions?.find((e: Any) => e.key === 'kubernetes.io/arch')?.values).toEqual(['arm64']);
    // Anyone else reaching the port (here: trusting the serving CA, no client certificate) fails the handshake.
    const agent = new Agent({ connect: { ca: archcheck.caPem } });
    try {
      await expect(fetch(`${archcheck.url}/healthz`, { dispatcher: agent })).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });

  it('with a client CA that did not sign the API server certificate, its calls fail at TLS and pods pass untouched (failurePolicy Ignore)', async () => {
    await archcheck.restart(['--client-ca-file', otherCaFile]);
    const pod = await createPod('untouched');
    expect(pod.metadata?.annotations?.['archcheck.dev/decision']).toBeUndefined();
    expect(pod.spec?.affinity).toBeUndefined();
    const admissions = archcheck.logs.filter((l) => l.includes('"msg":"admission"') && l.includes('"untouched"'));
    expect(admissions).toEqual([]);
  });
});
