import { credentialFingerprint, type Credential } from '../credentials.js';
import { ArchcheckError } from '../errors.js';
import { jwtTimes } from '../jwt.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { ByteLruCache, HostLru } from './cache.js';
import type { RegistryTransport } from './transport.js';

const MAX_TOKEN_BYTES = 64 * 1024;
const MIN_TOKEN_LIFETIME_S = 60;

interface CachedToken {
  value: string;
  renewAt: number;
}

export interface AuthContext {
  registry: string;
  endpoint: string;
  /** Scheme fixed by configuration for this endpoint, if any. */
  scheme?: 'http' | 'https';
  repository: string;
  credential: Credential | undefined;
  deadline: number;
  signal?: AbortSignal;
}

/**
 * Registry authentication: remembers each host's challenge so later requests authenticate up front, and caches
 * bearer tokens per (host, realm, service, scope, credential) until shortly before they expire.
 *
 * A challenge is remembered only once it produced an Authorization header, and forgotten as soon as it fails: a
 * realm that is refused (a metadata address), unreachable or answers garbage fails that one lookup, and the host's
 * next request asks the registry again instead of inheriting the failure.
 */
export class RegistryAuth {
  /** Per host: hosts come from image strings, so the least recently used is forgotten first. */
  private readonly challenges: HostLru<Challenge>;
  /** Per (host, realm, service, repository, credential): distinct repositories would otherwise grow it without bound. */
  private readonly tokens: ByteLruCache<CachedToken>;
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly transport: RegistryTransport,
    limits: { tokenBytes: number; hostEntries: number } = { tokenBytes: 8 * 1024 * 1024, hostEntries: 1024 },
  ) {
    this.challenges = new HostLru(limits.hostEntries);
    this.tokens = new ByteLruCache(limits.tokenBytes, (t) => 2 * t.value.length + 64);
  }

  /** Entries and accounted bytes, for the cache gauges and the soak test. */
  sizes(): Record<string, { entries: number; bytes?: number }> {
    return { tokens: { entries: this.tokens.size, bytes: this.tokens.totalBytes }, challenges: { entries: this.challenges.size } };
  }

  /** Authorization header for a request, from the cached challenge; undefined when the host needs none (yet). */
  async authorization(ctx: AuthContext): Promise<string | undefined> {
    const host = this.transport.canonicalEndpoint(ctx.endpoint);
    const challenge = this.challenges.get(host);
    if (!challenge) return ctx.credential?.kind === 'registryToken' ? `Bearer ${ctx.credential.token}` : undefined;
    try {
      return await this.authorizationFor(challenge, ctx);
    } catch (e) {
      if (this.challenges.get(host) === challenge) this.challenges.delete(host);
      throw e;
    }
  }

  /**
   * Records a 401's challenge once it produced a header; returns the header to retry with, or undefined when the
   * challenge needs a credential the lookup does not have. A 401 without a challenge we can use (none, malformed, or
   * only schemes we do not speak) fails this lookup only.
   */
  async onUnauthorized(wwwAuthenticate: string | null, ctx: AuthContext): Promise<string | undefined> {
    const offered = parseChallenges(wwwAuthenticate ?? '');
    const challenge = offered.find((c) => c.scheme === 'bearer') ?? offered.find((c) => c.scheme === 'basic');
    if (!challenge) {
      const shown = (wwwAuthenticate ?? '').slice(0, 120);
      throw new ArchcheckError(
        'BAD_RESPONSE',
        `${ctx.registry} answered HTTP 401 without a usable challenge (WWW-Authenticate: ${shown ? JSON.stringify(shown) : 'missing'}); archcheck speaks Bearer and Basic`,
        { registry: ctx.registry, fromAuthentication: true },
      );
    }
    const host = this.transport.canonicalEndpoint(ctx.endpoint);
    // A token we already sent was refused: drop it so the next attempt fetches a fresh one.
    if (this.challenges.has(host)) this.tokens.delete(this.tokenKey(challenge, ctx));
    const header = await this.authorizationFor(challenge, ctx);
    this.challenges.set(host, challenge);
    return header;
  }

  private async authorizationFor(challenge: Challenge, ctx: AuthContext): Promise<string | undefined> {
    const c = ctx.credential;
    if (challenge.scheme === 'basic') {
      return c?.kind === 'basic' ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
    }
    if (c?.kind === 'registryToken') return `Bearer ${c.token}`;
    return `Bearer ${await this.bearerToken(challenge, ctx)}`;
  }

  private tokenKey(challenge: Challenge, ctx: AuthContext): string {
    // The host is part of the key: a token goes only to the registry whose challenge named its realm.
    return [this.transport.canonicalEndpoint(ctx.endpoint), challenge.params.realm, challenge.params.service, this.scope(ctx), credentialFingerprint(ctx.credential)].join('|');
  }

  private scope(ctx: AuthContext): string {
    return `repository:${ctx.repository}:pull`;
  }

  private async bearerToken(challenge: Challenge, ctx: AuthContext): Promise<string> {
    const key = this.tokenKey(challenge, ctx);
    const cached = this.tokens.get(key);
    if (cached && cached.renewAt > Date.now()) return cached.value;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, ctx).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending.then((t) => t);
  }

  private realmUrl(challenge: Challenge, ctx: AuthContext): URL {
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw new ArchcheckError('BAD_RESPONSE', `${ctx.registry}: token realm "${realm ?? ''}" is not a URL`, { registry: ctx.registry, fromAuthentication: true });
    }
    // The realm is registry-controlled: an address never contacted is refused here with the realm named, and
    // DNS names are checked again when the transport connects.
    const refused = this.transport.refusalFor(url);
    if (refused) {
      throw new ArchcheckError('FORBIDDEN_ADDRESS', `${ctx.registry}: token realm ${url.origin} refused: ${refused}; no request is sent there`, { registry: ctx.registry, fromAuthentication: true });
    }
    const registryIsHttp = this.transport.baseUrl(ctx.endpoint, ctx.scheme).startsWith('http:');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && registryIsHttp)) {
      throw new ArchcheckError('BAD_RESPONSE', `${ctx.registry}: token realm ${url.origin} is not https; refusing to send credentials`, {
        registry: ctx.registry,
        fromAuthentication: true,
      });
    }
    return url;
  }

  private async fetchToken(challenge: Challenge, ctx: AuthContext): Promise<string> {
    const url = this.realmUrl(challenge, ctx);
    const service = challenge.params.service;
    const scope = this.scope(ctx);
    const c = ctx.credential;
    const common = { maxBytes: MAX_TOKEN_BYTES, deadline: ctx.deadline, signal: ctx.signal, registry: ctx.registry } as const;
    let res;
    if (c?.kind === 'identityToken') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.token, client_id: 'archcheck', scope });
      if (service) form.set('service', service);
      res = await this.transport.request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        ...common,
      });
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (c?.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
      res = await this.transport.request(url, { method: 'GET', headers, ...common });
    }
    if (res.status === 401 || res.status === 403) {
      throw new ArchcheckError(
        'UNAUTHORIZED',
        `${ctx.registry}: token server ${url.host} refused ${c ? 'the credentials' : 'anonymous access'} for ${ctx.repository} (HTTP ${res.status})`,
        { registry: ctx.registry, fromAuthentication: true },
      );
    }
    if (res.status !== 200) {
      throw new ArchcheckError('BAD_RESPONSE', `${ctx.registry}: token server ${url.host} answered HTTP ${res.status}`, { registry: ctx.registry, fromAuthentication: true });
    }
    return this.storeToken(res.body, challenge, ctx);
  }

  private storeToken(body: Buffer, challenge: Challenge, ctx: AuthContext): string {
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      throw new ArchcheckError('BAD_RESPONSE', `${ctx.registry}: token response is not JSON`, { registry: ctx.registry, fromAuthentication: true });
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new ArchcheckError('BAD_RESPONSE', `${ctx.registry}: token response has no token`, { registry: ctx.registry, fromAuthentication: true });
    // ACR's /oauth2/token sends no expires_in: a JWT's own exp then says how long it lives.
    const fromJwt = jwtTimes(token);
    const jwtLifetimeS = fromJwt.expiresAt !== undefined ? (fromJwt.expiresAt - (fromJwt.issuedAt ?? Date.now())) / 1000 : 0;
    const declaredS = typeof doc.expires_in === 'number' ? doc.expires_in : jwtLifetimeS;
    const lifetimeS = Math.max(MIN_TOKEN_LIFETIME_S, declaredS);
    const issued = typeof doc.issued_at === 'string' ? Date.parse(doc.issued_at) : (fromJwt.issuedAt ?? Number.NaN);
    const start = Number.isNaN(issued) || issued > Date.now() ? Date.now() : issued;
    // Renew at 90% of the lifetime so a token never expires between check and use.
    this.tokens.set(this.tokenKey(challenge, ctx), { value: token, renewAt: start + lifetimeS * 900 });
    return token;
  }
}
