import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentStore, StoredContent } from './client.js';
import { encodeRecord, parseWindow, type PackRecord } from './content-pack.js';
import { WriteBatcher, type BatchLimits } from '../write-batcher.js';

export interface DiskContentStoreOptions {
  /** The store's own directory (e.g. ~/.cache/archcheck/registry/content); created on first write. */
  dir: string;
  /** Bound on the bytes kept; least recently used packs go first. Default 256 MiB. */
  maxBytes?: number;
  /** When records set are appended (default: 250 ms after the first, or once 256 KiB wait; close() appends the rest). */
  batch?: BatchLimits;
}

const DEFAULT_BATCH: BatchLimits = { delayMs: 250, maxBytes: 256 * 1024 };

interface PendingRecord {
  digest: string;
  contentType: string | null;
  body: Buffer;
}

export const DEFAULT_DISK_CACHE_BYTES = 256 * 1024 * 1024;

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;
/** Evicting down to this share of the bound leaves room, so not every write evicts. */
const LOW_WATER = 0.9;
/** A pack grows to this share of the bound, then a new one starts: eviction frees space in steps this small. */
const PACK_SHARE = 1 / 16;
/** How much of a pack one read takes when scanning headers: a header line is under 300 bytes. */
const SCAN_WINDOW = 64 * 1024;

interface Entry {
  pack: string;
  offset: number;
  size: number;
  contentType: string | null;
}

interface Pack {
  bytes: number;
  /** Last use (write or read), for the bound: the file's mtime across runs. */
  usedAt: number;
}

interface Index {
  entries: Map<string, Entry>;
  packs: Map<string, Pack>;
}

/**
 * Immutable registry content (manifests, configs) on disk, keyed by digest: content never changes for a digest,
 * so entries never expire, only make room (least recently used pack first, bounded by `maxBytes`).
 *
 * Entries are appended to pack files (content-pack.ts), one pack per process at a time, so a cold audit writing
 * two thousand manifests and configs appends a few times to one file instead of creating two thousand files:
 * creating a file costs 0.5–1 ms of kernel CPU on a busy VM disk, appending a record almost nothing. Each process
 * appends only to packs it created, so writers never interleave; a reader may see a pack's last record half
 * written and ignores it. Reads hash the body and drop a pack holding anything that does not match its digest: a
 * damaged or tampered cache can cost fetches but never a wrong answer. Failures (full disk, permissions) are
 * swallowed by design: the cache is an optimization.
 */
export class DiskContentStore implements ContentStore {
  private readonly dir: string;
  private readonly packDir: string;
  private readonly maxBytes: number;
  private index: Promise<Index> | undefined;
  private totalBytes = 0;
  /** Records waiting for the next append; appends go one at a time, in order. */
  private readonly appends: WriteBatcher<PendingRecord>;
  /** set() calls not yet appended (callers need not await them; close() does). */
  private readonly setting = new Set<Promise<void>>();
  /** The pack this process appends to, kept open: one write per batch, not an open, write and close. */
  private current: { pack: string; bytes: number; file: FileHandle } | undefined;
  /** Packs whose mtime this run already advanced: one utimes per pack read, not one per entry read. */
  private readonly touched = new Set<string>();
  private lastStamp = 0;
  private madePackDir = false;

  constructor(options: DiskContentStoreOptions) {
    this.dir = options.dir;
    this.packDir = join(options.dir, 'packs');
    this.maxBytes = options.maxBytes ?? DEFAULT_DISK_CACHE_BYTES;
    this.appends = new WriteBatcher((records) => this.appendRecords(records), options.batch ?? DEFAULT_BATCH);
  }

  async get(digest: string): Promise<StoredContent | undefined> {
    const hex = SHA256_DIGEST.exec(digest)?.[1];
    if (!hex) return undefined;
    const index = await this.loadedIndex();
    const entry = index.entries.get(digest);
    if (!entry) return undefined;
    const body = await readAt(join(this.packDir, entry.pack), entry.offset, entry.size);
    if (!body || sha256Hex(body) !== hex) {
      await this.dropPack(index, entry.pack);
      return undefined;
    }
    await this.markUsed(index, entry.pack);
    return { body, contentType: entry.contentType };
  }

  set(digest: string, content: StoredContent): Promise<void> {
    const setting = this.store(digest, content);
    this.setting.add(setting);
    return setting.finally(() => this.setting.delete(setting));
  }

  private async store(digest: string, content: StoredContent): Promise<void> {
    if (SHA256_DIGEST.exec(digest)?.[1] !== sha256Hex(content.body)) return;
    if (content.body.length > this.maxBytes) return;
    try {
      const index = await this.loadedIndex();
      if (index.entries.has(digest) || this.appends.waiting.some((p) => p.digest === digest)) return;
      await this.appends.add({ digest, contentType: content.contentType, body: content.body }, content.body.length);
    } catch {
      // A cache that cannot be written is only slower.
    }
  }

  /** Waits for the appends under way and closes the pack file (at the end of a run; set() after it reopens one). */
  async close(): Promise<void> {
    await Promise.all([...this.setting, this.appends.flush()]);
    await this.appends.flush();
    await this.closePack();
  }

  /** Bytes currently accounted for (after the directory was scanned once). */
  async size(): Promise<number> {
    await this.loadedIndex();
    return this.totalBytes;
  }

