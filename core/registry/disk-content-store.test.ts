import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testScratch } from '../../test/scratch.js';
import { DiskContentStore, type DiskContentStoreOptions } from './disk-content-store.js';

const { tempDir, closeAfter } = testScratch('archcheck-store-');
/** A store closed after the test (it keeps its pack file open while it writes). */
const openStore = (options: DiskContentStoreOptions): DiskContentStore => closeAfter(new DiskContentStore(options));

function content(text: string): { digest: string; body: Buffer; contentType: string } {
  const body = Buffer.from(text);
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, body, contentType: 'application/vnd.oci.image.index.v1+json' };
}

describe('DiskContentStore', () => {
  it('round-trips content and its type across instances (a second run)', async () => {
    const dir = tempDir();
    const c = content('{"schemaVersion":2}');
    await openStore({ dir }).set(c.digest, { body: c.body, contentType: c.contentType });
    const got = await openStore({ dir }).get(c.digest);
    expect(got?.body.toString()).toBe('{"schemaVersion":2}');
    expect(got?.contentType).toBe(c.contentType);
  });

  it('refuses content that does not match its digest, and drops a damaged entry', async () => {
    const dir = tempDir();
    const store = openStore({ dir });
    const c = content('{"a":1}');
    await store.set(c.digest, { body: Buffer.from('{"a":2}'), contentType: null });
    expect(await store.get(c.digest)).toBeUndefined();
    await store.set(c.digest, { body: c.body, contentType: null });
    const [pack] = readdirSync(join(dir, 'packs'));
    const file = join(dir, 'packs', pack!);
    writeFileSync(file, readFileSync(file).toString().replace('{"a":1}', '{"a":9}'));
    expect(await store.get(c.digest)).toBeUndefined();
    expect(readdirSync(join(dir, 'packs'))).toEqual([]);
    expect(await openStore({ dir }).get(c.digest)).toBeUndefined();
  });

  it('writes a whole run with one open pack: everything set is on disk once close() returns', async () => {
    const dir = tempDir();
    const store = new DiskContentStore({ dir });
    const entries = Array.from({ length: 50 }, (_, i) => content(`{"run":${i}}`));
    for (const c of entries) void store.set(c.digest, { body: c.body, contentType: c.contentType });
    await store.close();
    expect(readdirSync(join(dir, 'packs'))).toHaveLength(1);
    const next = openStore({ dir });
    for (const c of entries) expect((await next.get(c.digest))?.contentType).toBe(c.contentType);
  });

  it('ignores digests it cannot store safely (no path traversal)', async () => {
    const store = openStore({ dir: tempDir() });
    await store.set('sha256:../../etc/passwd', { body: Buffer.from('x'), contentType: null });
    expect(await store.get('sha256:../../etc/passwd')).toBeUndefined();
    expect(await store.get('sha512:abc')).toBeUndefined();
  });

  it('stays within its size bound, least recently used first', async () => {
    const dir = tempDir();
    const entries = Array.from({ length: 10 }, (_, i) => content(`{"n":${i},"pad":"${'x'.repeat(900)}"}`));
    const store = openStore({ dir, maxBytes: 5_000 });
    for (const [i, c] of entries.entries()) {
      await store.set(c.digest, { body: c.body, contentType: null });
      if (i >= 1) await store.get(entries[0]!.digest); // keep the first one in use
    }
    expect(await store.size()).toBeLessThanOrEqual(5_000);
    expect(await store.get(entries[0]!.digest)).toBeDefined();
    expect(await store.get(entries[9]!.digest)).toBeDefined();
    expect(await store.get(entries[1]!.digest)).toBeUndefined();
  });

  it('appends concurrent writes to one pack file, all readable by the next run', async () => {
    const dir = tempDir();
    const store = openStore({ dir });
    const entries = Array.from({ length: 200 }, (_, i) => content(`{"i":${i}}`));
    await Promise.all(entries.map((c) => store.set(c.digest, { body: c.body, contentType: c.contentType })));
    expect(readdirSync(join(dir, 'packs'))).toHaveLength(1);
    const next = openStore({ dir });
    for (const c of entries) expect((await next.get(c.digest))?.body.toString()).toBe(c.body.toString());
  });

  it('ignores a record another process is still writing, and keeps the ones before it', async () => {
    const dir = tempDir();
    const c = content('{"whole":true}');
    await openStore({ dir }).set(c.digest, { body: c.body, contentType: null });
    const [pack] = readdirSync(join(dir, 'packs'));
    const half = content('{"half":true}');
    appendFileSync(join(dir, 'packs', pack!), `${JSON.stringify({ digest: half.digest, contentType: null, size: half.body.length })}\n{"ha`);
    const next = openStore({ dir });
    expect((await next.get(c.digest))?.body.toString()).toBe('{"whole":true}');
    expect(await next.get(half.digest)).toBeUndefined();
  });

  it('drops the one-file-per-digest layout of earlier versions', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sha256', 'ab'), { recursive: true });
    writeFileSync(join(dir, 'sha256', 'ab', 'ab'.repeat(32)), 'old');
    const c = content('{}');
    await openStore({ dir }).set(c.digest, { body: c.body, contentType: null });
    expect(readdirSync(dir).sort()).toEqual(['packs']);
  });

  it('never throws when the directory cannot be written', async () => {
    const c = content('{}');
    const notADirectory = join(tempDir(), 'file');
    writeFileSync(notADirectory, 'x');
    const store = openStore({ dir: join(notADirectory, 'cache') });
    await expect(store.set(c.digest, { body: c.body, contentType: null })).resolves.toBeUndefined();
    await expect(store.get(c.digest)).resolves.toBeUndefined();
  });
});
