import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { CachingResolver } from './reference-cache.js';

const dirs: string[] = [];
const resolvers: CachingResolver[] = [];
afterEach(async () => {
  for (const r of resolvers.splice(0)) await r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

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
  const dir = mkdtempSync(join(tmpdir(), 'archcheck-refs-'));
  dirs.push(dir);
  const inner = new CountingResolver();
  const now = { t: 1_000_000 };
  const make = (): CachingResolver => {
    const r = new CachingResolver(inner, dir, ttlMs, () => now.t);
    resolvers.push(r);
    return r;
  };
  return { inner, now, make };
}

describe('CachingResolver', () => {
  it('answers a tag from disk within the TTL, across runs, whatever spelling of the reference', async () => {
    const { inner, now, make } = setup(60_000);
    await make().resolve('nginx:1.27');
    now.t += 30_000;
    const again = await make().resolve('docker.io/library/nginx:1.27');
    expect(inner.calls).toBe(1);
    expect(again.reference).toBe('docker.io/library/nginx:1.27');
    expect(again.platformStrings).toEqual(['linux/arm64']);
  });

  it('looks a tag up again after the TTL', async () => {
    const { inner, now, make } = setup(60_000);
    await make().resolve('nginx:1.27');
    now.t += 61_000;
    await make().resolve('nginx:1.27');
    expect(inner.calls).toBe(2);
  });

  it('never expires a digest reference', async () => {
    const { inner, now, make } = setup(1);
    const ref = `nginx@sha256:${'b'.repeat(64)}`;
    await make().resolve(ref);
    now.t += 365 * 24 * 3_600_000;
    await make().resolve(ref);
    expect(inner.calls).toBe(1);
  });

  it('does not keep failures', async () => {
    const { inner, make } = setup(60_000);
    inner.fail = true;
    await make().resolve('nginx:1.27');
    inner.fail = false;
    await make().resolve('nginx:1.27');
    expect(inner.calls).toBe(2);
  });

  it('keeps answers obtained with credentials apart from anonymous ones', async () => {
    const { inner, make } = setup(60_000);
    const credentials = [{ key: 'docker.io', credential: { kind: 'basic' as const, username: 'u', password: 'p' }, source: 'pull secret shop/regcred' }];
    await make().resolve('nginx:1.27', { credentials });
    await make().resolve('nginx:1.27');
    await make().resolve('nginx:1.27', { credentials });
    expect(inner.calls).toBe(2);
  });
});
