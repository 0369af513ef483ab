import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCluster } from '../testing/fake-cluster.js';
import { loadFixture } from '../testing/fixtures.js';
import { localhostCertificates, startTestServer, type TestServer } from '../testing/test-server.js';
import { apiserverShaped } from './admission-fast-path.js';

const req = (method: string, headers: Record<string, string>): IncomingMessage => ({ method, headers }) as unknown as IncomingMessage;

describe('apiserverShaped: which requests the fast path answers (the rest go to express)', () => {
  const json = { 'content-type': 'application/json', 'content-length': '4600' };
  it.each<{ name: string; method: string; headers: Record<string, string>; length: number | undefined }>([
    { name: "the apiserver's POST", method: 'POST', headers: json, length: 4600 },
    { name: 'a GET', method: 'GET', headers: json, length: undefined },
    { name: 'charset in the media type', method: 'POST', headers: { ...json, 'content-type': 'application/json; charset=utf-8' }, length: undefined },
    { name: 'a +json media type', method: 'POST', headers: { ...json, 'content-type': 'application/merge-patch+json' }, length: undefined },
    { name: 'gzip', method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, length: undefined },
    { name: 'chunked', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, length: undefined },
    { name: 'an empty body', method: 'POST', headers: { ...json, 'content-length': '0' }, length: undefined },
    { name: 'over 3 MiB', method: 'POST', headers: { ...json, 'content-length': String(3 * 1024 * 1024 + 1) }, length: undefined },
    { name: 'exactly 3 MiB', method: 'POST', headers: { ...json, 'content-length': String(3 * 1024 * 1024) }, length: 3 * 1024 * 1024 },
  ])('$name → $length', ({ method, headers, length }) => {
    expect(apiserverShaped(req(method, headers))).toBe(length);
  });
});

interface Answer {
  status: number;
  contentType: string | undefined;
  body: unknown;
}

/** POST over HTTPS with exactly these headers (fetch would add its own). */
function post(server: TestServer, ca: string, path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request(`${server.webhook.url}${path}`, { method: 'POST', ca, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

describe('the fast path and express answer alike, over HTTPS', () => {
  const certs = localhostCertificates();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }), certs });
  });
  afterAll(async () => server.close());

  const fixture = (name: string): string => JSON.stringify(loadFixture(name));
  const bodies: { name: string; path: string; text: string }[] = [
    { name: 'a Deployment pod (patched)', path: '/mutate?timeout=10s', text: fixture('pod-create-deployment.json') },
    { name: 'an arch conflict (denied)', path: '/mutate', text: fixture('pod-create-arch-conflict.json') },
    { name: 'a DaemonSet', path: '/mutate?timeout=10s&timeout=5s', text: fixture('daemonset-create.json') },
    { name: 'a Deployment on /validate', path: '/validate', text: fixture('deployment-create-no-common-arch.json') },
    { name: 'not JSON', path: '/mutate', text: '{"request": ' },
    { name: 'no uid', path: '/mutate', text: '{"apiVersion":"admission.k8s.io/v1","request":{}}' },
    { name: 'nested too deep', path: '/mutate', text: `{"request":{"uid":"deep-1","x":${'['.repeat(500)}${']'.repeat(500)}}}` },
  ];
  it.each(bodies)('$name: plain (fast path) = gzip (express)', async ({ path, text }) => {
    const fast = await post(server, certs.ca.certPem, path, Buffer.from(text), { 'content-type': 'application/json' });
    const viaExpress = await post(server, certs.ca.certPem, path, gzipSync(text), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(fast).toEqual(viaExpress);
    expect(fast.contentType).toBe('application/json; charset=utf-8');
  });

  it('a body cut off mid-way leaves nothing in flight, and the next review is answered', async () => {
    const text = fixture('pod-create-deployment.json');
    await new Promise<void>((resolve) => {
      const r = request(`${server.webhook.url}/mutate`, { method: 'POST', ca: certs.ca.certPem, headers: { 'content-type': 'application/json', 'content-length': String(text.length) } });
      r.on('error', () => resolve());
      r.write(text.slice(0, 100), () => setTimeout(() => r.destroy(), 50));
      r.on('close', () => resolve());
    });
    const answer = await post(server, certs.ca.certPem, '/mutate', Buffer.from(text), { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
    const metrics = await (await server.get('/metrics')).text();
    expect(metrics).toMatch(/controller_runtime_webhook_requests_in_flight\{webhook="\/mutate"\} 0\n/);
  });
});
