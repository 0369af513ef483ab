import { Agent, fetch, type Dispatcher } from 'undici';
import { ArchcheckError } from '../errors.js';
import { canonicalHost, canonicalHostPort, urlDestination } from '../ip-address.js';
import { forbiddenAddressError, hostRefusal } from '../network-guard.js';
import { hostOf } from '../reference.js';
import { guardedConnector, type ConnectAttempt, type LookupFunction } from './guarded-connect.js';
import type { HostTls } from './hosts-toml.js';

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

export interface TransportOptions {
  insecureRegistries: string[];
  requestTimeoutMs: number;
  /** Sockets per origin; matches the client's per-registry concurrency so neither caps the other. */
  connectionsPerHost?: number;
  /** Per host[:port] (or bare host): extra CA and, from hosts.toml only, skip_verify. Never global. */
  hostTls?: Record<string, HostTls>;
  onRequest?: (e: RequestEvent) => void;
  /**
   * Hosts a registry is explicitly configured at (insecure registries, mirrors, CAs, hosts.toml): only there are
   * unspecified and multicast addresses accepted. Link-local and metadata addresses are refused everywhere.
   */
  configuredHosts?: string[];
  /** DNS resolution (default `dns.lookup`); tests stub it to play DNS rebinding. */
  lookup?: LookupFunction;
  /** Called with every address a connection is attempted to. */
  onConnect?: (attempt: ConnectAttempt) => void;
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

const MAX_REDIRECTS = 5;
const MAX_RETRIES = 3;
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

export function isLoopbackHost(host: string): boolean {
  const h = canonicalHost(hostOf(host));
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `ratelimit-remaining: 76;w=21600` → 76 */
function parseRateLimitRemaining(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number.parseInt(value.split(';')[0]!, 10);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * HTTP for registries: scheme choice, TLS per registry, address guard, manual redirects that drop credentials
 * across hosts, bounded bodies, per-request timeouts and retries within the caller's deadline.
 */
export class RegistryTransport {
  private readonly agents = new Map<string, Dispatcher>();
  private readonly httpFallback = new Set<string>();
  private readonly insecure: Set<string>;
  private readonly configured: Set<string>;
  readonly rateLimitRemaining = new Map<string, number>();

  constructor(private readonly options: TransportOptions) {
    this.insecure = new Set(options.insecureRegistries.map(canonicalHostPort));
    this.configured = new Set((options.configuredHosts ?? []).map((h) => canonicalHost(hostOf(h))));
  }

  /** Base URL for a registry host: https, or http for configured insecure registries and loopback fallbacks. */
  baseUrl(endpoint: string, fixedScheme?: 'http' | 'https'): string {
    return `${fixedScheme ?? this.schemeFor(endpoint)}://${endpoint}`;
  }

  /** Configured for plain http; `[::ffff:7f00:1]:5000` is the same registry as `127.0.0.1:5000`. */
  isInsecure(endpoint: string): boolean {
    return this.insecure.has(canonicalHostPort(endpoint));
  }

  /** A registry is explicitly configured at this hostname (any spelling). */
  isConfigured(hostname: string): boolean {
    return this.configured.has(canonicalHost(hostname));
  }

  private schemeFor(endpoint: string): 'http' | 'https' {
    return this.isInsecure(endpoint) || this.httpFallback.has(canonicalHostPort(endpoint)) ? 'http' : 'https';
  }

  private agentFor(host: string): Dispatcher {
    const tls = this.options.hostTls?.[host] ?? this.options.hostTls?.[hostOf(host)];
    const key = tls ? host : '';
    let agent = this.agents.get(key);
    if (!agent) {
      // A private CA is added to the system roots' place for that host only; skip_verify comes only from hosts.toml.
      const tlsOptions = { ...(tls?.ca && { ca: tls.ca }), ...(tls?.skipVerify && { rejectUnauthorized: false }) };
      const guard = {
        isConfigured: (hostname: string) => this.isConfigured(hostname),
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

  /** One request with retries for 408/429/5xx and connection failures, never past the deadline. */
  async request(url: URL, init: RequestInit): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.requestFollowingRedirects(url, init);
      } catch (e) {
        const err = e as ArchcheckError;
        const retryable = err.code === 'UNREACHABLE' || err.code === 'TIMEOUT';
        if (!retryable || attempt >= MAX_RETRIES || init.signal?.aborted) throw e;
        const wait = this.backoff(attempt);
        if (Date.now() + wait >= init.deadline) throw e;
        await sleep(wait, init.signal);
        continue;
      }
      if (!RETRYABLE.has(res.status) || attempt >= MAX_RETRIES) return res;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      const wait = retryAfter ?? this.backoff(attempt);
      if (Date.now() + wait >= init.deadline || init.signal?.aborted) return res;
      await sleep(wait, init.signal);
    }
  }

  private backoff(attempt: number): number {
    // Full jitter keeps many webhook replicas from retrying in lockstep.
    return Math.round(Math.random() * 200 * 2 ** attempt);
  }

  private async requestFollowingRedirects(start: URL, init: RequestInit): Promise<HttpResponse> {
    let url = start;
    let headers = { ...init.headers };
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await this.requestOnce(url, { ...init, headers });
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = res.headers.get('location');
      if (!location) return res;
      const next = new URL(location, url);
      // A refused address is named as such before any other rule about the redirect applies.
      this.assertAddressAllowed(next);
      this.assertRedirectAllowed(url, next);
      const sameDestination = urlDestination(next) === urlDestination(url);
      if (init.body !== undefined && !sameDestination) {
        // A request body here is a token exchange (AAD token, refresh token): it never leaves the host it was meant for.
        throw new ArchcheckError('BAD_RESPONSE', `${url.host} redirected a token request to ${next.host}: refused, credentials stay on the host they were issued for`, {
          registry: init.registry,
        });
      }
      if (!sameDestination) {
        // Blob redirects go to CDNs: credentials issued for the registry follow only to the same host and port,
        // compared in canonical form (so `[::ffff:7f00:1]:5000` is `127.0.0.1:5000`, and `127.0.0.2:5000` is not).
        const { authorization: _dropped, Authorization: _Dropped, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
    throw new ArchcheckError('BAD_RESPONSE', `${start.host}: more than ${MAX_REDIRECTS} redirects`, { registry: init.registry });
  }

  /** Why a URL's host is never contacted (an IP literal in any spelling, a metadata name); DNS answers are checked at connect time. */
  refusalFor(url: URL): string | undefined {
    return hostRefusal(url.hostname, { configured: this.isConfigured(url.hostname.replace(/^\[|\]$/g, '')) });
  }

  private assertAddressAllowed(url: URL): void {
    const reason = this.refusalFor(url);
    if (reason) throw forbiddenAddressError(url.host, reason);
  }

  private assertRedirectAllowed(from: URL, to: URL): void {
    if (to.protocol === 'https:') return;
    if (to.protocol === 'http:' && (this.isInsecure(to.host) || (from.protocol === 'http:' && urlDestination(to) === urlDestination(from)))) return;
    throw new ArchcheckError('BAD_RESPONSE', `${from.host} redirected to ${to.protocol}//${to.host}, which is not https: refused`, {
      registry: from.host,
    });
  }

  private async requestOnce(url: URL, init: RequestInit): Promise<HttpResponse> {
    this.assertAddressAllowed(url);
    const started = Date.now();
    const remaining = init.deadline - started;
    if (remaining <= 0) throw new ArchcheckError('TIMEOUT', `${url.host}: deadline passed before the request`, { registry: init.registry });
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(Math.min(this.options.requestTimeoutMs, remaining))));
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        redirect: 'manual',
        signal,
        dispatcher: this.agentFor(url.host),
      });
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
      const err = this.mapError(e, url, init, timeout.aborted);
      this.options.onRequest?.({ registry: init.registry, method: init.method, code: err.code, durationMs: Date.now() - started });
      if (err.code === 'UNREACHABLE' && this.shouldFallBackToHttp(url, e)) {
        this.httpFallback.add(canonicalHostPort(url.host));
        const httpUrl = new URL(url);
        httpUrl.protocol = 'http:';
        return this.requestOnce(httpUrl, init);
      }
      throw err;
    }
  }

