import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { testScratch } from '../../test/scratch.js';
import { CachingResolver } from './reference-cache.js';

const { tempDir, closeAfter } = testScratch('archcheck-refs-');

class CountingResolver implements ImageResolver {
  calls = 0;
  fail = false;
  resolve(reference: string): Promise<ImageInfo> {
    this.calls++;
    const error = this.fail ? { code: 'RATE_LIMITED' as const, message: 'slow down' } : null;
    return Promise.resolve({ reference, canonical: 'docker.io/library/nginx:1.27', platforms: error ? [] : [{ os: 'linux', architecture: 'arm64' }], platformStrings: error ? [] : ['linux/arm64'], multiArch: false, error });
  }
}

function setup(ttlMs: number): { inner: CountingResolver; now: { t: number }; make: () => CachingResolver } {
  const dir = tempDir();
  const inner = new CountingResolver();
  const now = { t: 1_000_000 };
  const make = (): CachingResolver => closeAfter(new CachingResolver(inner, dir, ttlMs, () => now.t));
  return { inner, now, make };
}

/** One run as the plugin makes it: resolve, then close (which writes the answers learned). */
async function run(make: () => CachingResolver, reference: string, request?: Parameters<CachingResolver['resolve']>[1]): Promise<ImageInfo> {
  const resolver = make();
  try {
    return await resolver.resolve(reference, request);
  } finally {
    await resolver.close();
  }
}

describe('CachingResolver', () => {
  it('answers a tag from disk within the TTL, across runs, whatever spelling of the reference', async () => {
    const { inner, now, make } = setup(60_000);
    await run(make, 'nginx:1.27');
    now.t += 30_000;
    const again = await run(make, 'docker.io/library/nginx:1.27');
    expect(inner.calls).toBe(1);
    expect(again.reference).toBe('docker.io/library/nginx:1.27');
    expect(again.platformStrings).toEqual(['linux/arm64']);
  });

  it('looks a tag up again after the TTL', async () => {
    const { inner, now, make } = setup(60_000);
    await run(make, 'nginx:1.27');
    now.t += 61_000;
    await run(make, 'nginx:1.27');
    expect(inner.calls).toBe(2);
  });

  it('never expires a digest reference', async () => {
    const { inner, now, make } = setup(1);
    const ref = `nginx@sha256:${'b'.repeat(64)}`;
    await run(make, ref);
    now.t += 365 * 24 * 3_600_000;
    await run(make, ref);
    expect(inner.calls).toBe(1);
  });

  it('does not keep failures', async () => {
    const { inner, make } = setup(60_000);
    inner.fail = true;
    await run(make, 'nginx:1.27');
    inner.fail = false;
    await run(make, 'nginx:1.27');
    expect(inner.calls).toBe(2);
  });

  it('keeps answers obtained with credentials apart from anonymous ones', async () => {
    const { inner, make } = setup(60_000);
    const credentials = [{ key: 'docker.io', credential: { kind: 'basic' as const, username: 'u', password: 'p' }, source: 'pull secret shop/regcred' }];
    await run(make, 'nginx:1.27', { credentials });
    await run(make, 'nginx:1.27');
    await run(make, 'nginx:1.27', { credentials });
    expect(inner.calls).toBe(2);
  });
});
