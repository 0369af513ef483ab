import { ArchcheckError } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import { nodeArchitectures, platformString, type Platform } from '../platform.js';
import type { TtlEntry } from './cache.js';
import type { ClientCaches } from './client-caches.js';
import { IndexWalk, type ChildSource, type Resolution } from './index-walk.js';
import { MAX_CONFIG_BYTES, where, type Answer, type LookupContext, type RegistryObserver } from './lookup-context.js';
import { tagRefreshWindowMs, type ManifestFetcher } from './manifest-fetch.js';
import { platformFromConfig, type ManifestDocument } from './manifest.js';
import type { RegistryOptions } from './options.js';

/**
 * The attempt's answer for a digest: what `{ reference, canonical, error, endpoint, digest, ...answer }` gives, key for
 * key and in that order, written out because on Node 20 an object spread followed by new keys costs ≈ 1 µs (a new
 * hidden class per object; decision 0042) and this runs for every image of every admission.
 */
function answerInfo(ctx: LookupContext, digest: string, answer: Answer): ImageInfo {
  const endpoint = ctx.ep.isMirror ? `${ctx.ep.host}/${ctx.ep.repository}` : ctx.ep.host;
  const info: ImageInfo = {
    reference: ctx.ref.original,
    canonical: ctx.ref.canonical,
    error: null,
    endpoint,
    digest,
    mediaType: answer.mediaType,
    platforms: answer.platforms,
    platformStrings: answer.platformStrings,
    multiArch: answer.multiArch,
  };
  if ('findings' in answer) info.findings = answer.findings;
  return info;
}

/** While a tag is answered stale, how often the registry is asked again (in the background). */
const STALE_RETRY_MS = 5_000;

/**
 * "Which platforms can this reference run on?" for one attempt (reference, endpoint, credential): the warm path
 * serves a digest's cached answer without touching a manifest; otherwise the manifest is fetched and walked
 * (index-walk.ts, within the work caps) and the answer cached by digest.
 */
export class PlatformResolver {
  private readonly refreshWindowMs: number;

  constructor(
    private readonly manifests: ManifestFetcher,
    private readonly caches: ClientCaches,
    private readonly options: Pick<RegistryOptions, 'verifyPlatforms' | 'verifyPlatformsOf' | 'workLimits' | 'tagTtlMs' | 'tagRefreshAhead' | 'tagStaleIfErrorMs'>,
    private readonly observer: RegistryObserver | undefined,
  ) {
    this.refreshWindowMs = options.tagRefreshAhead ? tagRefreshWindowMs(options.tagTtlMs) : 0;
  }

  /**
   * The warm path alone, without waiting: a digest, or a tag within its TTL, already answered — and for a digest,
   * this credential (or anyone) already shown able to read it. Undefined when the attempt must fetch or prove access.
   * A tag in the last quarter of its TTL is renewed in the background meanwhile (ManifestFetcher.refreshTagAhead).
   */
  answerFromMemory(ctx: LookupContext): ImageInfo | undefined {
    if (ctx.ref.digest) {
      const digest = ctx.ref.digest;
      const answered = this.caches.answers.get(this.caches.resolvedKey(digest));
      if (!answered || !this.caches.hasAccess(ctx, digest)) return undefined;
      return answerInfo(ctx, digest, answered);
    }
    const key = this.caches.tagKey(ctx);
    const tag = this.caches.tags.entry(key);
    if (!tag) return undefined;
    const left = tag.expiresAt - Date.now();
    if (left <= 0) return this.staleAnswer(ctx, key);
    const answered = this.caches.answers.get(this.caches.resolvedKey(tag.value));
    if (!answered) return undefined;
    this.observer?.onCache?.('hit');
    if (left < this.refreshWindowMs) this.manifests.refreshTagAhead(ctx, key, tag.value);
    return answerInfo(ctx, tag.value, answered);
  }

  /** An expired tag's entry and its digest's answer, while within the stale-if-error window past its TTL. */
  private staleCandidate(key: string): { tag: TtlEntry<string>; answered: Answer } | undefined {
    const tag = this.caches.tags.entry(key);
    const now = Date.now();
    if (!tag || tag.expiresAt > now || now >= tag.expiresAt + this.options.tagStaleIfErrorMs) return undefined;
    const answered = this.caches.answers.get(this.caches.resolvedKey(tag.value));
    return answered ? { tag, answered } : undefined;
  }

  /**
   * Stale-if-error (decision 0053): an expired tag whose revalidation the registry failed, within the window past its
   * TTL, is answered with the platforms it last named, marked stale; the registry is asked again in the background
   * at most every STALE_RETRY_MS. Undefined when the tag is not marked failing or its window has passed.
   */
  private staleAnswer(ctx: LookupContext, key: string): ImageInfo | undefined {
    const failing = this.caches.failingTags.get(key);
    const candidate = failing && this.staleCandidate(key);
    if (!failing || !candidate) return undefined;
    const { tag, answered } = candidate;
    if (Date.now() - failing.lastTriedAt >= STALE_RETRY_MS) {
      failing.lastTriedAt = Date.now();
      this.manifests.refreshTagAhead(ctx, key, tag.value);
    }
    this.observer?.onCache?.('stale');
    const info = answerInfo(ctx, tag.value, answered);
    info.stale = { since: new Date(tag.storedAt).toISOString(), error: failing.error };
    return info;
  }

