import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionReview } from './admission/review.js';
import type { ClusterFacts } from './cluster-facts.js';
import { fakeCluster } from './testing/fake-cluster.js';
import { SLOW_IMAGE } from './testing/fake-resolver.js';
import { loadFixture } from './testing/fixtures.js';
import { localhostCertificates, startTestServer, type TestServer } from './testing/test-server.js';

const ARM_NODE = 'aks-arm64pool-12345678-vmss000000';
const cluster = (namespaces: Record<string, Record<string, string>> = {}): ClusterFacts =>
  fakeCluster({ nodes: { amd: 'amd64', [ARM_NODE]: 'arm64' }, namespaces });

async function review(server: TestServer, path: string, body: AdmissionReview, query = ''): Promise<AdmissionReview> {
  const res = await server.post(`${path}${query}`, body);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return (await res.json()) as AdmissionReview;
}

type Certificates = ReturnType<typeof localhostCertificates>;

/**
 * The webhook serving certificate files it watches (--cert-mode file); `rotate` writes a new pair over them and
 * waits until the webhook serves it.
 */
async function serverOnCertFiles(): Promise<{ server: TestServer; first: Certificates; rotate(next: Certificates): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'archcheck-certs-'));
  const first = localhostCertificates();
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  writeFileSync(certFile, first.serving.certPem);
  writeFileSync(keyFile, first.serving.keyPem);
  const server = await startTestServer({ cluster: cluster(), certs: first, config: { tlsCertFile: certFile, tlsPrivateKeyFile: keyFile } });
  const rotate = async (next: Certificates): Promise<void> => {
    writeFileSync(keyFile, next.serving.keyPem);
    writeFileSync(certFile, next.serving.certPem);
    const trustsNext = new Agent({ connect: { ca: next.ca.certPem } });
    await expect.poll(async () => (await fetch(`${server.webhook.url}/healthz`, { dispatcher: trustsNext }).catch(() => undefined))?.status, { timeout: 3_000 }).toBe(200);
    await trustsNext.close();
  };
  return { server, first, rotate };
}

function inNamespace(name: string, namespace: string): AdmissionReview {
  const r = loadFixture(name);
  r.request!.namespace = namespace;
  return r;
}

