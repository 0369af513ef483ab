import { createHash } from 'node:crypto';
import type { CredentialProvider } from '../credential-provider.js';
import { credentialFingerprint, matchCredentials, type Credential, type KeyedCredential } from '../credentials.js';
import { ArchcheckError, toArchcheckError, type ErrorCode } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import { urlDestination } from '../ip-address.js';
import { nodeArchitectures, platformString, type Platform } from '../platform.js';
import { parseReference, type ImageReference } from '../reference.js';
import type { ImageResolver, ResolveRequest } from '../resolver.js';
import { RegistryAuth, type AuthContext } from './auth.js';
import { ByteLruCache, KeyedSemaphore, SingleFlight, TtlCache } from './cache.js';
import { endpointsFor, type Endpoint } from './endpoints.js';
import type { ConnectAttempt, LookupFunction } from './guarded-connect.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { IndexWalk, type ChildSource, type Resolution } from './index-walk.js';
import { parseManifest, platformFromConfig, type ManifestDocument } from './manifest.js';
import { configuredRegistryHosts, defaultRegistryOptions, type RegistryOptions } from './options.js';
import { RegistryTransport, type HttpResponse, type RequestEvent } from './transport.js';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const NEGATIVE_TTL_MS = 10_000;
const CACHEABLE_FAILURES: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'UNAUTHORIZED', 'DENIED', 'NOT_AN_IMAGE', 'UNSUPPORTED_SCHEMA1', 'LIMIT_EXCEEDED']);
/** Failures after which the next credential is tried at the same endpoint. */
const NEXT_CREDENTIAL: ReadonlySet<ErrorCode> = new Set(['UNAUTHORIZED', 'DENIED']);
/** Failures after which the next endpoint (mirror → source) is tried; an answer about the content itself is final. */
const NEXT_ENDPOINT: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'UNAUTHORIZED', 'DENIED', 'RATE_LIMITED', 'TIMEOUT', 'UNREACHABLE', 'BAD_RESPONSE', 'FORBIDDEN_ADDRESS']);

export type CacheResult = 'hit' | 'miss' | 'revalidated' | 'negative-hit';

export interface RegistryObserver {
  onRequest?(e: RequestEvent): void;
  onCache?(result: CacheResult): void;
  /** Every address a connection is attempted to (registry, token realm, redirect target). */
  onConnect?(attempt: ConnectAttempt): void;
}

/** Optional persistent store for immutable content (the plugin's on-disk cache). */
export interface ContentStore {
  get(digest: string): Promise<StoredContent | undefined>;
  set(digest: string, content: StoredContent): Promise<void>;
}

export interface StoredContent {
  body: Buffer;
  contentType: string | null;
}

export interface RegistryClientDeps {
  /** The client's own credentials (docker config), tried after a request's own. */
  credentials?: KeyedCredential[];
  observer?: RegistryObserver;
  contentStore?: ContentStore;
  /** Cloud identities and other dynamic sources, tried after a request's credentials, before `credentials`. */
  providers?: CredentialProvider[];
  /** DNS resolution (default `dns.lookup`); tests stub it. */
  lookup?: LookupFunction;
}

/** One way of authenticating a lookup: a stored credential, a provider asked on demand, or anonymous. */
type Candidate = { kind: 'stored'; keyed: KeyedCredential } | { kind: 'provider'; provider: CredentialProvider } | { kind: 'anonymous' };


/** Everything an ImageInfo says about a digest: immutable, so kept as is and served without re-parsing anything. */
type Answer = Pick<ImageInfo, 'mediaType' | 'platforms' | 'platformStrings' | 'multiArch' | 'findings'>;

interface Top {
  digest: string;
  doc: ManifestDocument;
}

