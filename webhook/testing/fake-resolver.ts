import { matchCredentials, type KeyedCredential } from '../../core/credentials.js';
import type { ErrorCode } from '../../core/errors.js';
import type { ImageInfo } from '../../core/image-info.js';
import { parsePlatformString } from '../../core/platform.js';
import { parseReference } from '../../core/reference.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';

/** Platforms per image for tests and the benchmark; see webhook/fixtures/README.md. */
export const FAKE_IMAGES: Readonly<Record<string, string[]>> = {
  'registry.example.com/team/web:1.4.2': ['linux/amd64', 'linux/arm64'],
  'busybox:1.36': ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
  'registry.example.com/team/legacy:2.0': ['linux/amd64'],
  'registry.example.com/team/edge:0.9': ['linux/arm64'],
  'registry.example.com/team/s390x:1': ['linux/s390x'],
  'registry.example.com/team/windows:1': ['windows/amd64'],
};

/** Needs a credential keyed for registry.example.com. */
export const PRIVATE_IMAGE = 'registry.example.com/private/app:3';
/** Never answers until aborted (a registry that hangs). */
export const SLOW_IMAGE = 'registry.example.com/team/slow:1';
export const MISSING_IMAGE = 'registry.example.com/team/missing:404';
/** Answered stale (stale-if-error): the registry failed, the tag's last known platforms stand in. */
export const STALE_IMAGE = 'registry.example.com/team/stale:1';
export const STALE_SINCE = '2026-12-07T19:02:03.456Z';

export function imageInfo(reference: string, platforms: string[]): ImageInfo {
  const parsed = platforms.map(parsePlatformString);
  return {
    reference,
    canonical: reference,
    digest: `sha256:${'0'.repeat(64)}`,
    platforms: parsed,
    platformStrings: platforms,
    multiArch: new Set(parsed.filter((p) => p.os === 'linux').map((p) => p.architecture)).size > 1,
    error: null,
  };
}

export function failedInfo(reference: string, code: ErrorCode, message: string): ImageInfo {
  return { reference, canonical: reference, platforms: [], platformStrings: [], multiArch: false, error: { code, message } };
}

/** An ImageResolver over a fixed table, with a private image, a hanging one and a missing one. Records calls. */
export class FakeResolver implements ImageResolver {
  readonly calls: { reference: string; credentials: KeyedCredential[] }[] = [];

  constructor(private readonly images: Readonly<Record<string, string[]>> = FAKE_IMAGES) {}

  resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    this.calls.push({ reference, credentials: request.credentials ?? [] });
    if (reference === SLOW_IMAGE) return this.hang(reference, request.signal);
    if (reference === PRIVATE_IMAGE) {
      const ref = parseReference(reference);
      const ok = matchCredentials(request.credentials ?? [], ref).length > 0;
      return Promise.resolve(ok ? imageInfo(reference, ['linux/amd64', 'linux/arm64']) : failedInfo(reference, 'UNAUTHORIZED', 'registry.example.com: authentication required'));
    }
    if (reference === STALE_IMAGE) {
      return Promise.resolve({ ...imageInfo(reference, ['linux/amd64', 'linux/arm64']), stale: { since: STALE_SINCE, error: { code: 'UNREACHABLE', message: 'registry.example.com answered HTTP 503; try again later' } } });
    }
    const platforms = this.images[reference];
    if (!platforms) return Promise.resolve(failedInfo(reference, 'NOT_FOUND', `${reference}: manifest unknown`));
    return Promise.resolve(imageInfo(reference, platforms));
  }

  private hang(reference: string, signal: AbortSignal | undefined): Promise<ImageInfo> {
    return new Promise((resolve) => {
      const done = (): void => resolve(failedInfo(reference, 'TIMEOUT', 'aborted'));
      if (signal?.aborted) return done();
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