describe('webhook over HTTPS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      cluster: cluster({ 'team-warn': { 'archcheck.dev/mode': 'warn' }, 'team-audit': { 'archcheck.dev/mode': 'audit' }, 'team-off': { 'archcheck.dev/mode': 'off' } }),
    });
  });
  afterAll(async () => server.close());

  it('serves probes and metrics', async () => {
    expect((await server.get('/healthz')).status).toBe(200);
    const ready = await server.get('/readyz');
    expect([ready.status, await ready.text()]).toEqual([200, 'ok']);
    await review(server, '/mutate', loadFixture('pod-create-deployment.json'));
    const metrics = await (await server.get('/metrics')).text();
    for (const name of [
      'archcheck_admission_requests_total',
      'archcheck_admission_duration_seconds',
      'archcheck_image_resolve_duration_seconds',
      'archcheck_registry_requests_total',
      'archcheck_cache_requests_total',
      'archcheck_registry_ratelimit_remaining',
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    expect(metrics).toContain('archcheck_admission_requests_total{endpoint="mutate",operation="CREATE",kind="Pod",decision="injected",reason="none",mode="mutate"}');
    for (const name of ['controller_runtime_webhook_requests_total', 'controller_runtime_webhook_latency_seconds', 'controller_runtime_webhook_requests_in_flight', 'archcheck_build_info', 'archcheck_certificate_expiry_timestamp_seconds', 'archcheck_image_lookups_total', 'archcheck_cache_entries']) expect(metrics).toContain(`# TYPE ${name} `);
    expect(metrics).toContain('controller_runtime_webhook_requests_total{webhook="/mutate",code="200"}');
  });

  // Every mode through the namespace label, over the wire.
  const modes: { namespace: string; fixture: string; path: string; allowed: boolean; patched: boolean; warning?: RegExp; audit?: string }[] = [
    { namespace: 'shop', fixture: 'pod-create-deployment.json', path: '/mutate', allowed: true, patched: true, audit: 'injected' },
    { namespace: 'shop', fixture: 'pod-create-arch-conflict.json', path: '/mutate', allowed: false, patched: false, audit: 'denied:arch-conflict' },
    { namespace: 'team-warn', fixture: 'pod-create-deployment.json', path: '/mutate', allowed: true, patched: false, warning: /would add node affinity/ },
    { namespace: 'team-warn', fixture: 'pod-create-arch-conflict.json', path: '/mutate', allowed: true, patched: false, warning: /would deny/ },
    { namespace: 'team-audit', fixture: 'pod-create-arch-conflict.json', path: '/mutate', allowed: true, patched: false, audit: 'audit:denied:arch-conflict' },
    { namespace: 'team-off', fixture: 'pod-create-arch-conflict.json', path: '/mutate', allowed: true, patched: false, audit: 'skipped:mode-off' },
    { namespace: 'shop', fixture: 'deployment-create-no-common-arch.json', path: '/validate', allowed: false, patched: false },
    { namespace: 'team-warn', fixture: 'deployment-create-no-common-arch.json', path: '/validate', allowed: true, patched: false, warning: /would deny \(no-common-arch/ },
    { namespace: 'shop', fixture: 'daemonset-create.json', path: '/mutate', allowed: true, patched: true },
    { namespace: 'shop', fixture: 'ephemeralcontainers-update.json', path: '/mutate', allowed: false, patched: false },
  ];
  it.each(modes)('$path $fixture in $namespace', async (m) => {
    const body = inNamespace(m.fixture, m.namespace);
    const out = await review(server, m.path, body, '?timeout=10s');
    expect(out).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: body.request!.uid, allowed: m.allowed } });
    expect(out.response!.patch !== undefined).toBe(m.patched);
    if (m.patched) expect(out.response!.patchType).toBe('JSONPatch');
    if (m.warning) expect(out.response!.warnings?.[0]).toMatch(m.warning);
    if (m.audit) expect(out.response!.auditAnnotations?.decision).toBe(m.audit);
  });

  it('keeps to the apiserver timeout when a registry hangs', async () => {
    const body = loadFixture('pod-create-deployment.json');
    (body.request!.object as { spec: { containers: { name: string; image: string }[]; initContainers?: unknown[] } }).spec.containers = [{ name: 'a', image: SLOW_IMAGE }];
    const started = Date.now();
    const out = await review(server, '/mutate', body, '?timeout=1s');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(out.response).toMatchObject({ allowed: true, auditAnnotations: { decision: 'unresolved' } });
  });

  describe('bad input', () => {
    const huge = JSON.stringify({ ...loadFixture('pod-create-deployment.json'), padding: 'x'.repeat(3 * 1024 * 1024) });
    const cases: { name: string; body: string; contentType?: string; status: number; error: RegExp }[] = [
      { name: 'wrong content type', body: '{}', contentType: 'text/plain', status: 415, error: /Content-Type must be application\/json/ },
      { name: 'not JSON', body: '{"request": ', status: 400, error: /not valid JSON/ },
      { name: 'JSON but not an object', body: '[1,2]', status: 400, error: /JSON object/ },
      { name: 'no request', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), status: 400, error: /no "request"/ },
      { name: 'no uid', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { kind: 'Pod' }, operation: 'CREATE' } }), status: 400, error: /no "uid"/ },
      { name: 'v1beta1', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', request: { uid: 'x' } }), status: 400, error: /admissionReviewVersions/ },
      { name: 'over 3 MiB', body: huge, status: 413, error: /larger than/ },
    ];
    it.each(cases)('$name → $status', async (c) => {
      const res = await server.post('/mutate', c.body, { raw: true, ...(c.contentType && { contentType: c.contentType }) });
      expect(res.status).toBe(c.status);
      expect(((await res.json()) as { error: string }).error).toMatch(c.error);
    });

    const withObject = (edit: (o: Record<string, unknown>) => void): string => {
      const r = loadFixture('pod-create-deployment.json');
      edit(r.request!.object as Record<string, unknown>);
      return JSON.stringify(r);
    };
    const spec = (o: Record<string, unknown>): Record<string, unknown> => o.spec as Record<string, unknown>;
    const answered: { name: string; body: string; warning: RegExp }[] = [
      { name: 'containers an object', body: withObject((o) => void (spec(o).containers = { a: { image: 'x' } })), warning: /spec\.containers must be a list/ },
      { name: 'image a number', body: withObject((o) => void ((spec(o).containers as Record<string, unknown>[])[0]!.image = 42)), warning: /containers\[0\]\.image must be a string/ },
      { name: 'affinity a string', body: withObject((o) => void (spec(o).affinity = 'amd64')), warning: /spec\.affinity must be an object/ },
      { name: 'namespace a number', body: JSON.stringify({ ...loadFixture('pod-create-deployment.json'), request: { ...loadFixture('pod-create-deployment.json').request, namespace: 7 } }), warning: /request\.namespace must be a string/ },
      { name: '100,000-deep nesting in an unknown field', body: withObject((o) => void (o.x = 0)).replace('"x":0', `"x":${'['.repeat(100_000)}${']'.repeat(100_000)}`), warning: /nested deeper than 100 levels/ },
    ];
    it.each(answered)('$name → an AdmissionReview echoing the uid, allowed unchanged with a warning', async (c) => {
      const res = await server.post('/mutate', c.body, { raw: true });
      expect(res.status).toBe(200);
      const out = (await res.json()) as AdmissionReview;
      expect(out.response).toMatchObject({ uid: loadFixture('pod-create-deployment.json').request!.uid, allowed: true, auditAnnotations: { decision: 'ignored:malformed' } });
      expect(out.response?.patch).toBeUndefined();
      expect(out.response?.warnings?.[0]).toMatch(c.warning);
    });

    it('a deep body without a uid → 400', async () => {
      const res = await server.post('/mutate', `{"request":${'['.repeat(200)}${']'.repeat(200)}}`, { raw: true });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/nested deeper than 100 levels and no request.uid/);
    });

    it('unknown paths and methods → 404', async () => {
      expect((await server.get('/mutate')).status).toBe(404);
      expect((await server.post('/nope', {})).status).toBe(404);
    });
  });

  it('refuses TLS 1.1', async () => {
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: server.webhook.port, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (e) => resolve(e));
    });
    expect(error).toBeDefined();
  });
});

