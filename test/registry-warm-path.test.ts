/**
 * The client's answer from memory (`resolveFromMemory`, what an admission uses before arming its deadline) against
 * a real registry: it is exactly what `resolve` answers, it sends no request, and it keeps the cache's keying — an
 * answer fetched with one pull secret is never served from memory to a lookup without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDockerConfig } from '../core/credentials.js';
import { RegistryClient } from '../core/registry/client.js';
import type { RequestEvent } from '../core/registry/transport.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

describe('answers from memory, anonymous registry', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'warm-anon' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  it('none before the first lookup; afterwards exactly what resolve answers, tag or digest, without a request', async () => {
    const requests: RequestEvent[] = [];
    const client = new RegistryClient({ insecureRegistries: [registry.host] }, { observer: { onRequest: (e) => requests.push(e) } });
    const refs = [fx.multi.ref, fx.singleArm64.ref, fx.indexNested.ref, fx.multi.digestRef, fx.winMixed.ref];
    for (const ref of refs) expect(client.resolveFromMemory(ref), ref).toBeUndefined();
    const resolved = await Promise.all(refs.map((ref) => client.resolve(ref)));
    const sent = requests.length;
    for (const [i, ref] of refs.entries()) {
      expect(client.resolveFromMemory(ref), ref).toEqual(resolved[i]);
      expect(client.resolveFromMemory(ref), ref).toEqual(await client.resolve(ref));
    }
    expect(requests.length).toBe(sent);
  });

  it('an image not found is answered from the negative cache as resolve answers it; an invalid reference too', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    const missing = await client.resolve(fx.missing.ref);
    expect(missing.error?.code).toBe('NOT_FOUND');
    expect(client.resolveFromMemory(fx.missing.ref)).toEqual(missing);
    const invalid = client.resolveFromMemory('Not A Reference!');
    expect(invalid?.error?.code).toBe('INVALID_REFERENCE');
    expect(invalid).toEqual(await client.resolve('Not A Reference!'));
  });

  it('a remembered plan serves other requests with their own deadline', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    await client.resolve(fx.multi.ref, { deadlineAt: Date.now() + 5_000 });
    expect(client.resolveFromMemory(fx.multi.ref, { deadlineAt: Date.now() + 1 })?.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
  });
});

describe('answers from memory, registry with accounts', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'warm-htpasswd', auth: 'htpasswd' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  const secret = (host: string, password: string) => parseDockerConfig(JSON.stringify({ auths: { [host]: { username: 'alice', password } } }), 'pull secret b/regcred');

  it.each([
    ['by tag', (f: Fixtures) => f.multi.ref],
    ['by digest', (f: Fixtures) => f.multi.digestRef],
  ])('resolved %s with a pull secret: answered from memory for that secret only', async (_name, ref) => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    const withSecret = await client.resolve(ref(fx), { credentials: secret(registry.host, 'wonderland') });
    expect(withSecret.error).toBeNull();
    expect(client.resolveFromMemory(ref(fx), { credentials: secret(registry.host, 'wonderland') })).toEqual(withSecret);
    // Without it, or with another one, memory has nothing: resolve asks the registry, which refuses.
    expect(client.resolveFromMemory(ref(fx))).toBeUndefined();
    expect(client.resolveFromMemory(ref(fx), { credentials: secret(registry.host, 'not-it') })).toBeUndefined();
    expect((await client.resolve(ref(fx))).error?.code).toBe('UNAUTHORIZED');
  });
});
