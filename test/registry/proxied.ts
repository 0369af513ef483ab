/**
 * What the tests of tag timing share (registry-tag-refresh, registry-stale-if-error): Debian's docker-registry with
 * the standard fixtures behind the counting proxy, references rewritten to go through it, and waits on the clock and
 * on a client's background tag refreshes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TagRefreshResult } from '../../core/registry/client.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';
import { pushStandardFixtures, type Fixtures } from './fixtures.js';
import { startRegistry, type TestRegistry } from './registry.js';

export interface ProxiedRegistry {
  registry: TestRegistry;
  proxy: CountingProxy;
  fx: Fixtures;
  /** The reference as reached through the proxy. */
  via(ref: string): string;
  stop(): Promise<void>;
}

export async function startProxiedRegistry(name: string): Promise<ProxiedRegistry> {
  const registry = await startRegistry({ name });
  const fx = await pushStandardFixtures(registry, { bigManifest: false });
  const proxy = await startCountingProxy(registry.url);
  return {
    registry,
    proxy,
    fx,
    via: (ref) => ref.replace(registry.host, proxy.host),
    async stop() {
      await proxy.stop();
      await registry.stop();
    },
  };
}

/** Sleeps until `ms` after `since` (a Date.now() reading). */
export const sleepUntil = (since: number, ms: number): Promise<void> => sleep(Math.max(0, since + ms - Date.now()));

/** Waits (up to 5 s) until `results` holds an n-th refresh, and returns it. */
export async function nthRefresh(results: readonly TagRefreshResult[], n: number): Promise<TagRefreshResult | undefined> {
  for (const end = Date.now() + 5_000; results.length < n && Date.now() < end; ) await sleep(5);
  return results[n - 1];
}
