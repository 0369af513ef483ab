import { credentialFingerprint } from '../credentials.js';
import type { ArchcheckError, ErrorCode } from '../errors.js';
import { ByteLruCache, TtlCache } from './cache.js';
import type { Resolution } from './index-walk.js';
import type { Answer, LookupContext, StoredContent } from './lookup-context.js';
import type { RegistryOptions } from './options.js';

/** A tag the registry could not revalidate: the failure, and when the registry was last asked (for the retry pace). */
export interface FailingTag {
  error: { code: ErrorCode; message: string };
  lastTriedAt: number;
}

/** Failures that say the registry could not be asked now, not anything about the image: stale answers may stand in. */
export const REGISTRY_UNAVAILABLE: ReadonlySet<ErrorCode> = new Set(['TIMEOUT', 'UNREACHABLE', 'RATE_LIMITED', 'BAD_RESPONSE']);

/** What the client remembers, each cache bounded; shared by manifest fetching, platform resolution and the resolver. */
export class ClientCaches {
  /** Immutable content by digest (manifests, configs). */
  readonly content: ByteLruCache<StoredContent>;
  /** A digest's platforms (or the work cap it exceeded), by digest. */
  readonly resolved: ByteLruCache<Resolution | { error: ArchcheckError }>;
  /** Whole answers by digest. */
  readonly answers: ByteLruCache<Answer>;
  /**
   * Who has been shown able to read a manifest (endpoint, repository, digest): credential fingerprints, or
   * `anonymous` when anyone can. An answer cached by digest is served only to a lookup whose credential is in it,
   * so an image resolved with one namespace's pull secret is never answered for a pod without that secret.
   */
  readonly access: ByteLruCache<Set<string>>;
  /** Tag → digest, per endpoint, repository and credential, for `tagTtlMs`. */
  readonly tags: TtlCache<string>;
  /** Failures about the image itself (not found, denied, over a cap), for a short while. */
  readonly failures: TtlCache<ArchcheckError>;
  /**
   * Tags whose revalidation the registry failed (timeout, 5xx, 429, no connection), by tag key, for as long as a
   * stale answer may be served: while marked, an expired tag is answered stale at once, retried in the background.
   */
  readonly failingTags: TtlCache<FailingTag>;

  constructor(private readonly options: Pick<RegistryOptions, 'cacheLimits' | 'verifyPlatforms' | 'verifyPlatformsOf'>) {
    const limits = options.cacheLimits;
    this.content = new ByteLruCache(limits.contentBytes, (c) => c.body.length + 200);
    this.resolved = new ByteLruCache((limits.answerBytes * 3) / 8, (r) => ('error' in r ? 400 + r.error.message.length * 2 : 200 + r.platforms.length * 80 + r.findings.join('').length * 2));
    this.answers = new ByteLruCache((limits.answerBytes * 3) / 8, (a) => 300 + a.platforms.length * 120 + (a.findings ?? []).join('').length * 2);
    this.access = new ByteLruCache(limits.answerBytes / 4, (who) => 200 + who.size * 48);
    this.tags = new TtlCache(50_000, limits.tagBytes, (digest) => 2 * digest.length + 64);
    // The negative budget is shared, so the chart's memory sizing (cacheBudgetBytes) still holds: ¾ and ¼.
    this.failures = new TtlCache(10_000, (limits.negativeBytes * 3) / 4, (err) => 2 * err.message.length + 200);
    this.failingTags = new TtlCache(10_000, limits.negativeBytes / 4, (f) => 2 * f.error.message.length + 200);
  }

  /** Entries (and accounted bytes where bounded by bytes) per cache, for the webhook's cache gauges. */
  sizes(): Record<string, { entries: number; bytes?: number }> {
    return {
      content: { entries: this.content.size, bytes: this.content.totalBytes },
      resolved: { entries: this.resolved.size, bytes: this.resolved.totalBytes },
      answers: { entries: this.answers.size, bytes: this.answers.totalBytes },
      access: { entries: this.access.size, bytes: this.access.totalBytes },
      tags: { entries: this.tags.size, bytes: this.tags.totalBytes },
      failures: { entries: this.failures.size, bytes: this.failures.totalBytes },
      failingTags: { entries: this.failingTags.size, bytes: this.failingTags.totalBytes },
    };
  }

  resolvedKey(digest: string): string {
    if (!this.options.verifyPlatforms) return digest;
    // Verifying only some platforms (the audit: the cluster's node platforms) is a different answer from verifying all.
    return this.options.verifyPlatformsOf ? `${digest}|verified:${[...this.options.verifyPlatformsOf].sort().join(',')}` : `${digest}|verified`;
  }

  tagKey(ctx: LookupContext): string {
    return `${ctx.ep.host}${ctx.ep.apiPath}/${ctx.ep.repository}:${ctx.ref.tag}|${credentialFingerprint(ctx.credential)}`;
  }

  private accessKey(ctx: LookupContext, digest: string): string {
    return `${ctx.ep.host}${ctx.ep.apiPath}/${ctx.ep.repository}@${digest}`;
  }

  recordAccess(ctx: LookupContext, digest: string): void {
    const key = this.accessKey(ctx, digest);
    const who = new Set(this.access.get(key) ?? []);
    who.add(credentialFingerprint(ctx.credential));
    this.access.set(key, who);
  }

  /** This lookup's credential (or anyone) has been shown able to read the manifest. */
  hasAccess(ctx: LookupContext, digest: string): boolean {
    const who = this.access.get(this.accessKey(ctx, digest));
    return who?.has('anonymous') === true || who?.has(credentialFingerprint(ctx.credential)) === true;
  }
}
