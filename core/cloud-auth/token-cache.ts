import { HostLru } from '../registry/cache.js';

/** A value with the time (ms since epoch) after which it must not be handed out any more. */
export interface Expiring<T> {
  value: T;
  /** When to fetch a new one: the credential's expiry minus a safety margin. */
  refreshAt: number;
}

interface Failure {
  error: Error;
  until: number;
}

/**
 * Cloud tokens per key (registry host, region): cached until their refresh time, one fetch in flight per key, and a
 * failed fetch remembered briefly so a broken identity (missing role, wrong tenant) does not turn every image lookup
 * into another round trip to AAD, STS or Google, which would also risk their throttling.
 */
export class TokenCache<T> {
  /** Keys are registry hosts within a cloud's name patterns, which image strings choose: bounded, oldest first out. */
  private readonly values: HostLru<Expiring<T>>;
  private readonly inflight = new Map<string, Promise<Expiring<T>>>();
  private readonly failures: HostLru<Failure>;

  constructor(
    private readonly failureBackoffMs: number,
    private readonly now: () => number = Date.now,
    maxKeys = 256,
  ) {
    this.values = new HostLru(maxKeys);
    this.failures = new HostLru(maxKeys);
  }

  /** Keys with a value or a remembered failure, for tests. */
  get size(): number {
    return this.values.size + this.failures.size;
  }

  /**
   * The cached value, or one fetched now. The fetch is shared by every caller of the key and bounded by its own
   * timeout; `signal` only stops this caller waiting, so one cancelled lookup never fails the others.
   */
  async get(key: string, fetch: () => Promise<Expiring<T>>, signal?: AbortSignal): Promise<T> {
    const cached = this.values.get(key);
    if (cached && cached.refreshAt > this.now()) return cached.value;
    const failed = this.failures.get(key);
    if (failed && failed.until > this.now()) throw failed.error;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.run(key, fetch);
      this.inflight.set(key, pending);
    }
    return (await abortable(pending, signal)).value;
  }

  /** Forgets a value, e.g. one the server refused, so the next `get` fetches anew. */
  delete(key: string): void {
    this.values.delete(key);
    this.failures.delete(key);
  }

  private async run(key: string, fetch: () => Promise<Expiring<T>>): Promise<Expiring<T>> {
    try {
      const fresh = await fetch();
      this.values.set(key, fresh);
      this.failures.delete(key);
      return fresh;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (this.failureBackoffMs > 0) this.failures.set(key, { error, until: this.now() + this.failureBackoffMs });
      throw error;
    } finally {
      this.inflight.delete(key);
    }
  }
}

/** Waits for `promise` unless `signal` fires first; the promise itself goes on (others may share it). */
export async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) throw cancelled();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

function cancelled(): Error {
  return Object.assign(new Error('cancelled before a cloud token was obtained (lookup deadline)'), { name: 'AbortError' });
}

/**
 * `promise`, or an error naming `what` once `ms` have passed. For SDK calls that take no abort signal; the call
 * itself is left to finish (its result is then dropped).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * When to renew a credential that expires at `expiresAt`: `margin` before it, but never later than halfway through
 * a short lifetime, so a token is not used right up to its expiry by a lookup already under way.
 */
export function refreshTime(issuedAt: number, expiresAt: number, marginMs: number): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  return expiresAt - Math.min(marginMs, lifetime / 2);
}
