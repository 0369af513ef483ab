import { createHash } from 'node:crypto';
import { ArchcheckError, toArchcheckError } from '../errors.js';
import type { AuthenticatedRequests } from './authenticated-request.js';
import { SingleFlight } from './cache.js';
import { REGISTRY_UNAVAILABLE, type ClientCaches } from './client-caches.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { MAX_MANIFEST_BYTES, where, type ContentStore, type LookupContext, type RegistryObserver, type StoredContent, type TagRefreshResult } from './lookup-context.js';
import { parseManifest, type ManifestDocument } from './manifest.js';
import type { RegistryOptions } from './options.js';

export interface FetchedManifest {
  digest: string;
  doc: ManifestDocument;
}

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function verifyDigest(expected: string, body: Buffer, what: string): void {
  const [algorithm] = expected.split(':');
  const actual = algorithm === 'sha256' ? sha256(body) : `${algorithm}:${createHash(algorithm!).update(body).digest('hex')}`;
  if (actual !== expected) {
    throw new ArchcheckError('BAD_RESPONSE', `${what}: content does not match its digest (expected ${expected}, got ${actual})`);
  }
}

/** The last quarter of a tag's TTL: a lookup then renews it in the background (refreshTagAhead). */
export function tagRefreshWindowMs(tagTtlMs: number): number {
  return tagTtlMs / 4;
}

/**
 * Manifests and blobs, with as few requests as the registry allows: content by digest is immutable (memory, then
 * the persistent store, then the registry, verified against its digest); a tag is trusted for `tagTtlMs`, then
 * revalidated with a HEAD (not a Docker Hub pull); a tag's digest is computed from the bytes, never taken on trust.
 * A tag looked up in the last quarter of its TTL is revalidated in the background, so an image in steady use is
 * never waited on for its revalidation (decision 0052).
 */
