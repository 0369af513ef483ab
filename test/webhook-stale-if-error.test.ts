/**
 * Stale-if-error as an operator meets it (decision 0053): the webhook over HTTPS with a real RegistryClient against
 * a real registry behind the counting proxy. While the registry answers 503 past a tag's TTL, a pod of an image
 * resolved before is still placed by its known archs, with a warning saying the registry failed and as of when;
 * with the window at 0 the same pod follows onUnresolved, as before. (The client's TTL is shortened to 1 s so the
 * test need not wait the webhook's 60 s.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../core/registry/client.js';
import type { AdmissionReview } from '../webhook/admission/review.js';
import { fakeCluster } from '../webhook/testing/fake-cluster.js';
import { loadFixture } from '../webhook/testing/fixtures.js';
import { startTestServer } from '../webhook/testing/test-server.js';
import { startCountingProxy, type CountingProxy, type Fault } from './registry/counting-proxy.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

const TTL_MS = 1_000;

function podReview(image: string): AdmissionReview {
  const review = loadFixture('pod-create-deployment.json');
  const pod = review.request!.object as { spec: { containers: { name: string; image: string }[]; initContainers?: unknown[] } };
  delete pod.spec.initContainers;
  pod.spec.containers = [{ name: 'app', image }];
  return review;
}

describe('webhook with the registry failing past a tag TTL', () => {
  let registry: TestRegistry;
  let proxy: CountingProxy;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'webhook-stale' });
    proxy = await startCountingProxy(registry.url);
    fx = await pushStandardFixtures(registry, { bigManifest: false, refHost: proxy.host });
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  /** Admits a pod, takes the registry down (503) past the TTL, admits the same pod again; then `check` with the server. */
  async function throughOutage(
    window: number,
    check: (r: { before: AdmissionReview; during: AdmissionReview; admit: () => Promise<AdmissionReview> }) => Promise<void> | void,
    outage: Fault = { kind: 'status', status: 503, times: Infinity },
  ): Promise<void> {
    proxy.reset();
    const client = new RegistryClient({ insecureRegistries: [proxy.host], tagTtlMs: TTL_MS, tagStaleIfErrorMs: window });
    // resolveTimeout 1 s: the admission's deadline, well below the client's 5 s per request.
    const server = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }), resolver: client, config: { resolveTimeout: 1_000 } });
    try {
      const admit = async () => {
        const res = await server.post('/mutate?timeout=10s', podReview(fx.singleArm64.ref));
        expect(res.status).toBe(200);
        return (await res.json()) as AdmissionReview;
      };
      const before = await admit();
      expect(before.response?.auditAnnotations?.decision).toBe('injected');
      proxy.inject(outage);
      await sleep(TTL_MS + 100);
      await check({ before, during: await admit(), admit });
    } finally {
      await server.close(); // closes its resolver too
    }
  }

  it('places the pod by the archs its tag last named, and says so', async () => {
    await throughOutage(60_000, async ({ before, during, admit }) => {
      expect(during.response?.allowed).toBe(true);
      expect(during.response?.auditAnnotations?.decision).toBe('injected');
      expect(during.response?.patch).toBe(before.response?.patch);
      expect(during.response?.warnings).toHaveLength(1);
      const [warning] = during.response!.warnings!;
      expect(warning!.startsWith(`archcheck: ${fx.singleArm64.ref}: registry UNREACHABLE; placed by its arch as of `)).toBe(true);
      expect(warning).toMatch(/ as of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // Known failing now: the next admission is answered without asking the registry.
      const sent = proxy.count();
      expect((await admit()).response?.auditAnnotations?.decision).toBe('injected');
      expect(proxy.count()).toBe(sent);
    });
  });

  it('a registry that does not answer at all: even the first admission after the TTL is placed, within its deadline', async () => {
    // Every request held 10 s: longer than the admission's 1 s deadline. The lookup gives the registry half of it.
    await throughOutage(
      60_000,
      ({ before, during }) => {
        expect(during.response?.auditAnnotations?.decision).toBe('injected');
        expect(during.response?.patch).toBe(before.response?.patch);
        expect(during.response?.warnings?.[0]).toContain('registry TIMEOUT; placed by its arch as of ');
      },
      { kind: 'delay', ms: 10_000, times: Infinity },
    );
  });

  it('with tagStaleIfError 0: the pod follows onUnresolved (allow: unchanged)', async () => {
    await throughOutage(0, ({ during }) => {
      expect(during.response?.allowed).toBe(true);
      expect(during.response?.auditAnnotations?.decision).toBe('unresolved');
      // Only the record of why (annotations); nothing under spec: no affinity, no tolerations.
      const ops = JSON.parse(Buffer.from(during.response?.patch ?? 'W10=', 'base64').toString('utf8')) as { path: string }[];
      expect(ops.filter((op) => op.path.startsWith('/spec'))).toEqual([]);
      expect(during.response?.warnings?.[0]).toMatch(/unknown \(UNREACHABLE\); admitted unchanged/);
    });
  });
});
