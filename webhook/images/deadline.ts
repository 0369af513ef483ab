/**
 * The time an admission request may spend on registries: the smaller of `--resolve-timeout` and the apiserver's
 * `?timeout=` minus a margin for the rest of the request (docs/placement-rules.md, "Deadline": an admission is never slower than it).
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly at: number;

  constructor(readonly ms: number) {
    this.at = Date.now() + ms;
    this.timer = setTimeout(() => this.controller.abort(new Error('admission deadline')), ms);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** `promise`'s value, or `fallback` when the deadline passes first. Never rejects when `promise` does not. */
  race<T>(promise: Promise<T>, fallback: T): Promise<T> {
    if (this.signal.aborted) return Promise.resolve(fallback);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => resolve(fallback);
      this.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
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
