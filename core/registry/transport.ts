import { canonicalHost, canonicalHostPort } from '../ip-address.js';
import { forbiddenAddressError, hostRefusal } from '../network-guard.js';
import { hostOf } from '../reference.js';
import { HostLru } from './cache.js';
import type { ConnectAttempt, LookupFunction } from './guarded-connect.js';
import type { HostTls } from './hosts-toml.js';
import { HttpSender, type HttpResponse, type RequestEvent, type RequestInit, type RoundTrip } from './http-request.js';
import { followingRedirects } from './redirects.js';
import { DEFAULT_RETRY_POLICY, retrying, type RetryPolicy } from './retry-policy.js';
import { fallingBackToHttp } from './scheme-fallback.js';

export type { HttpResponse, RequestEvent, RequestInit } from './http-request.js';
export { parseRetryAfter } from './retry-policy.js';
export { isLoopbackHost } from './scheme-fallback.js';

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
  retryPolicy?: RetryPolicy;
  /** Hosts whose state (learned http fallback, rate-limit reading) is kept; the least recently used go first. */
  hostEntries?: number;
}

/**
 * HTTP for registries as a chain of small layers (go-containerregistry's RoundTrippers), outermost first:
 * retry (retry-policy.ts: the policy is data) → redirects (redirects.ts: address guard on every target, https only,
 * credentials stay on their host) → scheme fallback (scheme-fallback.ts: loopback http) → address guard → one HTTP
 * exchange (http-request.ts: TLS per host, connect-time guard, timeouts, bounded body, typed errors). Auth sits
 * above, in authenticated-request.ts and auth.ts.
 */
export class RegistryTransport {
  private readonly http: HttpSender;
  private readonly httpFallback: HostLru<true>;
  private readonly insecure: Set<string>;
  private readonly configured: Set<string>;
  private readonly chain: RoundTrip;
  /**
   * Per host spelling, what the pure checks above answer: every request asks them (scheme, authorization, address
   * guard), and parsing the host as an IP literal in every spelling cost more CPU per request than undici's own
   * work. Bounded like the other per-host state; DNS answers are still checked at every connect (http-request.ts).
   */
  private readonly canonicalEndpoints: HostLru<string>;
  private readonly refusals: HostLru<string>;

  constructor(options: TransportOptions) {
    this.insecure = new Set(options.insecureRegistries.map(canonicalHostPort));
    this.httpFallback = new HostLru(options.hostEntries ?? 1024);
    this.canonicalEndpoints = new HostLru(options.hostEntries ?? 1024);
    this.refusals = new HostLru(options.hostEntries ?? 1024);
    this.configured = new Set((options.configuredHosts ?? []).map((h) => canonicalHost(hostOf(h))));
    this.http = new HttpSender({
      requestTimeoutMs: options.requestTimeoutMs,
      hostEntries: options.hostEntries ?? 1024,
      ...(options.connectionsPerHost !== undefined && { connectionsPerHost: options.connectionsPerHost }),
      ...(options.hostTls && { hostTls: options.hostTls }),
      ...(options.onRequest && { onRequest: options.onRequest }),
      ...(options.lookup && { lookup: options.lookup }),
      ...(options.onConnect && { onConnect: options.onConnect }),
      isConfigured: (hostname) => this.isConfigured(hostname),
    });
    const guarded: RoundTrip = (url, init) => {
      this.assertAddressAllowed(url);
      return this.http.send(url, init);
    };
    const rules = { assertAddressAllowed: (url: URL) => this.assertAddressAllowed(url), isInsecure: (host: string) => this.isInsecure(host) };
    this.chain = retrying(followingRedirects(fallingBackToHttp(guarded, this.httpFallback), rules), options.retryPolicy ?? DEFAULT_RETRY_POLICY);
  }

  /** Last `ratelimit-remaining` a registry reported (kept for the most recently used hosts). */
  rateLimitRemaining(registry: string): number | undefined {
    return this.http.rateLimitRemaining.get(registry);
  }

  /** Entries of the per-host state, for the cache gauges and the soak test. */
  sizes(): Record<string, { entries: number }> {
    return { httpFallback: { entries: this.httpFallback.size }, rateLimits: { entries: this.http.rateLimitRemaining.size }, agents: { entries: this.http.agentCount } };
  }

  /** Base URL for a registry host: https, or http for configured insecure registries and loopback fallbacks. */
  baseUrl(endpoint: string, fixedScheme?: 'http' | 'https'): string {
    return `${fixedScheme ?? this.schemeFor(endpoint)}://${endpoint}`;
  }

  /** Configured for plain http; `[::ffff:7f00:1]:5000` is the same registry as `127.0.0.1:5000`. */
  isInsecure(endpoint: string): boolean {
    return this.insecure.has(this.canonicalEndpoint(endpoint));
  }

  /** A registry is explicitly configured at this hostname (any spelling). */
  isConfigured(hostname: string): boolean {
    return this.configured.has(canonicalHost(hostname));
  }

  private schemeFor(endpoint: string): 'http' | 'https' {
    return this.isInsecure(endpoint) || this.httpFallback.has(this.canonicalEndpoint(endpoint)) ? 'http' : 'https';
  }

  /** `canonicalHostPort(endpoint)`, remembered per spelling: asked for on every request (scheme, authorization). */
  canonicalEndpoint(endpoint: string): string {
    let canonical = this.canonicalEndpoints.get(endpoint);
    if (canonical === undefined) {
      canonical = canonicalHostPort(endpoint);
      this.canonicalEndpoints.set(endpoint, canonical);
    }
    return canonical;
  }

  /** Why a URL's host is never contacted (an IP literal in any spelling, a metadata name); DNS answers are checked at connect time. */
  refusalFor(url: URL): string | undefined {
    let reason = this.refusals.get(url.hostname);
    if (reason === undefined) {
      reason = hostRefusal(url.hostname, { configured: this.isConfigured(url.hostname.replace(/^\[|\]$/g, '')) }) ?? '';
      this.refusals.set(url.hostname, reason);
    }
    return reason || undefined;
  }

  private assertAddressAllowed(url: URL): void {
    const reason = this.refusalFor(url);
    if (reason) throw forbiddenAddressError(url.host, reason);
  }

  /** One request through the chain, never past the deadline. */
  request(url: URL, init: RequestInit): Promise<HttpResponse> {
    return this.chain(url, init);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
