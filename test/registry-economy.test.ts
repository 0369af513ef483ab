/** Request economy as behaviour: counted by a recording proxy in front of a real registry (counts, not timings). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RegistryClient } from '../core/registry/client.js';
import { MANIFEST_ACCEPT } from '../core/registry/media-types.js';
import { startCountingProxy, type CountingProxy } from './registry/counting-proxy.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';
import { defaultCredentialSources } from '../core/registry/credential-sources.js';

let registry: TestRegistry;
let proxy: CountingProxy;
let fx: Fixtures;
beforeAll(async () => {
  registry = await startRegistry({ name: 'economy' });
  proxy = await startCountingProxy(registry.url);
  fx = await pushStandardFixtures(registry, { bigManifest: false, refHost: proxy.host });
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

it('sends every manifest media type on every manifest request (the registry:2 Accept trap)', async () => {
  proxy.reset();
  await new RegistryClient({ insecureRegistries: [proxy.host], verifyPlatforms: true }).resolve(fx.buildx.ref);
  const manifestRequests = proxy.requests.filter((r) => r.kind === 'manifest');
  expect(manifestRequests.length).toBeGreaterThan(1);
  for (const r of manifestRequests) expect(r.accept).toBe(MANIFEST_ACCEPT);
});

it('fetches a new image once for 200 concurrent lookups', async () => {
  proxy.reset();
  const client = new RegistryClient({ insecureRegistries: [proxy.host] });
  const infos = await Promise.all(Array.from({ length: 200 }, () => client.resolve(fx.multi.ref)));
  expect(new Set(infos.map((i) => i.digest))).toEqual(new Set([fx.multi.digest]));
  expect(proxy.count({ kind: 'manifest' })).toBe(1);
});

it('revalidates a known tag with one HEAD (not a Docker Hub pull) once its TTL has passed', async () => {
  const client = new RegistryClient({ insecureRegistries: [proxy.host], tagTtlMs: 0 });
  await client.resolve(fx.singleArm64.ref);
  proxy.reset();
  expect((await client.resolve(fx.singleArm64.ref)).platformStrings).toEqual(['linux/arm64']);
  expect(proxy.requests.map((r) => `${r.method} ${r.kind}`)).toEqual(['HEAD manifest']);
});

it('retries a 429 from the registry and records ratelimit-remaining', async () => {
  proxy.reset();
  proxy.inject({ kind: 'rateLimit', retryAfter: 1, remaining: 0, match: { kind: 'manifest' } });
  const client = new RegistryClient({ insecureRegistries: [proxy.host] });
  const info = await client.resolve(fx.indexOne.ref);
  expect(info.error).toBeNull();
  expect(proxy.requests.map((r) => r.status)).toEqual([429, 200]);
  expect(client.rateLimitRemaining(proxy.host)).toBe(0);
});

it('does not forward credentials when the registry redirects a blob to another host', async () => {
  const cdn = await startCountingProxy(registry.url);
  try {
    proxy.reset();
    proxy.inject({ kind: 'redirect', to: cdn.url, times: Infinity });
    const client = new RegistryClient(
      { insecureRegistries: [proxy.host, cdn.host] },
      { sources: defaultCredentialSources([], [{ key: proxy.host, credential: { kind: 'registryToken', token: 'secret-token' }, source: 'test' }]) },
    );
    const info = await client.resolve(fx.singleArmv7.ref);
    expect(info.platformStrings).toEqual(['linux/arm/v7']);
    expect(proxy.requests.some((r) => r.hasAuthorization)).toBe(true);
    expect(cdn.requests.length).toBeGreaterThan(0);
    expect(cdn.requests.every((r) => !r.hasAuthorization)).toBe(true);
  } finally {
    await cdn.stop();
  }
});

it('remembers a missing image briefly instead of asking again at once', async () => {
  const client = new RegistryClient({ insecureRegistries: [proxy.host] });
  proxy.reset();
  expect((await client.resolve(fx.missing.ref)).error?.code).toBe('NOT_FOUND');
  expect((await client.resolve(fx.missing.ref)).error?.code).toBe('NOT_FOUND');
  expect(proxy.count({ kind: 'manifest' })).toBe(1);
});