describe('webhook robustness', () => {
  it('a failing request answers 500 and the next one works', async () => {
    let fail = true;
    const base = cluster();
    const flaky: ClusterFacts = { ...base, namespaceLabels: (ns) => (fail ? Promise.reject(new Error('boom')) : base.namespaceLabels(ns)) };
    const server = await startTestServer({ cluster: flaky });
    try {
      const res = await server.post('/mutate', loadFixture('pod-create-deployment.json'));
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal error (logged)' });
      fail = false;
      expect((await review(server, '/mutate', loadFixture('pod-create-deployment.json'))).response?.allowed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('stop() drains a request in flight, then refuses connections', async () => {
    const server = await startTestServer({ cluster: cluster(), config: { resolveTimeout: 1_500 } });
    const body = loadFixture('pod-create-deployment.json');
    (body.request!.object as { spec: { containers: { name: string; image: string }[] } }).spec.containers = [{ name: 'a', image: SLOW_IMAGE }];
    const inFlight = server.post('/mutate?timeout=10s', body);
    await new Promise((r) => setTimeout(r, 200));
    const stopped = server.webhook.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as AdmissionReview).response?.uid).toBe(body.request!.uid);
    await stopped;
    await expect(fetch(`${server.webhook.url}/healthz`, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) })).rejects.toThrow();
    await server.agent.close();
  });

  it('--cert-mode file reloads a rotated certificate without a restart', async () => {
    const { server, rotate } = await serverOnCertFiles();
    try {
      expect((await server.get('/healthz')).status).toBe(200);
      await rotate(localhostCertificates());
    } finally {
      await server.close();
    }
  });

  it('after a rotation, a keep-alive connection made with the old certificate is closed after its response', async () => {
    const { server, first, rotate } = await serverOnCertFiles();
    const second = localhostCertificates();
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: [first.ca.certPem, second.ca.certPem] });
    // One request on the agent's single connection: which certificate it was served, and whether it stays open.
    const probe = () =>
      new Promise<{ serial: string; connection: string | undefined }>((resolve, reject) => {
        const req = httpsGet(`${server.webhook.url}/healthz`, { agent, servername: 'localhost' }, (res) => {
          const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
          res.resume();
          res.on('end', () => resolve({ serial, connection: res.headers.connection }));
        });
        req.once('error', reject);
      });
    try {
      const before = await probe();
      expect(before.connection).toBe('keep-alive');
      await rotate(second);
      expect(await probe()).toEqual({ serial: before.serial, connection: 'close' }); // the old connection, told to go
      const after = await probe();
      expect(after.serial).not.toBe(before.serial); // a new handshake, with the new certificate
      expect(after.connection).toBe('keep-alive');
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
