/**
 * The time an admission request may spend on registries: the smaller of `--resolve-timeout` and the apiserver's
 * `?timeout=` minus a margin for the rest of the request (docs/placement-rules.md, "Deadline": an admission is never slower than it).
 *
 * Most admissions never wait (images answered from memory, cluster facts from informer caches), so nothing is
 * armed up front: the AbortController and its timer are made when a lookup first asks for the signal, and a race
 * arms the deadline's one timer only when its promise is still pending once the microtasks queued with it have
 * run (setImmediate). Whoever arms it, the timer fires at `at`, as one made in the constructor would have.
 */
export class Deadline {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Races still waiting, answered with their fallback when the timer fires. */
  private readonly waiting = new Set<() => void>();
  private expired = false;
  /** Disposed: nothing is armed any more (a signal handed out before is never aborted, as with a cleared timer). */
  private disposed = false;
  readonly at: number;

  constructor(readonly ms: number) {
    this.at = Date.now() + ms;
  }

  /** Aborted at `at` (at once when asked for after it). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.expired || (!this.disposed && this.remainingMs() === 0)) this.expire();
      else this.arm();
    }
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** `promise`'s value, or `fallback` when the deadline passes first. Never rejects when `promise` does not. */
  race<T>(promise: Promise<T>, fallback: T): Promise<T> {
    if (this.expired || this.controller?.signal.aborted === true) return Promise.resolve(fallback);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onExpiry = (): void => resolve(fallback);
      promise.then(
        (v) => {
          settled = true;
          this.waiting.delete(onExpiry);
          resolve(v);
        },
        (e: unknown) => {
          settled = true;
          this.waiting.delete(onExpiry);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
      // A promise answered from memory has settled by now: no timer for it.
      setImmediate(() => {
        if (settled) return;
        if (this.expired) return onExpiry();
        this.waiting.add(onExpiry);
        this.arm();
      });
    });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.waiting.clear();
  }

  private arm(): void {
    if (this.timer || this.expired || this.disposed) return;
    this.timer = setTimeout(() => this.expire(), this.remainingMs());
    this.timer.unref();
  }

  private expire(): void {
    this.expired = true;
    this.controller?.abort(new Error('admission deadline'));
    for (const onExpiry of this.waiting) onExpiry();
    this.waiting.clear();
  }
}

const MIN_DEADLINE_MS = 100;

/**
 * Milliseconds for registry work in one request. The apiserver sends `?timeout=10s` (the webhook's timeoutSeconds);
 * 20% of it (at least 250 ms) is kept for reading secrets, diffing and the network.
 */
export function admissionDeadlineMs(resolveTimeoutMs: number, apiserverTimeout: string | undefined): number {
  const apiMs = parseApiserverTimeout(apiserverTimeout);
  if (apiMs === undefined) return resolveTimeoutMs;
  const margin = Math.max(250, apiMs * 0.2);
  return Math.max(MIN_DEADLINE_MS, Math.min(resolveTimeoutMs, Math.floor(apiMs - margin)));
}

/** The last timeout parsed: the apiserver sends the same one (the webhook configuration's) on every request. */
let lastTimeout: { value: string; ms: number | undefined } | undefined;

/** `10s`, `1m0s`, `500ms` (Go durations as the apiserver writes them). */
export function parseApiserverTimeout(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (lastTimeout?.value === value) return lastTimeout.ms;
  const ms = parseGoDuration(value);
  lastTimeout = { value, ms };
  return ms;
}

function parseGoDuration(value: string): number | undefined {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
}