/** One attempt: a reference at one endpoint with one credential, within a deadline. */
interface Ctx {
  ref: ImageReference;
  ep: Endpoint;
  credential: Credential | undefined;
  deadline: number;
  signal: AbortSignal | undefined;
}

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function verifyDigest(expected: string, body: Buffer, where: string): void {
  const [algorithm] = expected.split(':');
  const actual = algorithm === 'sha256' ? sha256(body) : `${algorithm}:${createHash(algorithm!).update(body).digest('hex')}`;
  if (actual !== expected) {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: content does not match its digest (expected ${expected}, got ${actual})`);
  }
}

/** The name credentials are matched against: the source's registry name, or a mirror's own host. */
function credentialScope(ref: ImageReference, ep: Endpoint): { registry: string; repository: string } {
  return ep.isMirror ? { registry: ep.host, repository: ep.repository } : { registry: ref.registry, repository: ref.repository };
}

function where(ctx: Ctx): string {
  return ctx.ep.isMirror ? `${ctx.ep.host}/${ctx.ep.repository}` : `${ctx.ref.registry}/${ctx.ref.repository}`;
}

/**
 * The registry client shared by the webhook and the plugin. Answers "which platforms can this reference run on?"
 * with as few requests as the registry allows: digests are cached forever, tags for `tagTtlMs` then revalidated
 * with a HEAD (not a Docker Hub pull), and identical concurrent lookups share one fetch. Mirrors are tried before
 * the source, and credentials follow the endpoint actually contacted.
 */
export class RegistryClient implements ImageResolver {
  readonly options: RegistryOptions;
  private readonly transport: RegistryTransport;
  private readonly auth: RegistryAuth;
  private readonly content: ByteLruCache<StoredContent>;
  private readonly resolved: ByteLruCache<Resolution | { error: ArchcheckError }>;
  private readonly answers: ByteLruCache<Answer>;
  /**
   * Who has been shown able to read a manifest (endpoint, repository, digest): credential fingerprints, or
   * `anonymous` when anyone can. An answer cached by digest is served only to a lookup whose credential is in it,
   * so an image resolved with one namespace's pull secret is never answered for a pod without that secret.
   */
  private readonly access: ByteLruCache<Set<string>>;
  private readonly tags: TtlCache<string>;
  private readonly failures: TtlCache<ArchcheckError>;
  private readonly flights = new SingleFlight<ImageInfo>();
  private readonly contentFlights = new SingleFlight<StoredContent>();
  private readonly limiter: KeyedSemaphore;

  constructor(
    options: Partial<RegistryOptions> = {},
    private readonly deps: RegistryClientDeps = {},
  ) {
    this.options = { ...defaultRegistryOptions, ...options };
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
    });
    this.auth = new RegistryAuth(this.transport);
    this.content = new ByteLruCache(this.options.cacheMaxBytes, (c) => c.body.length + 200);
    this.resolved = new ByteLruCache(Math.max(1024 * 1024, this.options.cacheMaxBytes / 16), (r) => ('error' in r ? 400 : 200 + r.platforms.length * 80));
    this.answers = new ByteLruCache(Math.max(1024 * 1024, this.options.cacheMaxBytes / 16), (a) => 300 + a.platforms.length * 120);
    this.access = new ByteLruCache(2 * 1024 * 1024, (who) => 200 + who.size * 48);
    this.tags = new TtlCache(50_000);
    this.failures = new TtlCache(10_000);
    this.limiter = new KeyedSemaphore(this.options.maxConcurrencyPerRegistry);
  }

  /** Last `ratelimit-remaining` a registry reported. */
  rateLimitRemaining(registry: string): number | undefined {
    return this.transport.rateLimitRemaining.get(registry);
  }

  /** Entries (and accounted bytes where bounded by bytes) per cache, for the webhook's cache gauges. */
  cacheSizes(): Record<string, { entries: number; bytes?: number }> {
    return {
      content: { entries: this.content.size, bytes: this.content.totalBytes },
      resolved: { entries: this.resolved.size, bytes: this.resolved.totalBytes },
      answers: { entries: this.answers.size, bytes: this.answers.totalBytes },
      tags: { entries: this.tags.size },
      failures: { entries: this.failures.size },
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.transport.close(), ...(this.deps.providers ?? []).map((p) => p.close?.())]);
  }

  async resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    let ref: ImageReference;
    let endpoints: Endpoint[];
    try {
      ref = parseReference(reference);
      endpoints = endpointsFor(ref, this.options);
    } catch (e) {
      const err = toArchcheckError(e, 'INVALID_REFERENCE');
      return failedInfo(reference, reference, err);
    }
    // Candidates are computed once per lookup: they key the shared flight and drive the attempts.
    const candidatesByEndpoint = new Map(endpoints.map((ep) => [ep, this.candidates(ref, ep, request.credentials ?? [])]));
    const key = lookupKey(ref, candidatesByEndpoint, request);
    const failed = this.failures.get(key);
    if (failed) {
      this.deps.observer?.onCache?.('negative-hit');
      return failedInfo(reference, ref.canonical, failed);
    }
    const info = await this.flights.run(key, () => this.resolveAtEndpoints(ref, endpoints, request, key, candidatesByEndpoint));
    return { ...info, reference };
  }

  /**
   * Kubelet's order, extended: the request's credentials (the pod's pull secrets), then cloud identities for the
   * host, then the client's own docker config, then anonymous.
   */
  private candidates(ref: ImageReference, ep: Endpoint, extra: KeyedCredential[]): Candidate[] {
    const scope = credentialScope(ref, ep);
    const seen = new Set<string>();
    const stored = (list: KeyedCredential[]): Candidate[] =>
      matchCredentials(list, scope)
        .filter((c) => {
          const fp = credentialFingerprint(c.credential);
          if (seen.has(fp)) return false;
          seen.add(fp);
          return true;
        })
        .map((keyed) => ({ kind: 'stored', keyed }));
    return [
      ...stored(extra),
      ...(this.deps.providers ?? []).filter((p) => p.appliesTo(scope.registry)).map((provider): Candidate => ({ kind: 'provider', provider })),
      ...stored(this.deps.credentials ?? []),
      { kind: 'anonymous' },
    ];
  }

  private async resolveAtEndpoints(
    ref: ImageReference,
    endpoints: Endpoint[],
    request: ResolveRequest,
    key: string,
    candidatesByEndpoint: Map<Endpoint, Candidate[]>,
  ): Promise<ImageInfo> {
    const deadline = Math.min(Date.now() + (request.budgetMs ?? this.options.resolveTimeoutMs), request.deadlineAt ?? Infinity);
    const tried: string[] = [];
    let lastError: ArchcheckError | undefined;
    for (const [i, ep] of endpoints.entries()) {
      // A mirror gets its share of the time left, so a dead mirror still leaves the source time to answer.
      const share = i === endpoints.length - 1 ? deadline : Date.now() + Math.floor((deadline - Date.now()) / (endpoints.length - i));
      const outcome = await this.resolveAtEndpoint(ref, ep, request, share, candidatesByEndpoint);
      if ('info' in outcome) return outcome.info;
      lastError = outcome.error;
      tried.push(...outcome.tried.map((t) => (endpoints.length > 1 ? `${ep.host}: ${t}` : t)));
      if (!NEXT_ENDPOINT.has(lastError.code)) break;
    }
    const err = lastError ?? new ArchcheckError('BAD_RESPONSE', 'no lookup was attempted');
    const final = tried.length > 1 ? new ArchcheckError(err.code, `${err.message} (tried ${tried.join('; ')})`, { registry: err.registry }) : err;
    // Authentication failures (challenge, realm, token server) are answers about this moment, not about the image.
    if (CACHEABLE_FAILURES.has(final.code) && !lastError?.fromAuthentication) this.failures.set(key, final, NEGATIVE_TTL_MS);
    return failedInfo(ref.original, ref.canonical, final);
  }

  private async resolveAtEndpoint(
    ref: ImageReference,
    ep: Endpoint,
    request: ResolveRequest,
    deadline: number,
    candidatesByEndpoint: Map<Endpoint, Candidate[]>,
  ): Promise<{ info: ImageInfo } | { error: ArchcheckError; tried: string[] }> {
    const tried: string[] = [];
    let lastError: ArchcheckError | undefined;
    for (const candidate of candidatesByEndpoint.get(ep) ?? []) {
      const label = candidate.kind === 'stored' ? candidate.keyed.source : candidate.kind === 'provider' ? candidate.provider.name : 'anonymous';
      let credential: Credential | undefined;
      if (candidate.kind === 'provider') {
        try {
          credential = await this.providerCredential(candidate.provider, credentialScope(ref, ep).registry, ep.repository, deadline, request.signal);
        } catch (e) {
          // A cloud identity that cannot produce a token falls through to the next source, and says why.
          tried.push(`${label}: ${(e as Error).message}`);
          continue;
        }
      } else if (candidate.kind === 'stored') {
        credential = candidate.keyed.credential;
      }
      try {
        return { info: await this.resolveAs({ ref, ep, credential, deadline, signal: request.signal }, request.revalidateTag === true) };
      } catch (e) {
        lastError = toArchcheckError(e);
        tried.push(`${label}: ${lastError.code}`);
        if (candidate.kind === 'provider' && NEXT_CREDENTIAL.has(lastError.code)) candidate.provider.forget?.(credentialScope(ref, ep).registry);
        if (!NEXT_CREDENTIAL.has(lastError.code)) break;
      }
    }
    return { error: lastError ?? new ArchcheckError('UNAUTHORIZED', `${ep.host}: no credential could be obtained`, { registry: ep.host }), tried };
  }

  /** A provider's token within the lookup's deadline; a slow identity endpoint keeps warming its cache in the background. */
  private async providerCredential(
    provider: CredentialProvider,
    registry: string,
    repository: string,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Credential> {
    const remaining = Math.max(1, Math.floor(deadline - Date.now()));
    const timeout = AbortSignal.timeout(remaining);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no token within the deadline (${remaining} ms)`)), remaining);
    });
    try {
      return await Promise.race([provider.credentialFor(registry, repository, combined), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async resolveAs(ctx: Ctx, revalidateTag: boolean): Promise<ImageInfo> {
    const endpoint = ctx.ep.isMirror ? `${ctx.ep.host}/${ctx.ep.repository}` : ctx.ep.host;
    const base = { reference: ctx.ref.original, canonical: ctx.ref.canonical, error: null, endpoint };
    // The warm path (a digest, or a tag within its TTL, already answered) touches no manifest at all.
    const known = ctx.ref.digest ?? (revalidateTag ? undefined : this.tags.get(this.tagKey(ctx)));
    const answered = known === undefined ? undefined : this.answers.get(this.resolvedKey(known));
    // A digest is not a secret: before anything cached is served for one, this credential must be able to read it.
    if (ctx.ref.digest && (answered || this.content.get(ctx.ref.digest))) await this.proveAccess(ctx, ctx.ref.digest);
    if (known !== undefined && answered) {
      if (!ctx.ref.digest) this.deps.observer?.onCache?.('hit');
      return { ...base, digest: known, ...answered };
    }
    const top = ctx.ref.digest ? await this.manifestByDigest(ctx, ctx.ref.digest) : await this.manifestByTag(ctx, revalidateTag);
    const resolution = await this.resolveDigest(ctx, top.digest, top.doc, this.walk(ctx), 0);
    const platforms = resolution.platforms;
    const answer: Answer = {
      mediaType: top.doc.mediaType,
      platforms,
      platformStrings: [...new Set(platforms.map(platformString))].sort(),
      multiArch: nodeArchitectures(platforms).length >= 2,
      ...(resolution.findings.length > 0 && { findings: resolution.findings }),
    };
    this.answers.set(this.resolvedKey(top.digest), answer);
    this.recordAccess(ctx, top.digest);
    return { ...base, digest: top.digest, ...answer };
  }

  private accessKey(ctx: Ctx, digest: string): string {
    return `${ctx.ep.host}${ctx.ep.apiPath}/${ctx.ep.repository}@${digest}`;
  }

  private recordAccess(ctx: Ctx, digest: string): void {
    const key = this.accessKey(ctx, digest);
    const who = new Set(this.access.get(key) ?? []);
    who.add(credentialFingerprint(ctx.credential));
    this.access.set(key, who);
  }

  /** One HEAD with this lookup's credential unless it (or anonymous access) already read this manifest. */
  private async proveAccess(ctx: Ctx, digest: string): Promise<void> {
    const who = this.access.get(this.accessKey(ctx, digest));
    if (who?.has('anonymous') || who?.has(credentialFingerprint(ctx.credential))) return;
    await this.registryRequest(ctx, 'HEAD', `manifests/${digest}`, { accept: MANIFEST_ACCEPT }, 0);
    this.recordAccess(ctx, digest);
  }

  private tagKey(ctx: Ctx): string {
    return `${ctx.ep.host}${ctx.ep.apiPath}/${ctx.ep.repository}:${ctx.ref.tag}|${credentialFingerprint(ctx.credential)}`;
  }

  // ---- tags and manifests ----

  private async manifestByTag(ctx: Ctx, revalidate: boolean): Promise<Top> {
    const key = this.tagKey(ctx);
    const known = this.tags.peek(key);
    if (known?.fresh && !revalidate) {
      this.deps.observer?.onCache?.('hit');
      return this.manifestByDigest(ctx, known.value);
    }
    if (known) {
      // A HEAD tells whether the tag moved without counting as a Docker Hub pull.
      const head = await this.registryRequest(ctx, 'HEAD', `manifests/${ctx.ref.tag}`, { accept: MANIFEST_ACCEPT }, 0);
      const digest = head.headers.get('docker-content-digest');
      if (digest && (digest === known.value || this.resolved.get(this.resolvedKey(digest)) || this.content.get(digest))) {
        this.deps.observer?.onCache?.('revalidated');
        this.tags.set(key, digest, this.options.tagTtlMs);
        return this.manifestByDigest(ctx, digest);
      }
    } else {
      this.deps.observer?.onCache?.('miss');
    }
    const res = await this.registryRequest(ctx, 'GET', `manifests/${ctx.ref.tag}`, { accept: MANIFEST_ACCEPT }, MAX_MANIFEST_BYTES);
    // The digest is computed from the bytes; the header alone is never trusted for a tag.
    const digest = sha256(res.body);
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new ArchcheckError('BAD_RESPONSE', `${where(ctx)}:${ctx.ref.tag}: registry claims digest ${claimed} but the manifest hashes to ${digest}`, {
        registry: ctx.ep.host,
      });
    }
    const stored = { body: res.body, contentType: res.headers.get('content-type') };
    this.storeContent(digest, stored);
    this.tags.set(key, digest, this.options.tagTtlMs);
    return { digest, doc: parseManifest(res.body, stored.contentType, ctx.ref.canonical) };
  }

  private storeContent(digest: string, stored: StoredContent): void {
    this.content.set(digest, stored);
    void this.deps.contentStore?.set(digest, stored).catch(() => undefined);
  }

  private async manifestByDigest(ctx: Ctx, digest: string): Promise<Top> {
    const stored = await this.contentByDigest(ctx, digest, 'manifests', MAX_MANIFEST_BYTES);
    return { digest, doc: parseManifest(stored.body, stored.contentType, `${where(ctx)}@${digest}`) };
  }

  /** Immutable content: memory, then the persistent store, then the registry (verified against its digest). */
  private async contentByDigest(ctx: Ctx, digest: string, kind: 'manifests' | 'blobs', maxBytes: number): Promise<StoredContent> {
    const cached = this.content.get(digest);
    if (cached) return cached;
    return this.contentFlights.run(`${ctx.ep.host}|${digest}`, async () => {
      const persisted = await this.deps.contentStore?.get(digest).catch(() => undefined);
      if (persisted) {
        this.content.set(digest, persisted);
        return persisted;
      }
      const headers: Record<string, string> = kind === 'manifests' ? { accept: MANIFEST_ACCEPT } : {};
      const res = await this.registryRequest(ctx, 'GET', `${kind}/${digest}`, headers, maxBytes);
      verifyDigest(digest, res.body, `${where(ctx)}@${digest}`);
      const stored = { body: res.body, contentType: res.headers.get('content-type') };
      this.storeContent(digest, stored);
      return stored;
    });
  }

  // ---- platforms ----

  private resolvedKey(digest: string): string {
    if (!this.options.verifyPlatforms) return digest;
    return this.options.verifyPlatformsOf ? `${digest}|verified:${[...this.options.verifyPlatformsOf].sort().join(',')}` : `${digest}|verified`;
  }

  private async resolveDigest(ctx: Ctx, digest: string, doc: ManifestDocument, walk: IndexWalk, depth: number): Promise<Resolution> {
    const key = this.resolvedKey(digest);
    const cached = this.resolved.get(key);
    if (cached && 'error' in cached) throw cached.error;
    if (cached) return cached;
    try {
      const resolution = await walk.resolveDocument(doc, depth);
      this.resolved.set(key, resolution);
      return resolution;
    } catch (e) {
      // Over a work cap is a property of immutable content: remembered, so the next admission sends no request for it.
      if (e instanceof ArchcheckError && e.code === 'LIMIT_EXCEEDED') this.resolved.set(key, { error: e });
      throw e;
    }
  }

  private walk(ctx: Ctx): IndexWalk {
    const source: ChildSource = {
      manifest: async (digest) => (await this.manifestByDigest(ctx, digest)).doc,
      configPlatform: (digest) => this.configPlatform(ctx, digest),
      resolveChild: (digest, doc, walk, depth) => this.resolveDigest(ctx, digest, doc, walk, depth),
    };
    return new IndexWalk(source, this.options.workLimits, { name: ctx.ref.canonical, registry: ctx.ref.registry, verifyPlatforms: this.options.verifyPlatforms, verifyPlatformsOf: this.options.verifyPlatformsOf });
  }

  private async configPlatform(ctx: Ctx, configDigest: string): Promise<Platform> {
    const stored = await this.contentByDigest(ctx, configDigest, 'blobs', MAX_CONFIG_BYTES);
    return platformFromConfig(stored.body, `${where(ctx)}@${configDigest}`);
  }

  // ---- one authenticated request ----

  private async registryRequest(ctx: Ctx, method: 'GET' | 'HEAD', path: string, headers: Record<string, string>, maxBytes: number): Promise<HttpResponse> {
    const { ep } = ctx;
    return this.limiter.run(ep.host, async () => {
      const url = new URL(`${this.transport.baseUrl(ep.host, ep.scheme)}${ep.apiPath}/${ep.repository}/${path}`);
      const registry = ep.isMirror ? ep.host : ctx.ref.registry;
      const authCtx: AuthContext = {
        registry,
        endpoint: ep.host,
        ...(ep.scheme && { scheme: ep.scheme }),
        repository: ep.repository,
        credential: ctx.credential,
        deadline: ctx.deadline,
        ...(ctx.signal && { signal: ctx.signal }),
      };
      const init = { method, maxBytes, deadline: ctx.deadline, registry, ...(ctx.signal && { signal: ctx.signal }) };
      const authorization = await this.auth.authorization(authCtx);
      let res = await this.transport.request(url, { ...init, headers: { ...headers, ...(authorization && { authorization }) } });
      if (res.status === 401 && urlDestination(res.url) !== urlDestination(url)) {
        // A blob redirect's CDN is not the registry: its challenge must never become the registry's.
        throw new ArchcheckError('BAD_RESPONSE', `${res.url.host}, where ${registry} redirected ${path}, answered HTTP 401`, { registry, fromAuthentication: true });
      }
      if (res.status === 401) {
        const retryWith = await this.auth.onUnauthorized(res.headers.get('www-authenticate'), authCtx);
        if (retryWith && retryWith !== authorization) {
          res = await this.transport.request(url, { ...init, headers: { ...headers, authorization: retryWith } });
        }
      }
      if (res.status >= 200 && res.status < 300) return res;
      throw statusError(ctx, res, path);
    });
  }
}

/** Lookups are shared only between callers presenting the same credentials. */
function lookupKey(ref: ImageReference, candidatesByEndpoint: Map<Endpoint, Candidate[]>, request: ResolveRequest): string {
  const ids = [...candidatesByEndpoint.values()].flatMap((candidates) =>
    candidates.map((c) => (c.kind === 'stored' ? credentialFingerprint(c.keyed.credential) : c.kind === 'provider' ? `provider:${c.provider.name}` : 'anonymous')),
  );
  return `${ref.canonical}|${ids.join(',')}|${request.revalidateTag ? 'r' : ''}`;
}

function statusError(ctx: Ctx, res: HttpResponse, path: string): ArchcheckError {
  const registry = ctx.ep.isMirror ? ctx.ep.host : ctx.ref.registry;
  const repo = ctx.ep.repository;
  const what = path.startsWith('blobs/') ? `config blob ${path.slice(6)} of ${where(ctx)}` : ctx.ep.isMirror ? `${where(ctx)}:${ctx.ref.tag ?? ctx.ref.digest}` : ctx.ref.canonical;
  switch (res.status) {
    case 404:
      return new ArchcheckError('NOT_FOUND', `${what} not found: check the repository and tag exist and were pushed`, { registry });
    case 401:
      return new ArchcheckError(
        'UNAUTHORIZED',
        `${registry} requires credentials for ${repo}${ctx.credential ? ' and refused the ones given' : ''}: add an imagePullSecret or an entry in --registry-config`,
        { registry },
      );
    case 403:
      return new ArchcheckError('DENIED', `${registry} denied pull access to ${repo} (HTTP 403): the credentials lack pull permission`, { registry });
    case 429: {
      const remaining = res.headers.get('ratelimit-remaining');
      return new ArchcheckError(
        'RATE_LIMITED',
        `${registry} rate-limited the lookup of ${what} (HTTP 429${remaining ? `, ratelimit-remaining ${remaining}` : ''}): authenticate or use a mirror`,
        { registry },
      );
    }
    default:
      if (res.status >= 500 || res.status === 408) {
        return new ArchcheckError('UNREACHABLE', `${registry} answered HTTP ${res.status} for ${what}; try again later`, { registry });
      }
      return new ArchcheckError('BAD_RESPONSE', `${registry} answered HTTP ${res.status} for ${what}`, { registry });
  }
}

function failedInfo(reference: string, canonical: string, err: ArchcheckError): ImageInfo {
  return { reference, canonical, platforms: [], platformStrings: [], multiArch: false, error: { code: err.code, message: err.message } };
}
