import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionReview } from './admission/review.js';
import { fakeCluster } from './testing/fake-cluster.js';
import { loadFixture } from './testing/fixtures.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/** Deterministic strings with quotes, backslashes, newlines, non-ASCII and lengths up to 4 KiB. */
function randomStrings(seed: number): () => string {
  let state = seed;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const alphabet = 'abcXYZ019-_.:/"\\\n{}=, ü世🙂';
  return () => Array.from({ length: 1 + Math.floor(next() ** 3 * 4096) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

/** Reviews whose request fields and pod fields are random: each shape ends in the same decision whatever the strings. */
function hostileReviews(text: () => string): AdmissionReview[] {
  const base = (): AdmissionReview => loadFixture('pod-create-deployment.json');
  const operation = base();
  operation.request!.operation = text();
  const kind = base();
  kind.request!.kind = { group: text(), version: text(), kind: text() };
  const pod = base();
  const object = pod.request!.object as { metadata: Record<string, unknown>; spec: { containers: { image: string }[] } };
  pod.request!.namespace = `ns-${text()}`;
  pod.request!.userInfo = { username: text() };
  object.metadata.generateName = text();
  object.spec.containers[0]!.image = `${text()}/${text()}:${text()}`;
  const subresource = base();
  subresource.request!.subResource = text();
  return [operation, kind, pod, subresource];
}

/** The series /metrics lists for archcheck and the webhook metrics (names and label sets, without values). */
function series(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^(archcheck_|controller_runtime_)/.test(l))
    .map((l) => l.slice(0, l.lastIndexOf(' ')))
    .sort();
}

describe('metrics under random request strings (closed label sets)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }) });
  });
  afterAll(async () => server.close());

  const send = async (reviews: AdmissionReview[]): Promise<void> => {
    for (const r of reviews) for (const path of ['/mutate', '/validate']) expect((await server.post(path, r)).status).toBe(200);
  };
  const metrics = async (): Promise<string> => (await server.get('/metrics')).text();

  it('keeps the same series and the same size after 400 reviews of random strings', async () => {
    const text = randomStrings(12);
    await send(hostileReviews(text));
    const before = await metrics();
    for (let i = 0; i < 100; i++) await send(hostileReviews(text));
    const after = await metrics();
    expect(series(after)).toEqual(series(before));
    const archcheckBytes = (t: string): number => series(t).join('\n').length;
    expect(archcheckBytes(after)).toBe(archcheckBytes(before));
    // Only counter values grew (a few digits per series), not the page.
    expect(after.length - before.length).toBeLessThan(4_000);
    expect(after).not.toContain('ns-');
    expect(after).toMatch(/archcheck_admission_requests_total\{endpoint="mutate",operation="other",kind="Pod",decision="ignored",reason="none",mode="none"\}/);
  });
});
