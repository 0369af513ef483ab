/**
 * Tags renewed ahead of their expiry, against a real registry behind the counting proxy: a tag looked up in the last
 * quarter of its TTL is revalidated with one HEAD in the background, so an image in steady use is answered from
 * memory across its TTL instead of making an admission wait for the registry; a tag that moved is forgotten as soon
 * as the refresh sees it; a refresh that fails changes nothing (the tag expires when it would have).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type TagRefreshResult } from '../core/registry/client.js';
import { DiskContentStore } from '../core/registry/disk-content-store.js';
import type { RegistryOptions } from '../core/registry/options.js';
import type { CountingProxy } from './registry/counting-proxy.js';
import type { Fixtures } from './registry/fixtures.js';
import { nthRefresh, sleepUntil as until, startProxiedRegistry, type ProxiedRegistry } from './registry/proxied.js';

const TTL_MS = 2_000;

/** A client through the proxy that records its background refreshes; `refreshed(n)` waits for the n-th. */
function refreshingClient(proxy: CountingProxy, options: Partial<RegistryOptions> = {}) {
  const results: TagRefreshResult[] = [];
  const client = new RegistryClient(
    { insecureRegistries: [proxy.host], tagTtlMs: TTL_MS, requestTimeoutMs: 2_000, ...options },
    { observer: { onTagRefresh: (r) => results.push(r) } },
  );
  return { client, results, refreshed: (n: number) => nthRefresh(results, n) };
}

