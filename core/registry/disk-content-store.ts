import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentStore, StoredContent } from './client.js';

export interface DiskContentStoreOptions {
  /** The store's own directory (e.g. ~/.cache/archcheck/registry/content); created on first write. */
  dir: string;
  /** Bound on the bytes kept; least recently used entries go first. Default 256 MiB. */
  maxBytes?: number;
}

export const DEFAULT_DISK_CACHE_BYTES = 256 * 1024 * 1024;

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;
/** Evicting down to this share of the bound leaves room, so not every write evicts. */
const LOW_WATER = 0.9;

interface Entry {
  path: string;
  size: number;
  usedAt: number;
}

/**
 * Immutable registry content (manifests, configs) on disk, keyed by digest: content never changes for a digest,
 * so entries never expire, only make room (least recently used first, bounded by `maxBytes`).
 *
 * Each file is one header line (`{"contentType":…}`) and the body. Writes go to a temporary file renamed into
 * place, so a reader (or a second archcheck run) never sees half a file. Reads hash the body and drop an entry
 * that does not match its digest: a damaged or tampered cache can cost a fetch but never a wrong answer.
 * Failures (full disk, permissions) are swallowed by design: the cache is an optimization.
 */
export class DiskContentStore implements ContentStore {
  private readonly dir: string;
  private readonly maxBytes: number;
  private index: Promise<Map<string, Entry>> | undefined;
  private totalBytes = 0;
  /** Directories made by this store: one mkdir each, not two per write (an audit writes thousands of entries). */
  private readonly madeDirs = new Set<string>();

  constructor(options: DiskContentStoreOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? DEFAULT_DISK_CACHE_BYTES;
  }

  async get(digest: string): Promise<StoredContent | undefined> {
    const path = this.pathOf(digest);
    if (!path) return undefined;
    // Once a write has scanned the directory, a digest not in the index is not on disk (but for another process's
    // write since, which only costs a fetch): a cold audit then skips a failing read per manifest and config.
    if (this.index && !(await this.index).has(digest)) return undefined;
    let raw: Buffer;
    try {
      raw = await readFile(path);
    } catch {
      return undefined;
    }
    const content = decode(raw);
    if (!content || sha256Hex(content.body) !== SHA256_DIGEST.exec(digest)![1]) {
      await unlink(path).catch(() => undefined);
      return undefined;
    }
    // Mark it used, for the bound; the directory is only scanned when a write needs the bound.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    const entry = this.index ? (await this.index).get(digest) : undefined;
    if (entry) entry.usedAt = now.getTime();
    return content;
  }

  async set(digest: string, content: StoredContent): Promise<void> {
    const path = this.pathOf(digest);
    if (!path || sha256Hex(content.body) !== SHA256_DIGEST.exec(digest)![1]) return;
    const data = encode(content);
    if (data.length > this.maxBytes) return;
    try {
      const index = await this.loadedIndex();
      if (index.has(digest)) return;
      await this.makeDir(join(path, '..'));
      const tmp = join(this.dir, 'tmp', `${digest.slice(7)}.${process.pid}.${randomBytes(4).toString('hex')}`);
      await this.makeDir(join(this.dir, 'tmp'));
      await writeFile(tmp, data);
      await rename(tmp, path);
      index.set(digest, { path, size: data.length, usedAt: Date.now() });
      this.totalBytes += data.length;
      if (this.totalBytes > this.maxBytes) await this.evict(index);
    } catch {
      // A cache that cannot be written is only slower.
    }
  }

  /** Bytes currently accounted for (after the directory was scanned once). */
  async size(): Promise<number> {
    await this.loadedIndex();
    return this.totalBytes;
  }

  private async makeDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  private pathOf(digest: string): string | undefined {
    const m = SHA256_DIGEST.exec(digest);
    if (!m) return undefined;
    const hex = m[1]!;
    return join(this.dir, 'sha256', hex.slice(0, 2), hex);
  }

  private loadedIndex(): Promise<Map<string, Entry>> {
    this.index ??= this.scan();
    return this.index;
  }

  /** What is on disk already (earlier runs): sizes and last use, for the bound. */
  private async scan(): Promise<Map<string, Entry>> {
    const index = new Map<string, Entry>();
    const root = join(this.dir, 'sha256');
    const prefixes = await readdir(root).catch(() => [] as string[]);
    for (const prefix of prefixes) {
      const names = await readdir(join(root, prefix)).catch(() => [] as string[]);
      for (const name of names) {
        const path = join(root, prefix, name);
        const s = await stat(path).catch(() => undefined);
        if (!s?.isFile()) continue;
        index.set(`sha256:${name}`, { path, size: s.size, usedAt: s.mtimeMs });
        this.totalBytes += s.size;
      }
    }
    return index;
  }

  private async evict(index: Map<string, Entry>): Promise<void> {
    const oldestFirst = [...index].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [digest, entry] of oldestFirst) {
      if (this.totalBytes <= this.maxBytes * LOW_WATER) break;
      await unlink(entry.path).catch(() => undefined);
      index.delete(digest);
      this.totalBytes -= entry.size;
    }
  }
}

function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function encode(content: StoredContent): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify({ contentType: content.contentType })}\n`), content.body]);
}

function decode(raw: Buffer): StoredContent | undefined {
  const newline = raw.indexOf(0x0a);
  if (newline === -1) return undefined;
  try {
    const header = JSON.parse(raw.subarray(0, newline).toString('utf8')) as { contentType?: unknown };
    const contentType = typeof header.contentType === 'string' ? header.contentType : null;
    return { body: raw.subarray(newline + 1), contentType };
  } catch {
    return undefined;
  }
}
