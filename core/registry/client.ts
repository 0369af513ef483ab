import { toArchcheckError, type ErrorCode } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import type { ImageResolver, ResolveRequest } from '../resolver.js';
import { AuthenticatedRequests } from './authenticated-request.js';
import { SingleFlight } from './cache.js';
import { ClientCaches, REGISTRY_UNAVAILABLE } from './client-caches.js';
import { podPullSecrets, type CredentialSource } from './credential-sources.js';
import { attemptEndpoints, firstAttempt, type LookupPlan } from './endpoint-attempts.js';
import type { LookupFunction } from './guarded-connect.js';
import type { ContentStore, LookupContext, RegistryObserver } from './lookup-context.js';
import { LookupPlans, type PlannedLookup } from './lookup-plans.js';
import { ManifestFetcher } from './manifest-fetch.js';
import { configuredRegistryHosts, defaultRegistryOptions, type RegistryOptions } from './options.js';
import { PlatformResolver } from './platform-resolution.js';
import { failedInfo } from './registry-errors.js';
import { RegistryTransport } from './transport.js';

export { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, type CacheResult, type ContentStore, type RegistryObserver, type StoredContent, type TagRefreshResult } from './lookup-context.js';

const NEGATIVE_TTL_MS = 10_000;
const CACHEABLE_FAILURES: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'UNAUTHORIZED', 'DENIED', 'NOT_AN_IMAGE', 'UNSUPPORTED_SCHEMA1', 'LIMIT_EXCEEDED']);

export interface RegistryClientDeps {
  /** Where credentials come from, in the order they are tried (then anonymous). Default: the request's pull secrets only. */
  sources?: CredentialSource[];
  observer?: RegistryObserver;
  contentStore?: ContentStore;
  /** DNS resolution (default `dns.lookup`); tests stub it. */
  lookup?: LookupFunction;
}

/**
 * The registry client shared by the webhook and the plugin. Answers "which platforms can this reference run on?"
 * with as few requests as the registry allows: digests are cached forever, tags for `tagTtlMs` then revalidated
 * with a HEAD (not a Docker Hub pull), and identical concurrent lookups share one fetch. Mirrors are tried before
 * the source, and credentials follow the endpoint actually contacted.
 *
 * The parts: endpoint-attempts.ts (endpoints × credentials within the deadline), platform-resolution.ts (answers,
 * index walks), manifest-fetch.ts (tags, manifests, blobs), authenticated-request.ts over transport.ts (HTTP),
 * registry-errors.ts; built from settings by open-client.ts.
 */
export class RegistryClient implements ImageResolver {
  readonly options: RegistryOptions;
  private readonly transport: RegistryTransport;
  private readonly caches: ClientCaches;
  private readonly platforms: PlatformResolver;
  private readonly requests: AuthenticatedRequests;
  private readonly flights = new SingleFlight<ImageInfo>();
  private readonly sources: CredentialSource[];
  private readonly plans: LookupPlans;

  constructor(
    options: Partial<RegistryOptions> = {},
    private readonly deps: RegistryClientDeps = {},
  ) {
    this.options = { ...defaultRegistryOptions, ...options };
    this.sources = deps.sources ?? [podPullSecrets];
    const hostTls = { ...this.options.hostTls };
    for (const [host, ca] of Object.entries(this.options.registryCAs ?? {})) hostTls[host] = { ...hostTls[host], ca };
    this.transport = new RegistryTransport({
      insecureRegistries: this.options.insecureRegistries,
      requestTimeoutMs: this.options.requestTimeoutMs,
      connectionsPerHost: this.options.maxConcurrencyPerRegistry,
      hostTls,
      configuredHosts: configuredRegistryHosts(this.options),
      onRequest: (e) => deps.observer?.onRequest?.(e),
      onConnect: (a) => deps.observer?.onConnect?.(a),
      ...(deps.lookup && { lookup: deps.lookup }),
      hostEntries: this.options.cacheLimits.hostEntries,
    });
    this.caches = new ClientCaches(this.options);
    this.requests = new AuthenticatedRequests(this.transport, this.options);
    const manifests = new ManifestFetcher(this.requests, this.caches, this.options, deps);
    this.platforms = new PlatformResolver(manifests, this.caches, this.options, deps.observer);
    this.plans = new LookupPlans(this.sources, this.options);
  }

