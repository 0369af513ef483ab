import { Agent, type Dispatcher } from 'undici';
import { ArchcheckError } from '../errors.js';
import { hostOf } from '../reference.js';
import { guardedConnector, type ConnectAttempt, type LookupFunction } from './guarded-connect.js';
import type { HostTls } from './hosts-toml.js';
import { HostLru } from './cache.js';

/** What the layers above read of a response's headers (a WHATWG `Headers` is one too: tests build them so). */
export interface ResponseHeaders {
  /** The header's value, several joined with ", " as `Headers.get` does; null when absent. */
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
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
        // A connection may take hardly longer than a whole request may: a host that accepts TCP and never finishes
        // TLS is dropped soon after its request gave up (undici's default is 10 s, and close() waits for it). The
        // second more lets the request's own timer answer first, as TIMEOUT.
        connect: guardedConnector({ ...tlsOptions, minVersion: 'TLSv1.2', timeout: Math.min(this.options.requestTimeoutMs + 1_000, 10_000) } as never, guard),
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

  /**
   * undici's `request` rather than `fetch`: the same exchange without WHATWG streams, Headers and Response objects,
   * ≈ 2-3x less CPU per request (the audit sends thousands), and one timer with one AbortController per request
   * instead of `AbortSignal.timeout` + `AbortSignal.any` (docs/perf/audit-profile.md). No redirect is followed
   * here (redirects.ts does it, with the address guard) and no body is decompressed (none is asked for).
   */
  readonly send: RoundTrip = async (url, init) => {
    const started = Date.now();
    const remaining = init.deadline - started;
    if (remaining <= 0) throw new ArchcheckError('TIMEOUT', `${url.host}: deadline passed before the request`, { registry: init.registry });
    const abort = new RequestAbort(Math.max(1, Math.floor(Math.min(this.options.requestTimeoutMs, remaining))), init.signal);
    try {
      const res = await abort.race(
        this.agentFor(url.host).request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: init.method,
          headers: { 'user-agent': USER_AGENT, ...init.headers },
          body: init.body ?? null,
          signal: abort.signal,
        }),
      );
      const headers = new PlainHeaders(res.headers);
      const body = init.method === 'HEAD' ? await drained(res.body) : await readBounded(res.body, headers, init.maxBytes, url);
      const remainingHeader = parseRateLimitRemaining(headers.get('ratelimit-remaining'));
      if (remainingHeader !== undefined) this.rateLimitRemaining.set(init.registry, remainingHeader);
      this.options.onRequest?.({
        registry: init.registry,
        method: init.method,
        code: String(res.statusCode),
        durationMs: Date.now() - started,
        ...(remainingHeader !== undefined && { rateLimitRemaining: remainingHeader }),
      });
      return { status: res.statusCode, headers, body, url };
    } catch (e) {
      const err = httpError(e, url, init, abort.timedOut);
      this.options.onRequest?.({ registry: init.registry, method: init.method, code: err.code, durationMs: Date.now() - started });
      throw err;
    } finally {
      abort.done();
    }
  };
}

/** Sent with every registry request (registries log it; some operators filter on it). Callers' headers win. */
const USER_AGENT = 'archcheck';

/** The request's own time limit and the caller's cancellation, as one signal for undici. */
class RequestAbort {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  timedOut = false;

  constructor(
    timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('request timed out', 'TimeoutError'));
    }, timeoutMs);
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * The request, or the abort's reason as soon as it comes. undici's `request` honours its signal only once a
   * connection is made: against a host that accepts TCP and never finishes TLS, it would wait for the connect
   * timeout (10 s) past any deadline. A request given up on is left to end by itself (its body, if it ever comes,
   * is dropped).
   */
  race(request: Promise<Dispatcher.ResponseData>): Promise<Dispatcher.ResponseData> {
    const signal = this.controller.signal;
    if (signal.aborted) {
      abandon(request);
      return Promise.reject(signal.reason as Error);
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        abandon(request);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.then(
        (res) => {
          signal.removeEventListener('abort', onAbort);
          resolve(res);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e as Error);
        },
      );
    });
  }

  private readonly onOuterAbort = (): void => this.controller.abort(this.outer?.reason);

  /** Called once the body is read (or the request failed): the timer and the listener go. */
  done(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

function abandon(request: Promise<Dispatcher.ResponseData>): void {
  request.then(
    (res) => res.body.destroy(),
    () => undefined,
  );
}

/** undici's header object (lower-case names; repeated headers as arrays) read as `Headers.get` reads. */
export class PlainHeaders implements ResponseHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

type ResponseBody = Dispatcher.ResponseData['body'];

/** A HEAD answer has no body; reading it to its end frees the connection for the next request. */
async function drained(body: ResponseBody): Promise<Buffer> {
  await body.dump();
  return Buffer.alloc(0);
}

async function readBounded(stream: ResponseBody, headers: ResponseHeaders, maxBytes: number, url: URL): Promise<Buffer> {
  const declared = Number(headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    stream.destroy();
    throw new ArchcheckError('BAD_RESPONSE', `${url.host}${url.pathname}: response of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      stream.destroy();
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

function failureFacts(e: unknown, timedOut: boolean, aborted: boolean): FailureFacts {
  const thrown = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const causeCode = thrown.code ?? thrown.cause?.code ?? '';
  const detail = (thrown.code === undefined ? thrown.cause?.message : undefined) ?? thrown.message ?? String(e);
  return { name: thrown.name ?? '', causeCode, detail, timedOut, aborted };
}

/**
 * A thrown undici error as the typed error the layers above act on (retry, scheme fallback) and users read. undici's
 * `request` rejects with the socket's, TLS's or the guard's own error (its `code` on it); an error wrapping another
 * (`cause`) is read through.
 */
function httpError(e: unknown, url: URL, init: RequestInit, timedOut: boolean): ArchcheckError {
  if (e instanceof ArchcheckError) return e;
  const facts = failureFacts(e, timedOut, init.signal?.aborted === true);
  const { detail } = facts;
  const registry = init.registry;
  const kind = failureKind(facts);
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
