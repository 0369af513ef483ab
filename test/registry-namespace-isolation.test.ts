/**
 * Answers derived with one namespace's pull secret are not served to a lookup without it (issue 12 item 6), against
 * the real registry with htpasswd: a digest is not a secret, so a cached answer for it is served only to a
 * credential that has been shown to read that manifest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDockerConfig } from '../core/credentials.js';
import { RegistryClient } from '../core/registry/client.js';
import type { RequestEvent } from '../core/registry/transport.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

describe('no answer shared across credentials', () => {
  let registry: TestRegistry;
  let fx: Fixtures;

  beforeAll(async () => {
    registry = await startRegistry({ name: 'isolation-htpasswd', auth: 'htpasswd' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  const secretOfB = (): ReturnType<typeof parseDockerConfig> =>
    parseDockerConfig(JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'wonderland' } } }), 'pull secret b/regcred');
  const secretOfC = (): ReturnType<typeof parseDockerConfig> =>
    parseDockerConfig(JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'not-it' } } }), 'pull secret c/regcred');

  it.each([
    ['by digest', (f: Fixtures) => f.multi.digestRef, (f: Fixtures) => f.multi.digestRef],
    ['by tag, then the same image by digest', (f: Fixtures) => f.multi.ref, (f: Fixtures) => f.multi.digestRef],
  ])('resolved %s with namespace B’s secret, it is not answered for a pod without it (nor with a wrong one)', async (_name, first, second) => {
    const requests: RequestEvent[] = [];
    const client = new RegistryClient({ insecureRegistries: [registry.host] }, { observer: { onRequest: (e) => requests.push(e) } });
    const b = await client.resolve(first(fx), { credentials: secretOfB() });
    expect(b.error).toBeNull();
    expect(b.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);

    const a = await client.resolve(second(fx));
    expect(a.error?.code).toBe('UNAUTHORIZED');
    expect(a.platformStrings).toEqual([]);
    const c = await client.resolve(second(fx), { credentials: secretOfC() });
    expect(c.error?.code).toBe('UNAUTHORIZED');

    // B itself keeps being answered from the cache: one HEAD at most proves it, and no manifest is fetched again.
    const before = requests.length;
    const again = await client.resolve(second(fx), { credentials: secretOfB() });
    expect(again.error).toBeNull();
    expect(again.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
    expect(requests.slice(before).filter((r) => r.method === 'GET' && r.code === '200')).toEqual([]);
  });
});
