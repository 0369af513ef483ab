import { Agent, fetch, type Dispatcher } from 'undici';
import { ArchcheckError } from '../errors.js';
import { hostOf } from '../reference.js';
import { guardedConnector, type ConnectAttempt, type LookupFunction } from './guarded-connect.js';
import type { HostTls } from './hosts-toml.js';
import { HostLru } from './cache.js';

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** Final URL after redirects. */
  url: URL;
}

export interface RequestEvent {
  registry: string;
  method: string;
  /** HTTP status, or the error code when no response came. */
  code: string;
  durationMs: number;
  rateLimitRemaining?: number;
}

export interface RequestInit {
  method: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Bytes of body accepted; more is BAD_RESPONSE. */
  maxBytes: number;
  /** Absolute time (ms since epoch) after which nothing more is attempted. */
  deadline: number;
  signal?: AbortSignal;
  /** Registry name for metrics and messages. */
  registry: string;
}

/** One layer of the transport: sends a request (perhaps through the layer below) and returns its response. */
export type RoundTrip = (url: URL, init: RequestInit) => Promise<HttpResponse>;

export interface HttpOptions {
  requestTimeoutMs: number;
  /** Sockets per origin; matches the client's per-registry concurrency so neither caps the other. */
  connectionsPerHost?: number;
  /** Per host[:port] (or bare host): extra CA and, from hosts.toml only, skip_verify. Never global. */
  hostTls?: Record<string, HostTls>;
  onRequest?: (e: RequestEvent) => void;
  /** DNS resolution (default `dns.lookup`); tests stub it to play DNS rebinding. */
  lookup?: LookupFunction;
  /** Called with every address a connection is attempted to. */
  onConnect?: (attempt: ConnectAttempt) => void;
  /** Whether a registry is explicitly configured at this hostname (the connect-time address guard asks). */
  isConfigured: (hostname: string) => boolean;
  /** Registries whose last rate-limit reading is kept. */
  hostEntries: number;
}

/** `ratelimit-remaining: 76;w=21600` → 76 */
function parseRateLimitRemaining(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number.parseInt(value.split(';')[0]!, 10);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * The bottom layer: exactly one HTTP exchange over undici, with the address guard at connect time, TLS per host,
 * a per-request timeout within the deadline, a bounded body, and every failure as a typed error (http-errors.ts).
 */
export class HttpSender {
  /**
   * One agent for every host without TLS settings of its own, one per host with them: keyed by configuration, never
   * by an image string, so the map is as large as the configuration. (An agent keeps a connection pool per origin
   * and drops it when its sockets close, after undici's keep-alive timeout.)
   */
  private readonly agents = new Map<string, Dispatcher>();
  readonly rateLimitRemaining: HostLru<number>;

  constructor(private readonly options: HttpOptions) {
    this.rateLimitRemaining = new HostLru(options.hostEntries);
  }

  get agentCount(): number {
    return this.agents.size;
  }

  private agentFor(host: string): Dispatcher {
    const tls = this.options.hostTls?.[host] ?? this.options.hostTls?.[hostOf(host)];
    const key = tls ? host : '';
    let agent = this.agents.get(key);
    if (!agent) {
      // A private CA is added to the system roots' place for that host only; skip_verify comes only from hosts.toml.
      const tlsOptions = { ...(tls?.ca && { ca: tls.ca }), ...(tls?.skipVerify && { rejectUnauthorized: false }) };
      const guard = {
        isConfigured: this.options.isConfigured,
        ...(this.options.lookup && { lookup: this.options.lookup }),
        ...(this.options.onConnect && { onConnect: this.options.onConnect }),
      };
      agent = new Agent({
        connect: guardedConnector({ ...tlsOptions, minVersion: 'TLSv1.2' } as never, guard),
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: this.options.requestTimeoutMs,
        connections: this.options.connectionsPerHost ?? 16,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }

  readonly send: RoundTrip = async (url, init) => {
    const started = Date.now();
    const remaining = init.deadline - started;
    if (remaining <= 0) throw new ArchcheckError('TIMEOUT', `${url.host}: deadline passed before the request`, { registry: init.registry });
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(Math.min(this.options.requestTimeoutMs, remaining))));
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: 'manual', signal, dispatcher: this.agentFor(url.host) });
      const body = init.method === 'HEAD' ? Buffer.alloc(0) : await readBounded(res, init.maxBytes, url);
      const remainingHeader = parseRateLimitRemaining(res.headers.get('ratelimit-remaining'));
      if (remainingHeader !== undefined) this.rateLimitRemaining.set(init.registry, remainingHeader);
      this.options.onRequest?.({
        registry: init.registry,
        method: init.method,
        code: String(res.status),
        durationMs: Date.now() - started,
        ...(remainingHeader !== undefined && { rateLimitRemaining: remainingHeader }),
      });
      return { status: res.status, headers: res.headers as unknown as Headers, body, url };
    } catch (e) {
      const err = httpError(e, url, init, timeout.aborted);
      this.options.onRequest?.({ registry: init.registry, method: init.method, code: err.code, durationMs: Date.now() - started });
      throw err;
    }
  };
}

