/**
 * Per-image work caps through the webhook, against the real registry behind the counting proxy: an index with
 * thousands of entries costs one manifest request once and none on the next admission (LIMIT_EXCEEDED is
 * remembered by digest), the pod gets the documented `unresolved` decision, and the caps are the webhook's own
 * settings (maxIndexEntries, maxChildFetches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionReview } from '../webhook/admission/review.js';
import type { WebhookConfig } from '../webhook/config.js';
import { fakeCluster } from '../webhook/testing/fake-cluster.js';
import { loadFixture } from '../webhook/testing/fixtures.js';
import { startTestServer, type TestServer } from '../webhook/testing/test-server.js';
import { startCountingProxy, type CountingProxy } from './registry/counting-proxy.js';
import { FixtureBuilder } from './registry/fixtures.js';
import { buildImage, buildIndex, descriptorOf } from './registry/oci.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

interface Answer {
  allowed: boolean;
  decision: string | undefined;
  warnings: string[];
  patch: string | undefined;
  status?: { message?: string };
}

let registry: TestRegistry;
let proxy: CountingProxy;
/** 3,000 entries, all labelled linux/arm64, pointing at one real arm64 image. */
let hugeRef: string;
/** 24 entries without platform labels (as kaniko writes them), each a different image: 48 child requests to resolve. */
let unlabelledRef: string;

const cluster = fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } });

function podReview(image: string): AdmissionReview {
  const review = loadFixture('pod-create-deployment.json');
  review.request!.namespace = 'shop';
  const pod = review.request!.object as { spec: { containers: { name: string; image: string }[]; initContainers?: unknown } };
  delete pod.spec.initContainers;
  pod.spec.containers = [{ name: 'app', image }];
  return review;
}

async function admit(server: TestServer, image: string): Promise<Answer> {
  const res = await server.post('/mutate?timeout=10s', podReview(image));
  expect(res.status).toBe(200);
  const r = ((await res.json()) as AdmissionReview).response!;
  return { allowed: r.allowed, decision: r.auditAnnotations?.decision, warnings: r.warnings ?? [], patch: r.patch, ...(r.status && { status: r.status }) };
}

/** Manifest and blob requests the registry saw (the base /v2/ ping is not work caused by the image). */
const imageRequests = (): string[] => proxy.requests.filter((r) => r.kind === 'manifest' || r.kind === 'blob').map((r) => `${r.method} ${r.path}`);

async function withWebhook<T>(config: Partial<WebhookConfig>, fn: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startTestServer({ cluster, resolver: 'registry', config: { insecureRegistries: [proxy.host], ...config } });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

beforeAll(async () => {
  registry = await startRegistry({ name: 'work-caps' });
  const builder = new FixtureBuilder(registry);
  const arm = buildImage({ os: 'linux', architecture: 'arm64' });
  await builder.client.pushImage('caps/huge', arm);
  const huge = buildIndex(Array.from({ length: 3000 }, () => ({ ...descriptorOf(arm), platform: { os: 'linux', architecture: 'arm64' } })));
  await builder.client.pushManifest('caps/huge', '1', huge);
  const images = Array.from({ length: 24 }, (_, i) => buildImage({ os: 'linux', architecture: i % 2 ? 'arm64' : 'amd64' }));
  for (const image of images) await builder.client.pushImage('caps/unlabelled', image);
  await builder.client.pushManifest('caps/unlabelled', '1', buildIndex(images.map(descriptorOf)));
  await builder.close();
  proxy = await startCountingProxy(registry.url);
  hugeRef = `${proxy.host}/caps/huge:1`;
  unlabelledRef = `${proxy.host}/caps/unlabelled:1`;
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

describe('webhook work caps against the real registry', () => {
  it('an index with 3,000 entries: one manifest request, unresolved with LIMIT_EXCEEDED, none on the next admission', async () => {
    await withWebhook({}, async (server) => {
      proxy.reset();
      const first = await admit(server, hugeRef);
      // The documented decision: admitted unchanged but for the record of why, with a warning naming the cap.
      expect(first).toMatchObject({ allowed: true, decision: 'unresolved' });
      expect(first.warnings.join('\n')).toMatch(/LIMIT_EXCEEDED/);
      const ops = JSON.parse(Buffer.from(first.patch ?? 'W10=', 'base64').toString('utf8')) as { path: string; value?: unknown }[];
      expect(ops.every((op) => op.path.startsWith('/metadata/annotations'))).toBe(true);
      expect(JSON.stringify(ops)).toMatch(/3000 platform entries.*maxIndexEntries 64/);
      expect(imageRequests()).toEqual(['GET /v2/caps/huge/manifests/1']);

      proxy.reset();
      const second = await admit(server, hugeRef);
      expect(second).toMatchObject({ allowed: true, decision: 'unresolved' });
      expect(proxy.requests).toEqual([]);
    });
  });

  it('with onUnresolved deny the same pod is refused, naming the cap and what to do', async () => {
    await withWebhook({ onUnresolved: 'deny' }, async (server) => {
      const r = await admit(server, hugeRef);
      expect(r).toMatchObject({ allowed: false, decision: 'denied:unresolved' });
      expect(r.status?.message).toMatch(/maxIndexEntries 64.*image-override/);
    });
  });

  it('maxIndexEntries is a webhook setting: raised above the entry count, the index resolves', async () => {
    await withWebhook({ maxIndexEntries: 4096 }, async (server) => {
      proxy.reset();
      const r = await admit(server, hugeRef);
      expect(r).toMatchObject({ allowed: true, decision: 'injected' });
      // Labelled entries are trusted without fetching them (verifyPlatforms off): still one manifest request.
      expect(imageRequests()).toEqual(['GET /v2/caps/huge/manifests/1']);
    });
  });

  it('maxChildFetches bounds the requests one new image causes; the default lets the same image resolve', async () => {
    proxy.reset();
    await withWebhook({ maxChildFetches: 8 }, async (server) => {
      const r = await admit(server, unlabelledRef);
      expect(r).toMatchObject({ allowed: true, decision: 'unresolved' });
      expect(r.warnings.join('\n')).toMatch(/LIMIT_EXCEEDED/);
      expect((await admit(server, unlabelledRef)).decision).toBe('unresolved');
    });
    // Counted once the webhook has stopped: child fetches started before the cap was hit may land after the answer.
    const requests = imageRequests();
    expect(requests.filter((r) => r.endsWith('/manifests/1'))).toEqual(['GET /v2/caps/unlabelled/manifests/1']);
    expect(requests.length).toBeLessThanOrEqual(1 + 8); // the index once, at most 8 children, for both admissions (49 uncapped)
    await withWebhook({}, async (server) => {
      proxy.reset();
      const r = await admit(server, unlabelledRef);
      expect(r).toMatchObject({ allowed: true, decision: 'injected' });
      expect(imageRequests().length).toBe(1 + 24 + 24); // the index, each child manifest, each config
    });
  });
});
