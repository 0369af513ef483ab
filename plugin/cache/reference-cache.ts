import type { ImageInfo } from '../../core/image-info.js';
import { credentialFingerprint } from '../../core/credentials.js';
import { parseReference } from '../../core/reference.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';
import { AnswerLog, type CachedAnswer } from './answer-log.js';

/** `docker.io/library/nginx:1.27`, or the text as given when it does not parse (the resolver reports that). */
function canonicalOf(reference: string): string {
  try {
    return parseReference(reference).canonical;
  } catch {
    return reference;
  }
}

/**
 * The reference and the credentials offered with it: an answer obtained with a pull secret must not make the same
 * image look readable to a workload without one (the next run would then disagree with this one).
 */
function cacheKey(reference: string, request: ResolveRequest, scope: string): string {
  const credentials = (request.credentials ?? []).map((c) => credentialFingerprint(c.credential)).sort();
  return [canonicalOf(reference), ...credentials, ...(scope ? [`scope=${scope}`] : [])].join(' ');
}

function isDigestReference(key: string): boolean {
  return key.split(' ')[0]!.includes('@');
}

/**
 * Answers for whole references on disk, so a second audit is near-instant. A digest reference's answer never
 * changes and never expires; a tag's is trusted for `tagTtlMs` (tags move), then looked up again — with the digest
 * it named, so the registry client revalidates it with a HEAD (not a Docker Hub pull) instead of fetching. Only successful
 * answers are kept: a failure (auth, rate limit) is always retried. The answers live in append-only logs
 * (answer-log.ts), read once per run.
 */
export class CachingResolver implements ImageResolver {
  private readonly log: AnswerLog;
  private answers: Promise<Map<string, CachedAnswer>> | undefined;

  constructor(
    private readonly inner: ImageResolver,
    dir: string,
    private readonly tagTtlMs: number,
    private readonly now: () => number = Date.now,
    /** What else the answer depends on (platform verification); part of the key. */
    private readonly scope = '',
  ) {
    this.log = new AnswerLog(dir);
  }

  async resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    const key = cacheKey(reference, request, this.scope);
    this.answers ??= this.log.load((a) => this.isFresh(a));
    const answers = await this.answers;
    const cached = answers.get(key);
    if (cached && this.isFresh(cached)) return { ...cached.info, reference };
    // Past --tag-ttl the digest it named is still worth knowing: the client then asks with a HEAD, not a pull.
    const lastKnownDigest = cached?.info.digest;
    const info = await this.inner.resolve(reference, lastKnownDigest ? { ...request, lastKnownDigest } : request);
    if (info.error === null && (this.tagTtlMs > 0 || isDigestReference(key))) {
      const answer: CachedAnswer = { key, storedAt: this.now(), info };
      answers.set(key, answer);
      // Written in a batch (answer-log.ts); the answer need not wait for the disk, and close() writes what waits.
      void this.log.add(answer);
    }
    return info;
  }

  /** Waits for the answers being written and closes the log (the end of a run). */
  close(): Promise<void> {
    return this.log.close();
  }

  private isFresh(answer: CachedAnswer): boolean {
    return isDigestReference(answer.key) || this.now() - answer.storedAt < this.tagTtlMs;
  }
}
