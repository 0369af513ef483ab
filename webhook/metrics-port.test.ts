import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCluster } from './testing/fake-cluster.js';
import { loadFixture } from './testing/fixtures.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

describe('plain-HTTP metrics port (--metrics-listen)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }), config: { metricsListen: { host: '127.0.0.1', port: 0 } } });
  });
  afterAll(async () => server.close());

  it('serves the admission metrics over plain HTTP on its own port, and nothing else there', async () => {
    const metricsUrl = server.webhook.metricsUrl!;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(metricsUrl).port).not.toBe(String(server.webhook.port));
    expect((await server.post('/mutate', loadFixture('pod-create-deployment.json'))).status).toBe(200);
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('archcheck_admission_requests_total{endpoint="mutate",operation="CREATE",kind="Pod",decision="injected",reason="none",mode="mutate"} 1');
    // Admission is never served on the plain port.
    const admission = await fetch(`${metricsUrl}/mutate`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(admission.status).toBe(404);
  });

  it('is off unless configured', async () => {
    const plain = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64' } }) });
    try {
      expect(plain.webhook.metricsUrl).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