  private async appendRecords(records: PendingRecord[]): Promise<void> {
    const index = await this.loadedIndex();
    const encoded = records.map((r) => encodeRecord(r.digest, r.contentType, r.body));
    const data = Buffer.concat(encoded);
    const current = await this.packFor(data.length);
    if (!current) return;
    try {
      await current.file.appendFile(data);
    } catch {
      await this.closePack(); // the next append starts a fresh pack
      return;
    }
    const { pack } = current;
    let offset = current.bytes;
    for (const [i, r] of records.entries()) {
      const headerBytes = encoded[i]!.length - r.body.length;
      index.entries.set(r.digest, { pack, offset: offset + headerBytes, size: r.body.length, contentType: r.contentType });
      offset += encoded[i]!.length;
    }
    current.bytes = offset;
    index.packs.set(pack, { bytes: offset, usedAt: this.stamp() });
    this.totalBytes += data.length;
    if (this.totalBytes > this.maxBytes) await this.evict(index);
  }

  /** The open pack to append `bytes` to: a new one when there is none or this one has reached its share of the bound. */
  private async packFor(bytes: number): Promise<{ pack: string; bytes: number; file: FileHandle } | undefined> {
    if (this.current && (this.current.bytes === 0 || this.current.bytes + bytes <= this.maxBytes * PACK_SHARE)) return this.current;
    await this.closePack();
    const pack = `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.pack`;
    try {
      if (!this.madePackDir) await mkdir(this.packDir, { recursive: true });
      this.madePackDir = true;
      this.current = { pack, bytes: 0, file: await open(join(this.packDir, pack), 'a') };
    } catch {
      return undefined;
    }
    return this.current;
  }

  private async closePack(): Promise<void> {
    const file = this.current?.file;
    this.current = undefined;
    await file?.close().catch(() => undefined);
  }

  private loadedIndex(): Promise<Index> {
    this.index ??= this.scan();
    return this.index;
  }

  /** What is on disk already (earlier runs, other processes): where each digest is, pack sizes and last use. */
  private async scan(): Promise<Index> {
    // The layout before packs (one file per digest under sha256/, written via tmp/) is dropped once.
    await rm(join(this.dir, 'sha256'), { recursive: true, force: true }).catch(() => undefined);
    await rm(join(this.dir, 'tmp'), { recursive: true, force: true }).catch(() => undefined);
    const index: Index = { entries: new Map(), packs: new Map() };
    const names = await readdir(this.packDir).catch(() => [] as string[]);
    for (const pack of names.filter((n) => n.endsWith('.pack'))) {
      const path = join(this.packDir, pack);
      const s = await stat(path).catch(() => undefined);
      if (!s?.isFile()) continue;
      for (const r of await readPackRecords(path, s.size)) index.entries.set(r.digest, { pack, offset: r.offset, size: r.size, contentType: r.contentType });
      index.packs.set(pack, { bytes: s.size, usedAt: s.mtimeMs });
      this.totalBytes += s.size;
    }
    return index;
  }

  private async markUsed(index: Index, pack: string): Promise<void> {
    const p = index.packs.get(pack);
    if (p) p.usedAt = this.stamp();
    if (this.touched.has(pack)) return;
    this.touched.add(pack);
    const now = new Date();
    await utimes(join(this.packDir, pack), now, now).catch(() => undefined);
  }

  private async evict(index: Index): Promise<void> {
    const oldestFirst = [...index.packs].filter(([pack]) => pack !== this.current?.pack).sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [pack] of oldestFirst) {
      if (this.totalBytes <= this.maxBytes * LOW_WATER) break;
      await this.dropPack(index, pack);
    }
  }

  private async dropPack(index: Index, pack: string): Promise<void> {
    await unlink(join(this.packDir, pack)).catch(() => undefined);
    for (const [digest, entry] of index.entries) if (entry.pack === pack) index.entries.delete(digest);
    this.totalBytes -= index.packs.get(pack)?.bytes ?? 0;
    index.packs.delete(pack);
    if (this.current?.pack === pack) await this.closePack();
  }

  /** Strictly increasing use times within a run, so two uses in the same millisecond keep their order. */
  private stamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 0.001);
    return this.lastStamp;
  }
}

/** A pack's records, reading headers window by window and skipping the bodies (a full cache is 256 MiB). */
async function readPackRecords(path: string, packSize: number): Promise<PackRecord[]> {
  const records: PackRecord[] = [];
  try {
    const file = await open(path, 'r');
    try {
      const window = Buffer.alloc(SCAN_WINDOW);
      for (let at = 0; at < packSize; ) {
        const { bytesRead } = await file.read(window, 0, window.length, at);
        const parsed = parseWindow(window.subarray(0, bytesRead), at, packSize);
        if (parsed.next === at) break;
        records.push(...parsed.records);
        at = parsed.next;
      }
    } finally {
      await file.close();
    }
  } catch {
    // An unreadable pack holds nothing usable.
  }
  return records;
}

async function readAt(path: string, offset: number, size: number): Promise<Buffer | undefined> {
  try {
    const file = await open(path, 'r');
    try {
      const body = Buffer.alloc(size);
      const { bytesRead } = await file.read(body, 0, size, offset);
      return bytesRead === size ? body : undefined;
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
