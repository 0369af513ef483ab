import { DiskContentStore } from '../core/registry/disk-content-store.js';
import type { ImageResolver } from '../core/resolver.js';
import { defaultCacheDir, prepareCacheDir, registryCachePaths } from './cache/cache-dir.js';
import { CachingResolver } from './cache/reference-cache.js';
import { tagTtlMs, type CacheFlags } from './flags/cache-flags.js';
import { registryClientFromFlags, type RegistryFlags } from './registry-flags.js';
import { UsageError } from './usage-error.js';

/**
 * Audits resolve hundreds of images in one go: 32 requests in flight per registry (core's default, 8, suits the
 * webhook's trickle). Registries limit by request count, not concurrency; --registry-concurrency overrides it.
 */
export const AUDIT_REGISTRY_CONCURRENCY = 32;

/**
 * How long closing the registry client may wait for requests still in flight. Every answer is in by then (each
 * lookup has its --timeout); what is left is a connection to a hung registry, which must not hold the command
 * (`--timeout 2s` took 10.8 s while undici waited for a hung TLS handshake).
 */
const CLOSE_GRACE_MS = 200;

/** Closes the client, waiting at most CLOSE_GRACE_MS; a connection still open after that is dropped at exit. */
export async function closeSoon(client: { close(): Promise<void> }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((r) => {
    timer = setTimeout(r, CLOSE_GRACE_MS);
    timer.unref();
  });
  await Promise.race([client.close().catch(() => undefined), grace]);
  clearTimeout(timer);
}

export interface ImageResolverHandle {
  resolver: ImageResolver;
  close(): Promise<void>;
}

/**
 * The registry client for audits, with the on-disk cache unless --no-cache: registry content by digest
 * (core's ContentStore, never expires) and whole answers per reference (tags for --tag-ttl).
 */
export async function openImageResolver(given: RegistryFlags & CacheFlags, warn: (s: string) => void, nodePlatforms?: readonly string[]): Promise<ImageResolverHandle> {
  const flags = { ...given, registryConcurrency: given.registryConcurrency ?? String(AUDIT_REGISTRY_CONCURRENCY) };
  // Verification checks only the children an answer depends on: those of the platforms the cluster's nodes have.
  const verify = given.verifyPlatforms === true;
  const extra = nodePlatforms && verify ? { verifyPlatformsOf: [...nodePlatforms].sort() } : {};
  const ttl = tagTtlMs(flags);
  if (!flags.cache) {
    const client = await registryClientFromFlags(flags, {}, warn, extra);
    return { resolver: client, close: () => closeSoon(client) };
  }
  const dir = flags.cacheDir ?? defaultCacheDir();
  const unusable = (await prepareCacheDir(registryCachePaths(dir).content)) ?? (await prepareCacheDir(registryCachePaths(dir).references));
  if (unusable) {
    // --cache-dir asked for is an error; the default location being unusable (read-only home in CI) only costs speed.
    if (flags.cacheDir !== undefined) throw new UsageError(`--cache-dir ${flags.cacheDir}: ${unusable}; pass a writable directory or --no-cache`);
    warn(`not caching registry answers: ${unusable} (pass --cache-dir DIR or --no-cache)`);
    const client = await registryClientFromFlags(flags, {}, warn, extra);
    return { resolver: client, close: () => closeSoon(client) };
  }
  const paths = registryCachePaths(dir);
  const contentStore = new DiskContentStore({ dir: paths.content });
  const client = await registryClientFromFlags(flags, { contentStore }, warn, extra);
  // An answer is kept per verification scope: one made trusting labels must not stand in for a verified one.
  const scope = verify ? `verified:${extra.verifyPlatformsOf?.join(',') ?? 'all'}` : 'labels';
  const resolver = new CachingResolver(client, paths.references, ttl, Date.now, scope);
  const close = async (): Promise<void> => {
    await closeSoon(client);
    // What the run learned goes to disk before the command returns (and exits).
    await Promise.all([contentStore.close(), resolver.close()]);
  };
  return { resolver, close };
}