  /**
   * A digest the caller says this tag named before, when the client knows nothing of the tag: stored as a tag
   * already expired — past the stale-if-error window too, so it can never be served stale — so that the lookup
   * revalidates it with a HEAD and uses it only if the registry confirms it (ManifestFetcher.byTag).
   */
  rememberTagForRevalidation(ctx: LookupContext, digest: string): void {
    if (ctx.ref.digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) return;
    const key = this.caches.tagKey(ctx);
    if (this.caches.tags.entry(key)) return;
    this.caches.tags.set(key, digest, -(this.options.tagStaleIfErrorMs + 1));
  }

  /** What staleAfterFailure could answer with, if this attempt failed: an expired tag within the window. */
  hasStaleFallback(ctx: LookupContext): boolean {
    return !ctx.ref.digest && this.staleCandidate(this.caches.tagKey(ctx)) !== undefined;
  }

  /**
   * After this attempt failed with `error`: if the registry was unavailable and the tag has an answer within the
   * stale-if-error window, marks it failing and returns that answer, stale. The resolver calls it once every
   * endpoint has failed, so a working mirror or source is always preferred to a stale answer.
   */
  staleAfterFailure(ctx: LookupContext, error: ArchcheckError): ImageInfo | undefined {
    if (ctx.ref.digest) return undefined;
    const key = this.caches.tagKey(ctx);
    if (!this.staleCandidate(key)) return undefined;
    this.manifests.markFailing(key, error);
    return this.staleAnswer(ctx, key);
  }

  async answer(ctx: LookupContext): Promise<ImageInfo> {
    // The warm path (a digest, or a tag within its TTL, already answered) touches no manifest at all.
    const warm = this.answerFromMemory(ctx);
    if (warm) return warm;
    const { digest } = ctx.ref;
    if (digest) {
      // A digest is not a secret: before anything cached is served for one, this credential must be able to read it.
      const answered = this.caches.answers.get(this.caches.resolvedKey(digest));
      if (answered || this.caches.content.get(digest)) await this.manifests.proveAccess(ctx, digest);
      if (answered) return answerInfo(ctx, digest, answered);
    }
    const top = ctx.ref.digest ? await this.manifests.byDigest(ctx, ctx.ref.digest) : await this.manifests.byTag(ctx);
    const resolution = await this.resolveDigest(ctx, top.digest, top.doc, this.walk(ctx), 0);
    const platforms = resolution.platforms;
    const answer: Answer = {
      mediaType: top.doc.mediaType,
      platforms,
      platformStrings: [...new Set(platforms.map(platformString))].sort(),
      multiArch: nodeArchitectures(platforms).length >= 2,
      ...(resolution.findings.length > 0 && { findings: resolution.findings }),
    };
    this.caches.answers.set(this.caches.resolvedKey(top.digest), answer);
    this.caches.recordAccess(ctx, top.digest);
    return answerInfo(ctx, top.digest, answer);
  }

  private async resolveDigest(ctx: LookupContext, digest: string, doc: ManifestDocument, walk: IndexWalk, depth: number): Promise<Resolution> {
    const key = this.caches.resolvedKey(digest);
    const cached = this.caches.resolved.get(key);
    if (cached && 'error' in cached) throw cached.error;
    if (cached) return cached;
    try {
      const resolution = await walk.resolveDocument(doc, depth);
      this.caches.resolved.set(key, resolution);
      return resolution;
    } catch (e) {
      // Over a work cap is a property of immutable content: remembered, so the next admission sends no request for it.
      if (e instanceof ArchcheckError && e.code === 'LIMIT_EXCEEDED') this.caches.resolved.set(key, { error: e });
      throw e;
    }
  }

  private walk(ctx: LookupContext): IndexWalk {
    const source: ChildSource = {
      manifest: async (digest) => (await this.manifests.byDigest(ctx, digest)).doc,
      configPlatform: (digest) => this.configPlatform(ctx, digest),
      resolveChild: (digest, doc, walk, depth) => this.resolveDigest(ctx, digest, doc, walk, depth),
    };
    return new IndexWalk(source, this.options.workLimits, { name: ctx.ref.canonical, registry: ctx.ref.registry, verifyPlatforms: this.options.verifyPlatforms, verifyPlatformsOf: this.options.verifyPlatformsOf });
  }

  private async configPlatform(ctx: LookupContext, configDigest: string): Promise<Platform> {
    const stored = await this.manifests.contentByDigest(ctx, configDigest, 'blobs', MAX_CONFIG_BYTES);
    return platformFromConfig(stored.body, `${where(ctx)}@${configDigest}`);
  }
}
