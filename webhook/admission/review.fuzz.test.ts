import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCluster } from '../testing/fake-cluster.js';
import { anyEndpoint, anyReview, anySettings, checkReview } from '../testing/review-fuzz.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import type { AdmissionReview } from './review.js';

/** `npm run fuzz` sets ARCHCHECK_FUZZ_RUNS=100000; the normal test run does a few thousand. */
const RUNS = Number(process.env.ARCHCHECK_FUZZ_RUNS ?? 3_000);
const HTTP_RUNS = Math.max(200, Math.floor(RUNS / 20));
const LONG = 60 * 60 * 1000;

describe(`review fuzzing (${RUNS} cases)`, () => {
  it(
    'every review gets an AdmissionReview echoing its uid; every patch applies, leaves a well-formed object, and re-admitting changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyEndpoint, anyReview, anySettings, (endpoint, body, settings) => checkReview(endpoint, body, settings)),
        { numRuns: RUNS },
      );
    },
    LONG,
  );
});

/** Over real HTTPS: the body parser, the depth bound and the route, with text that is not always JSON. */
describe(`review fuzzing over HTTPS (${HTTP_RUNS} cases)`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }) });
  });
  afterAll(async () => server.close());

  const nested = fc.nat({ max: 200_000 }).map((n) => `[`.repeat(n) + `]`.repeat(n));
  const body = fc.oneof(
    { arbitrary: anyReview.map((r) => JSON.stringify(r) ?? 'null'), weight: 6 },
    { arbitrary: fc.tuple(anyReview, nested).map(([r, deep]) => (JSON.stringify(r) ?? 'null').replace(/"spec":/, `"deep":${deep},"spec":`)), weight: 2 },
    { arbitrary: fc.tuple(anyReview, fc.nat()).map(([r, cut]) => { const t = JSON.stringify(r) ?? ''; return t.slice(0, cut % (t.length + 1)); }), weight: 1 },
    { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  );

  it(
    'never answers 500; a v1 body with a uid always gets an AdmissionReview echoing it',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyEndpoint, body, async (endpoint, text) => {
          const res = await server.post(`/${endpoint}`, text, { raw: true });
          expect(res.status).not.toBe(500);
          const json = (await res.json()) as AdmissionReview & { error?: string };
          if (res.status !== 200) {
            expect(json.error).toEqual(expect.any(String));
            return;
          }
          expect(json).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: expect.any(String), allowed: expect.any(Boolean) } });
          expect(text).toContain(JSON.stringify(json.response!.uid).slice(1, -1));
        }),
        { numRuns: HTTP_RUNS },
      );
    },
    LONG,
  );
});
