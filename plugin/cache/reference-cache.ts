import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageInfo } from '../../core/image-info.js';
import { credentialFingerprint } from '../../core/credentials.js';
import { parseReference } from '../../core/reference.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';

interface CachedAnswer {
  key: string;
  storedAt: number;
  info: ImageInfo;
}

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
 * changes and never expires; a tag's is trusted for `tagTtlMs` (tags move), then looked up again. Only successful
 * answers are kept: a failure (auth, rate limit) is always retried. One small JSON file per reference, written to
 * a temporary name and renamed into place.
 */
export class CachingResolver implements ImageResolver {
  constructor(
    private readonly inner: ImageResolver,
    private readonly dir: string,
    private readonly tagTtlMs: number,
    private readonly now: () => number = Date.now,
    /** What else the answer depends on (platform verification); part of the key. */
    private readonly scope = '',
  ) {}

  /** Made once per run, not once per answer written. */
  private madeDir: Promise<unknown> | undefined;

  async resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    const key = cacheKey(reference, request, this.scope);
    const cached = await this.read(key);
    if (cached) return { ...cached, reference };
    const info = await this.inner.resolve(reference, request);
    if (info.error === null) await this.write(key, info);
    return info;
  }

  private fileOf(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  private async read(key: string): Promise<ImageInfo | undefined> {
    let cached: CachedAnswer;
    try {
      cached = JSON.parse(await readFile(this.fileOf(key), 'utf8')) as CachedAnswer;
    } catch {
      return undefined;
    }
    if (cached.key !== key || !cached.info || !Array.isArray(cached.info.platforms)) return undefined;
    const fresh = isDigestReference(key) || this.now() - cached.storedAt < this.tagTtlMs;
    if (!fresh) {
      await unlink(this.fileOf(key)).catch(() => undefined);
      return undefined;
    }
    return cached.info;
  }

  private async write(key: string, info: ImageInfo): Promise<void> {
    if (this.tagTtlMs <= 0 && !isDigestReference(key)) return;
    const entry: CachedAnswer = { key, storedAt: this.now(), info };
    const file = this.fileOf(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      this.madeDir ??= mkdir(this.dir, { recursive: true }).catch((e: unknown) => {
        this.madeDir = undefined; // try again next write (removed meanwhile, or a transient failure)
        throw e;
      });
      await this.madeDir;
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, file);
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