  /** Like Docker, a loopback registry that does not speak TLS is retried over http. */
  private shouldFallBackToHttp(url: URL, e: unknown): boolean {
    if (url.protocol !== 'https:' || !isLoopbackHost(url.host)) return false;
    const text = `${(e as Error).message} ${String((e as { cause?: unknown }).cause)}`;
    return /wrong version number|EPROTO|packet length too long|ECONNRESET|SSL routines/i.test(text);
  }

  private mapError(e: unknown, url: URL, init: RequestInit, timedOut: boolean): ArchcheckError {
    if (e instanceof ArchcheckError) return e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.message ?? (e as Error).message;
    if (cause?.code === 'EFORBIDDEN') return new ArchcheckError('FORBIDDEN_ADDRESS', `refusing to connect to ${url.host}: ${detail}`, { registry: init.registry });
    if (timedOut || (e as Error).name === 'TimeoutError' || cause?.code === 'UND_ERR_HEADERS_TIMEOUT' || cause?.code === 'UND_ERR_BODY_TIMEOUT') {
      return new ArchcheckError('TIMEOUT', `${url.host} did not answer in time`, { registry: init.registry, cause: e });
    }
    if ((e as Error).name === 'AbortError' || init.signal?.aborted) {
      return new ArchcheckError('TIMEOUT', `lookup at ${url.host} was cancelled (deadline)`, { registry: init.registry, cause: e });
    }
    if (/certificate|self[- ]signed|CERT_/i.test(`${cause?.code ?? ''} ${detail}`)) {
      return new ArchcheckError('UNREACHABLE', `${url.host}: TLS certificate not trusted (${detail}); pass the registry's CA with --registry-ca ${url.host}=FILE`, { registry: init.registry, cause: e });
    }
    return new ArchcheckError('UNREACHABLE', `cannot reach ${url.host}: ${detail}`, { registry: init.registry, cause: e });
  }
}

async function readBounded(res: Response | import('undici').Response, maxBytes: number, url: URL): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new ArchcheckError('BAD_RESPONSE', `${url.host}${url.pathname}: response of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new ArchcheckError('BAD_RESPONSE', `${url.host}${url.pathname}: response exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
