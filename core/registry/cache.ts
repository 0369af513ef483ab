/** Bytes a key is accounted for (UTF-16 string plus the Map entry around it). */
const keyBytes = (key: string): number => 2 * key.length + 48;

/** A Map whose entries carry their accounted size, oldest first: what the byte-bounded caches below share. */
class AccountedMap<E extends { size: number }> {
  protected readonly entries = new Map<string, E>();
  private bytes = 0;

  protected put(key: string, entry: E): void {
    this.delete(key);
    this.entries.set(key, entry);
    this.bytes += entry.size;
  }

  /** Drops the oldest entries while `over()` says the map is over its bound. */
  protected evictOldestWhile(over: () => boolean): void {
    for (const [k, e] of this.entries) {
      if (!over()) break;
      this.entries.delete(k);
      this.bytes -= e.size;
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.size;
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}

/** Least-recently-used map bounded by the accounted size of its entries (key and value). */
export class ByteLruCache<V> extends AccountedMap<{ value: V; size: number }> {
  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (v: V) => number,
  ) {
    super();
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value) + keyBytes(key);
    if (size > this.maxBytes) return;
    this.put(key, { value, size });
    this.evictOldestWhile(() => this.totalBytes > this.maxBytes);
  }
}

/** A TtlCache entry as stored: its value, when it was stored and when it expires (ms since epoch). */
export interface TtlEntry<V> {
  readonly value: V;
  readonly storedAt: number;
  readonly expiresAt: number;
}

/**
 * Entries that expire; bounded by count and by accounted bytes (key and value), so a flood of distinct keys — image
 * strings are user input — cannot grow it without limit. The oldest entries go first.
 */
export class TtlCache<V> extends AccountedMap<{ value: V; storedAt: number; expiresAt: number; size: number }> {
  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes = Infinity,
    private readonly sizeOf: (v: V) => number = () => 64,
  ) {
    super();
  }

  /** The entry with its age, fresh or not; callers decide whether stale is usable. */
  peek(key: string): { value: V; fresh: boolean; storedAt: number } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    return { value: e.value, fresh: e.expiresAt > Date.now(), storedAt: e.storedAt };
  }

  get(key: string): V | undefined {
    const e = this.peek(key);
    return e?.fresh ? e.value : undefined;
  }

  /** The stored entry as is (no copy: this is read on every warm admission); undefined when there is none. */
  entry(key: string): TtlEntry<V> | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V, ttlMs: number): void {
    this.delete(key);
    const size = this.sizeOf(value) + keyBytes(key);
    if (size > this.maxBytes) return;
    const now = Date.now();
    this.put(key, { value, storedAt: now, expiresAt: now + ttlMs, size });
    this.evictOldestWhile(() => this.entries.size > this.maxEntries || this.totalBytes > this.maxBytes);
  }
}

/**
 * Per-host state (a challenge, a scheme learned, a rate-limit reading), bounded by count: hosts come from image
 * strings, so the least recently used host is forgotten first (it is asked again if it comes back). Also bounds
 * other state keyed by strings from images (the lookup plans per reference, lookup-plans.ts).
 */
export class HostLru<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Identical concurrent lookups share one promise: 200 pods of a new Deployment cause one registry fetch. */
export class SingleFlight<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  /** A flight for `key` is under way (a new caller would join it). */
  has(key: string): boolean {
    return this.inflight.has(key);
  }

  run(key: string, fn: () => Promise<V>): Promise<V> {
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}

/** Caps concurrent work per key (registry host) so one slow registry cannot absorb every socket. */
export class KeyedSemaphore {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await fn();
    } finally {
      this.release(key);
    }
  }

  private acquire(key: string): Promise<void> {
    const n = this.active.get(key) ?? 0;
    if (n < this.limit) {
      this.active.set(key, n + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const q = this.waiting.get(key) ?? [];
      q.push(() => {
        this.active.set(key, (this.active.get(key) ?? 0) + 1);
        resolve();
      });
      this.waiting.set(key, q);
    });
  }

  private release(key: string): void {
    const left = (this.active.get(key) ?? 1) - 1;
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(key);
    // Registry hosts come from image strings: forget idle keys so the maps stay as small as the work in flight.
    if (left === 0 && !next) this.active.delete(key);
    else this.active.set(key, left);
    if (next) next();
  }
}