describe('tags renewed ahead of expiry', () => {
  let served: ProxiedRegistry;
  let proxy: CountingProxy;
  let fx: Fixtures;
  const via = (ref: string) => served.via(ref);
  beforeAll(async () => {
    served = await startProxiedRegistry('tag-refresh');
    ({ proxy, fx } = served);
  });
  afterAll(() => served?.stop());

  it('an image in steady use is answered from memory past its TTL, renewed by one HEAD in the background', async () => {
    proxy.reset();
    const { client, results, refreshed } = refreshingClient(proxy);
    const ref = via(fx.multi.ref);
    const first = await client.resolve(ref);
    const stored = Date.now();
    expect(first.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
    const sent = proxy.count();

    // Halfway: trusted, nothing sent.
    await until(stored, TTL_MS / 2);
    expect(client.resolveFromMemory(ref)).toEqual(first);
    expect(proxy.count()).toBe(sent);

    // In the last quarter: still answered at once, and one HEAD renews the tag however many lookups see it due.
    await until(stored, TTL_MS * 0.8);
    for (let i = 0; i < 5; i++) expect(client.resolveFromMemory(ref)).toEqual(first);
    expect(await refreshed(1)).toBe('unchanged');
    expect(proxy.count({ method: 'HEAD', kind: 'manifest' })).toBe(1);
    expect(proxy.count()).toBe(sent + 1);

    // Past the first TTL: the renewed tag is still answered from memory (without the refresh this lookup would wait).
    await until(stored, TTL_MS + 300);
    expect(client.resolveFromMemory(ref)).toEqual(first);
    expect(results).toEqual(['unchanged']);
    await client.close();
  });

  it('with tagRefreshAhead off, nothing is sent early and the first lookup after the TTL waits for the HEAD', async () => {
    proxy.reset();
    const client = new RegistryClient({ insecureRegistries: [proxy.host], tagTtlMs: TTL_MS, tagRefreshAhead: false });
    const ref = via(fx.buildx.ref);
    const first = await client.resolve(ref);
    const stored = Date.now();
    await until(stored, TTL_MS * 0.8);
    expect(client.resolveFromMemory(ref)).toEqual(first);
    await sleep(100);
    expect(proxy.count({ method: 'HEAD' })).toBe(0);
    await until(stored, TTL_MS + 100);
    expect(client.resolveFromMemory(ref)).toBeUndefined();
    expect(await client.resolve(ref)).toEqual(first);
    expect(proxy.count({ method: 'HEAD', kind: 'manifest' })).toBe(1);
    await client.close();
  });

  it('a tag that moved is forgotten when the refresh sees it, and the next lookup answers what it names now', async () => {
    await fx.movingTag.moveTag('single');
    proxy.reset();
    const { client, refreshed } = refreshingClient(proxy);
    const ref = via(fx.movingTag.ref);
    const before = await client.resolve(ref);
    const stored = Date.now();
    expect(before.platformStrings).toEqual(['linux/amd64']);
    await fx.movingTag.moveTag('multi');

    await until(stored, TTL_MS * 0.8);
    // Within its TTL the old digest is still the answer (as without refreshing), while the HEAD looks.
    expect(client.resolveFromMemory(ref)?.digest).toBe(before.digest);
    expect(await refreshed(1)).toBe('moved');
    // Before its TTL ended: nothing from memory; the lookup fetches the tag again.
    expect(Date.now() - stored).toBeLessThan(TTL_MS);
    expect(client.resolveFromMemory(ref)).toBeUndefined();
    const after = await client.resolve(ref);
    expect(after.platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    expect(after.digest).not.toBe(before.digest);
    await client.close();
  });

  // With stale-if-error off: what the refresh alone does (registry-stale-if-error.test.ts has the rest).
  it('a refresh the registry fails changes nothing: the tag is answered until its TTL ends, then looked up again', async () => {
    proxy.reset();
    const { client, refreshed } = refreshingClient(proxy, { tagStaleIfErrorMs: 0 });
    const ref = via(fx.singleArm64.ref);
    const first = await client.resolve(ref);
    const stored = Date.now();
    proxy.inject({ kind: 'status', status: 503, times: Infinity, match: { method: 'HEAD', kind: 'manifest' } });

    await until(stored, TTL_MS * 0.8);
    expect(client.resolveFromMemory(ref)).toEqual(first);
    expect(await refreshed(1)).toBe('failed');
    expect(proxy.count({ method: 'HEAD', kind: 'manifest' })).toBeGreaterThanOrEqual(1);

    await until(stored, TTL_MS + 100);
    expect(client.resolveFromMemory(ref)).toBeUndefined();
    proxy.clearFaults();
    expect((await client.resolve(ref)).platformStrings).toEqual(first.platformStrings);
    await client.close();
  });

  describe('a digest the caller knew (lastKnownDigest: the plugin\'s on-disk answers past --tag-ttl)', () => {
    it('one HEAD instead of a GET, the content from the store by digest; a digest the registry does not confirm is not used', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'archcheck-known-digest-'));
      const firstStore = new DiskContentStore({ dir });
      const first = new RegistryClient({ insecureRegistries: [proxy.host] }, { contentStore: firstStore });
      const ref = via(fx.multi.ref);
      const before = await first.resolve(ref);
      await first.close();
      await firstStore.close();

      proxy.reset();
      const store = new DiskContentStore({ dir });
      const again = new RegistryClient({ insecureRegistries: [proxy.host] }, { contentStore: store });
      const info = await again.resolve(ref, { lastKnownDigest: before.digest! });
      expect(info).toEqual(before);
      expect(proxy.requests.map((r) => `${r.method} ${r.kind}`)).toEqual(['HEAD manifest']);

      // Another image's digest: the HEAD names a different one, so the tag is fetched and answered as it is.
      proxy.reset();
      const wrong = await again.resolve(via(fx.singleArm64.ref), { lastKnownDigest: before.digest! });
      expect(wrong.platformStrings).toEqual(['linux/arm64']);
      expect(wrong.digest).not.toBe(before.digest);
      expect(proxy.count({ method: 'GET', kind: 'manifest' })).toBeGreaterThanOrEqual(1);
      await again.close();
      await store.close();
    });

    it('never a stale-if-error fallback: with the registry failing, the image is unresolved', async () => {
      const c = new RegistryClient({ insecureRegistries: [proxy.host] });
      const ref = via(fx.buildx.ref);
      // The client knows the digest's answer (looked up by digest) but nothing of the tag: the hint alone must not
      // become a stale answer when the registry fails.
      const before = await c.resolve(via(fx.buildx.digestRef));
      expect(before.error).toBeNull();
      proxy.reset();
      proxy.inject({ kind: 'status', status: 503, times: Infinity });
      const info = await c.resolve(ref, { lastKnownDigest: before.digest! });
      expect(info.error?.code).toBe('UNREACHABLE');
      expect(info.stale).toBeUndefined();
      await c.close();
    });
  });
});