async function readBounded(res: Response | import('undici').Response, maxBytes: number, url: URL): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new ArchcheckError('BAD_RESPONSE', `${url.host}${url.pathname}: response of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new ArchcheckError('BAD_RESPONSE', `${url.host}${url.pathname}: response exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  // A body of its own (Buffer.alloc never slices Node's shared 8 KiB pool, as Buffer.concat/from do for small
  // sizes): cached manifests would otherwise each keep a whole pool slab alive, 4x what the caches account.
  const body = Buffer.alloc(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

interface FailureFacts {
  name: string;
  causeCode: string;
  detail: string;
  timedOut: boolean;
  aborted: boolean;
}

const TIMEOUT_CAUSES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** What kind of failure a thrown fetch error is, in the order the kinds are told apart. */
export function failureKind(f: FailureFacts): 'forbidden' | 'timeout' | 'cancelled' | 'untrusted-certificate' | 'unreachable' {
  if (f.causeCode === 'EFORBIDDEN') return 'forbidden';
  if (f.timedOut || f.name === 'TimeoutError' || TIMEOUT_CAUSES.has(f.causeCode)) return 'timeout';
  if (f.aborted || f.name === 'AbortError') return 'cancelled';
  if (/certificate|self[- ]signed|CERT_/i.test(`${f.causeCode} ${f.detail}`)) return 'untrusted-certificate';
  return 'unreachable';
}

/** A thrown fetch error as the typed error the layers above act on (retry, scheme fallback) and users read. */
function httpError(e: unknown, url: URL, init: RequestInit, timedOut: boolean): ArchcheckError {
  if (e instanceof ArchcheckError) return e;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.message ?? (e as Error).message;
  const registry = init.registry;
  const kind = failureKind({ name: (e as Error).name, causeCode: cause?.code ?? '', detail, timedOut, aborted: init.signal?.aborted === true });
  switch (kind) {
    case 'forbidden':
      return new ArchcheckError('FORBIDDEN_ADDRESS', `refusing to connect to ${url.host}: ${detail}`, { registry });
    case 'timeout':
      return new ArchcheckError('TIMEOUT', `${url.host} did not answer in time`, { registry, cause: e });
    case 'cancelled':
      return new ArchcheckError('TIMEOUT', `lookup at ${url.host} was cancelled (deadline)`, { registry, cause: e });
    case 'untrusted-certificate':
      return new ArchcheckError('UNREACHABLE', `${url.host}: TLS certificate not trusted (${detail}); add the registry's CA for ${url.host} (registryCAs) or its hosts.toml`, { registry, cause: e });
    case 'unreachable':
      return new ArchcheckError('UNREACHABLE', `cannot reach ${url.host}: ${detail}`, { registry, cause: e });
  }
}
