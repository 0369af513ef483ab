/**
 * Stale-if-error (decision 0053) against a real registry behind the counting proxy: when the registry cannot be asked
 * (5xx here) after a tag's TTL, the tag's last answer stands in — marked stale, with when it was last confirmed and
 * why it could not be now — answered from memory without waiting while the registry fails, and fresh again once it
 * answers. Never for a failure about the image (404), never past the window, never when the window is 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, type TagRefreshResult } from '../core/registry/client.js';
import type { RegistryOptions } from '../core/registry/options.js';
import type { CountingProxy } from './registry/counting-proxy.js';
import type { Fixtures } from './registry/fixtures.js';
import { nthRefresh, sleepUntil as until, startProxiedRegistry, type ProxiedRegistry } from './registry/proxied.js';

const TTL_MS = 1_000;

describe('stale-if-error', () => {
  let served: ProxiedRegistry;
  let proxy: CountingProxy;
  let fx: Fixtures;
  const via = (ref: string) => served.via(ref);
  const refreshes: TagRefreshResult[] = [];
  const client = (options: Partial<RegistryOptions> = {}) =>
    new RegistryClient(
      { insecureRegistries: [proxy.host], tagTtlMs: TTL_MS, tagStaleIfErrorMs: 60_000, requestTimeoutMs: 1_000, resolveTimeoutMs: 2_000, ...options },
      { observer: { onTagRefresh: (r) => refreshes.push(r) } },
    );
  const refreshed = (n: number) => nthRefresh(refreshes, n);
  const registryDown = () => proxy.inject({ kind: 'status', status: 503, times: Infinity });

  beforeAll(async () => {
    served = await startProxiedRegistry('stale-if-error');
    ({ proxy, fx } = served);
  });
  afterAll(() => served?.stop());
  beforeEach(() => {
    proxy.reset();
    refreshes.length = 0;
  });

  it('past the TTL with the registry failing: the last answer, marked stale, from memory while it fails; fresh once it answers', async () => {
    const c = client();
    const ref = via(fx.multi.ref);
    const fresh = await c.resolve(ref);
    const confirmed = Date.now();
    registryDown();
    await until(confirmed, TTL_MS + 50);

    // Not yet known to fail: the lookup asks the registry, and the 503 gives way to the stale answer.
    expect(c.resolveFromMemory(ref)).toBeUndefined();
    const stale = await c.resolve(ref);
    expect(stale.error).toBeNull();
    expect(stale.platformStrings).toEqual(fresh.platformStrings);
    expect(stale.digest).toBe(fresh.digest);
    expect(stale.stale?.error.code).toBe('UNREACHABLE');
    expect(stale.stale?.error.message).toMatch(/503/);
    expect(Date.parse(stale.stale!.since)).toBeGreaterThanOrEqual(confirmed - 1_000);
    expect(Date.parse(stale.stale!.since)).toBeLessThanOrEqual(confirmed);

    // Now known: answered at once, nothing sent.
    const sent = proxy.count();
    expect(c.resolveFromMemory(ref)).toEqual(stale);
    expect(await c.resolve(ref)).toEqual(stale);
    expect(proxy.count()).toBe(sent);

    // The registry is back: within 5 s a lookup asks it again in the background, and the tag is fresh again.
    proxy.clearFaults();
    await sleep(5_100);
    expect(c.resolveFromMemory(ref)?.stale).toBeDefined();
    expect(await refreshed(1)).toBe('unchanged');
    expect(c.resolveFromMemory(ref)).toEqual(fresh);
    await c.close();
  }, 20_000);

  it('a refresh ahead that the registry fails: the first lookup after the TTL is answered stale without waiting', async () => {
    const c = client({ tagTtlMs: 2 * TTL_MS });
    const ref = via(fx.singleArm64.ref);
    const fresh = await c.resolve(ref);
    const confirmed = Date.now();
    registryDown();
    await until(confirmed, 2 * TTL_MS * 0.8);
    expect(c.resolveFromMemory(ref)).toEqual(fresh);
    expect(await refreshed(1)).toBe('failed');
    await until(confirmed, 2 * TTL_MS + 50);
    const stale = c.resolveFromMemory(ref);
    expect(stale?.platformStrings).toEqual(['linux/arm64']);
    expect(stale?.stale?.error.code).toBe('UNREACHABLE');
    await c.close();
  });

  it('a tag deleted while answered stale: the background retry sees the 404 and the stale answers end', async () => {
    const c = client();
    const ref = via(fx.singleAmd64.ref);
    await c.resolve(ref);
    registryDown();
    await sleep(TTL_MS + 50);
    expect((await c.resolve(ref)).stale).toBeDefined();
    proxy.clearFaults();
    proxy.inject({ kind: 'status', status: 404, times: Infinity, match: { kind: 'manifest' }, body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' });
    await sleep(5_100);
    expect(c.resolveFromMemory(ref)?.stale).toBeDefined();
    expect(await refreshed(1)).toBe('failed');
    expect(c.resolveFromMemory(ref)).toBeUndefined();
    expect((await c.resolve(ref)).error?.code).toBe('NOT_FOUND');
    await c.close();
  }, 20_000);

  it('not for an answer about the image: a tag the registry no longer has is NOT_FOUND, not stale', async () => {
    const c = client();
    const ref = via(fx.buildx.ref);
    await c.resolve(ref);
    proxy.inject({ kind: 'status', status: 404, times: Infinity, match: { kind: 'manifest' }, body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' });
    await sleep(TTL_MS + 50);
    const info = await c.resolve(ref);
    expect(info.error?.code).toBe('NOT_FOUND');
    expect(info.stale).toBeUndefined();
    await c.close();
  });

  it('not past the window, and never with the window at 0: the image is unresolved as without it', async () => {
    for (const window of [300, 0]) {
      proxy.reset();
      const c = client({ tagStaleIfErrorMs: window });
      const ref = via(fx.winMixed.ref);
      await c.resolve(ref);
      registryDown();
      await sleep(TTL_MS + window + 50);
      const info = await c.resolve(ref);
      expect(info.error?.code, `window ${window}`).toBe('UNREACHABLE');
      expect(info.platforms).toEqual([]);
      expect(info.stale).toBeUndefined();
      await c.close();
    }
  });
});
