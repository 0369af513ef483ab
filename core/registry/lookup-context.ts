import type { Credential } from '../credentials.js';
import type { ImageInfo } from '../image-info.js';
import type { ImageReference } from '../reference.js';
import type { CredentialScope } from './credential-sources.js';
import type { Endpoint } from './endpoints.js';
import type { ConnectAttempt } from './guarded-connect.js';
import type { RequestEvent } from './http-request.js';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export type CacheResult = 'hit' | 'miss' | 'revalidated' | 'negative-hit' | 'stale';

/** A tag renewed ahead of its expiry (manifest-fetch.ts): still where it was, moved (forgotten), or not known. */
export type TagRefreshResult = 'unchanged' | 'moved' | 'failed';

export interface RegistryObserver {
  onRequest?(e: RequestEvent): void;
  onCache?(result: CacheResult): void;
  onTagRefresh?(result: TagRefreshResult): void;
  /** Every address a connection is attempted to (registry, token realm, redirect target). */
  onConnect?(attempt: ConnectAttempt): void;
}

/** Optional persistent store for immutable content (the plugin's on-disk cache). */
export interface ContentStore {
  get(digest: string): Promise<StoredContent | undefined>;
  set(digest: string, content: StoredContent): Promise<void>;
}

export interface StoredContent {
  body: Buffer;
  contentType: string | null;
}

/** Everything an ImageInfo says about a digest: immutable, so kept as is and served without re-parsing anything. */
export type Answer = Pick<ImageInfo, 'mediaType' | 'platforms' | 'platformStrings' | 'multiArch' | 'findings'>;

/** One attempt: a reference at one endpoint with one credential, within a deadline. */
export interface LookupContext {
  ref: ImageReference;
  ep: Endpoint;
  credential: Credential | undefined;
  deadline: number;
  signal: AbortSignal | undefined;
}

/** The name credentials are matched against: the source's registry name, or a mirror's own host. */
export function credentialScope(ref: ImageReference, ep: Endpoint): CredentialScope {
  return ep.isMirror ? { registry: ep.host, repository: ep.repository } : { registry: ref.registry, repository: ref.repository };
}

/** The repository as contacted, for messages: the mirror's path, or the source's. */
export function where(ctx: LookupContext): string {
  return ctx.ep.isMirror ? `${ctx.ep.host}/${ctx.ep.repository}` : `${ctx.ref.registry}/${ctx.ref.repository}`;
}

/** The registry name for metrics and messages: a mirror's own host, or the source's registry. */
export function registryName(ctx: LookupContext): string {
  return ctx.ep.isMirror ? ctx.ep.host : ctx.ref.registry;
}
