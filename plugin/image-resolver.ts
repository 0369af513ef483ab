import { DiskContentStore } from '../core/registry/disk-content-store.js';
import type { ImageResolver } from '../core/resolver.js';
import { defaultCacheDir, registryCachePaths } from './cache/cache-dir.js';
import { CachingResolver } from './cache/reference-cache.js';
import { tagTtlMs, type CacheFlags } from './flags/cache-flags.js';
import { registryClientFromFlags, type RegistryFlags } from './registry-flags.js';

/**
 * Audits resolve hundreds of images in one go: 32 requests in flight per registry (core's default, 8, suits the
 * webhook's trickle). Registries limit by request count, not concurrency; --registry-concurrency overrides it.
 */
export const AUDIT_REGISTRY_CONCURRENCY = 32;

export interface ImageResolverHandle {
  resolver: ImageResolver;
  close(): Promise<void>;
}

/**
 * The registry client for audits, with the on-disk cache unless --no-cache: registry content by digest
 * (core's ContentStore, never expires) and whole answers per reference (tags for --tag-ttl).
 */
export async function openImageResolver(given: RegistryFlags & CacheFlags, warn: (s: string) => void): Promise<ImageResolverHandle> {
  const flags = { ...given, registryConcurrency: given.registryConcurrency ?? String(AUDIT_REGISTRY_CONCURRENCY) };
  const ttl = tagTtlMs(flags);
  if (!flags.cache) {
    const client = await registryClientFromFlags(flags, {}, warn);
    return { resolver: client, close: () => client.close() };
  }
  const paths = registryCachePaths(flags.cacheDir ?? defaultCacheDir());
  const client = await registryClientFromFlags(flags, { contentStore: new DiskContentStore({ dir: paths.content }) }, warn);
  return { resolver: new CachingResolver(client, paths.references, ttl), close: () => client.close() };
}