  /** Last `ratelimit-remaining` a registry reported. */
  rateLimitRemaining(registry: string): number | undefined {
    return this.transport.rateLimitRemaining(registry);
  }

  /** Entries (and accounted bytes where bounded by bytes) per cache, for the webhook's cache gauges. */
  cacheSizes(): Record<string, { entries: number; bytes?: number }> {
    return { ...this.caches.sizes(), ...this.requests.authSizes(), ...this.transport.sizes() };
  }

  async close(): Promise<void> {
    await Promise.all([this.transport.close(), ...this.sources.map((s) => s.close?.())]);
  }

  async resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    const planned = this.planned(reference, request);
    if ('info' in planned) return planned.info;
    const { plan, key } = planned;
    const info = await this.flights.run(key, () => this.lookUp(plan, key));
    return { ...info, reference };
  }

  /**
   * What resolve() would answer, when it would answer without waiting on anything: an invalid reference, a failure
   * still remembered, or the first attempt's answer (first endpoint, first credential candidate) from memory — a
   * tag within its TTL or a digest this credential has been shown able to read, under the same cache keys the
   * attempt would read. Undefined when resolve() would wait: a cloud identity's token, a registry request, or a
   * lookup for the same key already in flight (which resolve() joins).
   */
  resolveFromMemory(reference: string, request: ResolveRequest = {}): ImageInfo | undefined {
    const planned = this.planned(reference, request);
    if ('info' in planned) return planned.info;
    const { plan, key } = planned;
    if (this.flights.has(key)) return undefined;
    const ctx = firstAttempt(plan, this.deadlineOf(request));
    const info = ctx && this.platforms.answerFromMemory(ctx);
    return info && { ...info, reference };
  }

  /** The lookup's plan, or resolve()'s answer when it needs no lookup: an invalid reference, a failure still remembered. */
  private planned(reference: string, request: ResolveRequest): PlannedLookup | { info: ImageInfo } {
    let planned: PlannedLookup;
    try {
      planned = this.plans.planFor(reference, request);
    } catch (e) {
      return { info: failedInfo(reference, reference, toArchcheckError(e, 'INVALID_REFERENCE')) };
    }
    const failed = this.remembered(reference, planned);
    return failed ? { info: failed } : planned;
  }

  /** A failure about the image remembered for this key (negative cache). */
  private remembered(reference: string, { plan, key }: PlannedLookup): ImageInfo | undefined {
    const failed = this.caches.failures.get(key);
    if (!failed) return undefined;
    this.deps.observer?.onCache?.('negative-hit');
    return failedInfo(reference, plan.ref.canonical, failed);
  }

  private deadlineOf(request: ResolveRequest): number {
    return Math.min(Date.now() + (request.budgetMs ?? this.options.resolveTimeoutMs), request.deadlineAt ?? Infinity);
  }

  private async lookUp(plan: LookupPlan, key: string): Promise<ImageInfo> {
    const { request, ref } = plan;
    let deadline = this.deadlineOf(request);
    // With a stale answer to fall back on, the registry gets half the time left, so that a registry that does not
    // answer at all (a blackhole) still leaves time to answer with the fallback before the caller's deadline.
    const first = firstAttempt(plan, deadline);
    if (first && request.lastKnownDigest) this.platforms.rememberTagForRevalidation(first, request.lastKnownDigest);
    if (first && this.platforms.hasStaleFallback(first)) deadline = Date.now() + Math.floor((deadline - Date.now()) / 2);
    // The attempts that failed, in order: once every endpoint has failed, the first with a stale answer may stand in.
    const failed: LookupContext[] = [];
    const outcome = await attemptEndpoints(plan, deadline, (ctx) =>
      this.platforms.answer(ctx).catch((e: unknown) => {
        failed.push(ctx);
        throw e;
      }),
    );
    if ('info' in outcome) return outcome.info;
    if (REGISTRY_UNAVAILABLE.has(outcome.error.code)) {
      for (const ctx of failed) {
        const stale = this.platforms.staleAfterFailure(ctx, outcome.error);
        if (stale) return stale;
      }
    }
    // Authentication failures (challenge, realm, token server) are answers about this moment, not about the image.
    if (CACHEABLE_FAILURES.has(outcome.error.code) && !outcome.error.fromAuthentication) this.caches.failures.set(key, outcome.error, NEGATIVE_TTL_MS);
    return failedInfo(ref.original, ref.canonical, outcome.error);
  }
}
