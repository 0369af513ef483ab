/**
 * mTLS from the API server (--client-ca-file) over real HTTPS: a client certificate signed by the configured CA is
 * admitted; none, one from another CA, or a serving (not client) certificate fail the TLS handshake; the probes
 * move to the plain-HTTP port; a CA rotated in the file is trusted without a restart.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionReview } from './admission/review.js';
import { loadConfig } from './config.js';
import { fakeCluster } from './testing/fake-cluster.js';
import { createClientCertificate } from './testing/client-certificate.js';
import { loadFixture } from './testing/fixtures.js';
import { localhostCertificates, startTestServer, type TestServer } from './testing/test-server.js';
import { createCertificateAuthority, createServingCertificate, type KeyPairPem } from './tls/certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'archcheck-mtls-'));
const caFile = join(dir, 'client-ca.crt');
const serving = localhostCertificates();
const clientCa = createCertificateAuthority('apiserver-client-ca', 2);
const otherCa = createCertificateAuthority('someone-else', 2);
const apiserver = createClientCertificate(clientCa, 'kube-apiserver');
let server: TestServer;
const agents: Agent[] = [];

function agent(client?: KeyPairPem): Agent {
  const a = new Agent({ connect: { ca: serving.ca.certPem, ...(client && { cert: client.certPem, key: client.keyPem }) } });
  agents.push(a);
  return a;
}

/** The admission answer, or the error text when the request never got an HTTP answer. */
async function mutate(client?: KeyPairPem): Promise<{ status: number; decision?: string } | { error: string }> {
  try {
    const res = await fetch(`${server.webhook.url}/mutate?timeout=5s`, {
      method: 'POST',
      dispatcher: agent(client),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(loadFixture('pod-create-deployment.json')),
    });
    const review = (await res.json()) as AdmissionReview;
    return { status: res.status, ...(review.response?.auditAnnotations?.decision && { decision: review.response.auditAnnotations.decision }) };
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause;
    return { error: `${(e as Error).message}: ${cause?.message ?? ''} ${(cause as { code?: string } | undefined)?.code ?? ''}` };
  }
}

beforeAll(async () => {
  writeFileSync(caFile, clientCa.certPem);
  server = await startTestServer({
    cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }),
    certs: serving,
    config: { clientCAFile: caFile, metricsListen: { host: '127.0.0.1', port: 0 } },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all(agents.map((a) => a.close()));
});

describe('webhook with --client-ca-file (mTLS from the API server)', () => {
  it('admits a caller presenting a client certificate signed by the configured CA', async () => {
    expect(await mutate(apiserver)).toEqual({ status: 200, decision: 'injected' });
  });

  it('refuses at TLS a caller without a client certificate, with one from another CA, or with a serving certificate', async () => {
    const refused = [await mutate(), await mutate(createClientCertificate(otherCa, 'kube-apiserver')), await mutate(createServingCertificate(clientCa, ['kube-apiserver'], 1))];
    for (const r of refused) {
      expect(r).not.toHaveProperty('status'); // no HTTP answer at all: the handshake failed
      expect((r as { error: string }).error).toMatch(/certificate|handshake|socket|ECONNRESET|alert/i);
    }
    // Nothing refused at TLS was counted as an admission.
    const metrics = await (await fetch(`${server.webhook.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/archcheck_admission_requests_total\{[^}]*decision="injected"[^}]*\} 1$/m);
  });

  it('serves the probes on the plain-HTTP port, where kubelet (no client certificate) reaches them', async () => {
    expect(await mutate()).toHaveProperty('error'); // the HTTPS port refuses kubelet's kind of caller
    const healthz = await fetch(`${server.webhook.metricsUrl}/healthz`);
    expect([healthz.status, await healthz.text()]).toEqual([200, 'ok']);
    const readyz = await fetch(`${server.webhook.metricsUrl}/readyz`);
    expect([readyz.status, await readyz.text()]).toEqual([200, 'ok']);
  });

  it('trusts a rotated CA bundle from the file without a restart (new CA appended, then the old one dropped)', async () => {
    const nextCa = createCertificateAuthority('apiserver-client-ca-2', 2);
    const next = createClientCertificate(nextCa, 'kube-apiserver');
    writeFileSync(caFile, `${clientCa.certPem}${nextCa.certPem}`);
    await expect.poll(() => mutate(next), { timeout: 5_000, interval: 100 }).toEqual({ status: 200, decision: 'injected' });
    expect(await mutate(apiserver)).toEqual({ status: 200, decision: 'injected' });
    writeFileSync(caFile, nextCa.certPem);
    await expect.poll(() => mutate(apiserver), { timeout: 5_000, interval: 100 }).toHaveProperty('error');
    expect(await mutate(next)).toEqual({ status: 200, decision: 'injected' });
  });

  it('stops at start-up, saying why, when the CA file is missing or holds no certificate', async () => {
    const cluster = fakeCluster({ nodes: { amd: 'amd64' } });
    const keyOnly = join(dir, 'key.pem');
    writeFileSync(keyOnly, clientCa.keyPem);
    await expect(startTestServer({ cluster, config: { clientCAFile: join(dir, 'missing.crt') } })).rejects.toThrow(/--client-ca-file: cannot read .*missing\.crt/);
    await expect(startTestServer({ cluster, config: { clientCAFile: keyOnly } })).rejects.toThrow(/--client-ca-file: .*key\.pem holds no PEM certificate/);
    expect(loadConfig(['--cert-mode', 'self', '--client-ca-file', caFile], {}).clientCAFile).toBe(caFile);
  });
});
