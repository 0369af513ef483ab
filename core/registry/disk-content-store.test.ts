import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskContentStore } from './disk-content-store.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'archcheck-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function content(text: string): { digest: string; body: Buffer; contentType: string } {
  const body = Buffer.from(text);
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, body, contentType: 'application/vnd.oci.image.index.v1+json' };
}

describe('DiskContentStore', () => {
  it('round-trips content and its type across instances (a second run)', async () => {
    const dir = tempDir();
    const c = content('{"schemaVersion":2}');
    await new DiskContentStore({ dir }).set(c.digest, { body: c.body, contentType: c.contentType });
    const got = await new DiskContentStore({ dir }).get(c.digest);
    expect(got?.body.toString()).toBe('{"schemaVersion":2}');
    expect(got?.contentType).toBe(c.contentType);
  });

  it('refuses content that does not match its digest, and drops a damaged entry', async () => {
    const dir = tempDir();
    const store = new DiskContentStore({ dir });
    const c = content('{"a":1}');
    await store.set(c.digest, { body: Buffer.from('{"a":2}'), contentType: null });
    expect(await store.get(c.digest)).toBeUndefined();
    await store.set(c.digest, { body: c.body, contentType: null });
    const hex = c.digest.slice(7);
    const file = join(dir, 'sha256', hex.slice(0, 2), hex);
    writeFileSync(file, readFileSync(file).toString().replace('1', '9'));
    expect(await store.get(c.digest)).toBeUndefined();
    expect(readdirSync(join(dir, 'sha256', hex.slice(0, 2)))).toEqual([]);
  });

  it('ignores digests it cannot store safely (no path traversal)', async () => {
    const store = new DiskContentStore({ dir: tempDir() });
    await store.set('sha256:../../etc/passwd', { body: Buffer.from('x'), contentType: null });
    expect(await store.get('sha256:../../etc/passwd')).toBeUndefined();
    expect(await store.get('sha512:abc')).toBeUndefined();
  });

  it('stays within its size bound, least recently used first', async () => {
    const dir = tempDir();
    const entries = Array.from({ length: 10 }, (_, i) => content(`{"n":${i},"pad":"${'x'.repeat(900)}"}`));
    const store = new DiskContentStore({ dir, maxBytes: 5_000 });
    for (const [i, c] of entries.entries()) {
      await store.set(c.digest, { body: c.body, contentType: null });
      if (i >= 1) await store.get(entries[0]!.digest); // keep the first one in use
    }
    expect(await store.size()).toBeLessThanOrEqual(5_000);
    expect(await store.get(entries[0]!.digest)).toBeDefined();
    expect(await store.get(entries[9]!.digest)).toBeDefined();
    expect(await store.get(entries[1]!.digest)).toBeUndefined();
  });

  it('writes atomically: no temporary files are left behind', async () => {
    const dir = tempDir();
    const store = new DiskContentStore({ dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => content(`{"i":${i}}`)).map((c) => store.set(c.digest, { body: c.body, contentType: null })));
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('never throws when the directory cannot be written', async () => {
    const c = content('{}');
    const notADirectory = join(tempDir(), 'file');
    writeFileSync(notADirectory, 'x');
    const store = new DiskContentStore({ dir: join(notADirectory, 'cache') });
    await expect(store.set(c.digest, { body: c.body, contentType: null })).resolves.toBeUndefined();
    await expect(store.get(c.digest)).resolves.toBeUndefined();
  });
});