export class ManifestFetcher {
  private readonly contentFlights = new SingleFlight<StoredContent>();
  /** Tag keys with a background revalidation under way: one HEAD per tag, however many lookups see it due. */
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly requests: AuthenticatedRequests,
    private readonly caches: ClientCaches,
    private readonly options: Pick<RegistryOptions, 'tagTtlMs' | 'requestTimeoutMs' | 'tagStaleIfErrorMs'>,
    private readonly deps: { observer?: RegistryObserver; contentStore?: ContentStore },
  ) {}

  /**
   * Renews a tag that is still trusted but near its expiry, without making the lookup wait: a HEAD with the
   * lookup's endpoint and credential, on a deadline of its own (the lookup's may end first). Unchanged: trusted for
   * another TTL. Moved: forgotten at once, so the next lookup fetches what the tag now names instead of serving the
   * old digest until the TTL ends. A failure leaves the expiry as it was; one about the registry marks the tag
   * failing, so after its TTL it is answered stale instead of waited for (markFailing, decision 0053).
   */
  refreshTagAhead(ctx: LookupContext, key: string, knownDigest: string): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    const own: LookupContext = { ref: ctx.ref, ep: ctx.ep, credential: ctx.credential, deadline: Date.now() + this.options.requestTimeoutMs, signal: undefined };
    void this.refreshTag(own, key, knownDigest)
      .catch((e: unknown) => {
        this.markFailing(key, toArchcheckError(e));
        return 'failed' as const;
      })
      .then((result) => this.deps.observer?.onTagRefresh?.(result))
      .finally(() => this.refreshing.delete(key));
  }

  /**
   * Remembers that the registry could not revalidate this tag, when the failure is about the registry (not the
   * image) and stale answers are allowed: for the stale-if-error window, an expired tag is then answered stale. A
   * failure about the image (the tag deleted, access revoked) ends the stale answers instead.
   */
  markFailing(key: string, error: ArchcheckError): void {
    if (this.options.tagStaleIfErrorMs <= 0 || !REGISTRY_UNAVAILABLE.has(error.code)) {
      this.caches.failingTags.delete(key);
      return;
    }
    this.caches.failingTags.set(key, { error: { code: error.code, message: error.message }, lastTriedAt: Date.now() }, this.options.tagStaleIfErrorMs);
  }

  /** The registry named this digest for the tag just now: trusted for a TTL, and no longer failing. */
  private trustTag(key: string, digest: string): void {
    this.caches.tags.set(key, digest, this.options.tagTtlMs);
    this.caches.failingTags.delete(key);
  }

  private async refreshTag(ctx: LookupContext, key: string, knownDigest: string): Promise<TagRefreshResult> {
    const head = await this.requests.send(ctx, 'HEAD', `manifests/${ctx.ref.tag}`, { accept: MANIFEST_ACCEPT }, 0);
    const digest = head.headers.get('docker-content-digest');
    // Without the header nothing is known; the tag keeps its expiry and is fetched then.
    if (!digest) return 'failed';
    this.caches.failingTags.delete(key);
    // A lookup meanwhile may have stored a newer answer: only the entry this refresh was for is renewed or dropped.
    if (this.caches.tags.entry(key)?.value !== knownDigest) return digest === knownDigest ? 'unchanged' : 'moved';
    if (digest === knownDigest) {
      this.trustTag(key, digest);
      return 'unchanged';
    }
    this.caches.tags.delete(key);
    return 'moved';
  }

  /** One HEAD with this lookup's credential unless it (or anonymous access) already read this manifest. */
  async proveAccess(ctx: LookupContext, digest: string): Promise<void> {
    if (this.caches.hasAccess(ctx, digest)) return;
    await this.requests.send(ctx, 'HEAD', `manifests/${digest}`, { accept: MANIFEST_ACCEPT }, 0);
    this.caches.recordAccess(ctx, digest);
  }

  async byTag(ctx: LookupContext): Promise<FetchedManifest> {
    const key = this.caches.tagKey(ctx);
    const known = this.caches.tags.peek(key);
    if (known?.fresh) {
      this.deps.observer?.onCache?.('hit');
      return this.byDigest(ctx, known.value);
    }
    const moved = known ? await this.revalidated(ctx, known.value) : undefined;
    if (moved) return moved;
    if (!known) this.deps.observer?.onCache?.('miss');
    const res = await this.requests.send(ctx, 'GET', `manifests/${ctx.ref.tag}`, { accept: MANIFEST_ACCEPT }, MAX_MANIFEST_BYTES);
    // The digest is computed from the bytes; the header alone is never trusted for a tag.
    const digest = sha256(res.body);
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new ArchcheckError('BAD_RESPONSE', `${where(ctx)}:${ctx.ref.tag}: registry claims digest ${claimed} but the manifest hashes to ${digest}`, {
        registry: ctx.ep.host,
      });
    }
    const stored = { body: res.body, contentType: res.headers.get('content-type') };
    this.storeContent(digest, stored);
    this.trustTag(key, digest);
    return { digest, doc: parseManifest(res.body, stored.contentType, ctx.ref.canonical) };
  }

  /** A HEAD tells whether a stale tag moved without counting as a Docker Hub pull; undefined when it must be fetched. */
  private async revalidated(ctx: LookupContext, knownDigest: string): Promise<FetchedManifest | undefined> {
    const head = await this.requests.send(ctx, 'HEAD', `manifests/${ctx.ref.tag}`, { accept: MANIFEST_ACCEPT }, 0);
    const digest = head.headers.get('docker-content-digest');
    if (!digest) return undefined;
    const usable = digest === knownDigest || this.caches.resolved.get(this.caches.resolvedKey(digest)) !== undefined || this.caches.content.get(digest) !== undefined;
    if (!usable) return undefined;
    this.deps.observer?.onCache?.('revalidated');
    this.trustTag(this.caches.tagKey(ctx), digest);
    return this.byDigest(ctx, digest);
  }

  async byDigest(ctx: LookupContext, digest: string): Promise<FetchedManifest> {
    const stored = await this.contentByDigest(ctx, digest, 'manifests', MAX_MANIFEST_BYTES);
    return { digest, doc: parseManifest(stored.body, stored.contentType, `${where(ctx)}@${digest}`) };
  }

  /** Immutable content: memory, then the persistent store, then the registry (verified against its digest). */
  async contentByDigest(ctx: LookupContext, digest: string, kind: 'manifests' | 'blobs', maxBytes: number): Promise<StoredContent> {
    const cached = this.caches.content.get(digest);
    if (cached) return cached;
    return this.contentFlights.run(`${ctx.ep.host}|${digest}`, async () => {
      const persisted = await this.deps.contentStore?.get(digest).catch(() => undefined);
      if (persisted) {
        this.caches.content.set(digest, persisted);
        return persisted;
      }
      const headers: Record<string, string> = kind === 'manifests' ? { accept: MANIFEST_ACCEPT } : {};
      const res = await this.requests.send(ctx, 'GET', `${kind}/${digest}`, headers, maxBytes);
      verifyDigest(digest, res.body, `${where(ctx)}@${digest}`);
      const stored = { body: res.body, contentType: res.headers.get('content-type') };
      this.storeContent(digest, stored);
      return stored;
    });
  }

  private storeContent(digest: string, stored: StoredContent): void {
    this.caches.content.set(digest, stored);
    void this.deps.contentStore?.set(digest, stored).catch(() => undefined);
  }
}
