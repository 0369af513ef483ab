import type { CredentialProvider } from '../credential-provider.js';
import type { Credential } from '../credentials.js';
import type { HostTls } from '../registry/hosts-toml.js';
import { RegistryTransport, type TransportOptions } from '../registry/transport.js';
import { createAadTokenSource, type AadToken, type AadTokenSource, type AzureIdentityMode } from './azure-identity.js';
import { isAcrHost, normalizeHost } from './hosts.js';
import { jwtTimes } from '../jwt.js';
import { refreshTime, TokenCache } from './token-cache.js';

/**
 * The audience ACR accepts from every registry in every cloud, including those with "ARM audience tokens" disabled
 * (an Azure Policy recommends that); `https://management.azure.com/.default` also works where it is not disabled.
 */
export const ACR_AAD_SCOPE = 'https://containerregistry.azure.net/.default';

const MAX_EXCHANGE_BYTES = 64 * 1024;
// ACR refresh tokens live about 3 hours; renew 5 minutes early.
const REFRESH_MARGIN_MS = 5 * 60_000;
// Used when a refresh token's expiry cannot be read (not a JWT): short, so a wrong guess costs little.
const UNKNOWN_LIFETIME_MS = 10 * 60_000;

/** The registry client's HTTP settings that also apply to the exchange: `registryCAs` as in RegistryOptions. */
export type CloudTransportOptions = Partial<Pick<TransportOptions, 'requestTimeoutMs' | 'hostTls' | 'onRequest'>> & {
  registryCAs?: Record<string, string>;
};

export interface AcrProviderOptions {
  /** Hosts served by ACR besides `*.azurecr.io|cn|us`, e.g. a name behind a proxy. */
  extraHosts?: string[];
  /** AAD scope of the token presented to /oauth2/exchange. */
  scope?: string;
  identity?: AzureIdentityMode;
  env?: Readonly<Record<string, string | undefined>>;
  /** Bound on each step: the AAD token request, the exchange. */
  timeoutMs?: number;
  failureBackoffMs?: number;
  /** HTTP settings shared with the registry client (per-host CAs, request timeout, metrics). */
  transport?: CloudTransportOptions;
  /** Replaces the @azure/identity source (tests, or an embedding program with its own credential). */
  tokenSource?: AadTokenSource;
}

/**
 * Azure Container Registry through an Azure AD identity: an AAD access token is exchanged at the registry's
 * `/oauth2/exchange` for an ACR refresh token, returned as an `identityToken`; the registry client then trades it at
 * `/oauth2/token` for a repository-scoped access token. One refresh token per registry serves every repository.
 */
export class AcrCredentialProvider implements CredentialProvider {
  readonly name: string;
  private readonly source: AadTokenSource;
  private readonly transport: RegistryTransport;
  private readonly cache: TokenCache<string>;
  private readonly timeoutMs: number;

  constructor(private readonly options: AcrProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.source = options.tokenSource ?? createAadTokenSource(options.identity ?? 'auto', options.env ?? process.env, this.timeoutMs);
    this.name = `azure ${this.source.description}`;
    // Its own transport, with no insecure registries and no skip_verify: the AAD token is only ever sent over https
    // to a peer whose certificate checks out (a private CA for a host is honoured).
    this.transport = new RegistryTransport({
      insecureRegistries: [],
      requestTimeoutMs: options.transport?.requestTimeoutMs ?? this.timeoutMs,
      hostTls: caOnly(options.transport),
      ...(options.transport?.onRequest && { onRequest: options.transport.onRequest }),
    });
    this.cache = new TokenCache(options.failureBackoffMs ?? 10_000);
  }

  appliesTo(registry: string): boolean {
    return isAcrHost(registry, this.options.extraHosts);
  }

  async credentialFor(registry: string, _repository: string, signal?: AbortSignal): Promise<Credential> {
    // Defence in depth: the client only asks for hosts we apply to, but the AAD token must never go anywhere else.
    if (!this.appliesTo(registry)) throw new Error(`${registry} is not an Azure Container Registry`);
    const host = normalizeHost(registry);
    const token = await this.cache.get(host, () => this.refreshToken(host), signal);
    return { kind: 'identityToken', token };
  }

  /** Drops a registry's refresh token, e.g. after the registry refused it. */
  forget(registry: string): void {
    this.cache.delete(normalizeHost(registry));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async refreshToken(host: string): Promise<{ value: string; refreshAt: number }> {
    const deadline = Date.now() + 2 * this.timeoutMs;
    const signal = AbortSignal.timeout(2 * this.timeoutMs);
    const aad = await this.source.getToken(this.options.scope ?? ACR_AAD_SCOPE, signal);
    const refresh = await this.exchange(host, aad, deadline, signal);
    const { issuedAt, expiresAt } = jwtTimes(refresh);
    const now = Date.now();
    return { value: refresh, refreshAt: refreshTime(issuedAt ?? now, expiresAt ?? now + UNKNOWN_LIFETIME_MS, REFRESH_MARGIN_MS) };
  }

  private async exchange(host: string, aad: AadToken, deadline: number, signal: AbortSignal): Promise<string> {
    // ACR's service name is its login server; the tenant lets it find the identity's role assignments.
    const form = new URLSearchParams({ grant_type: 'access_token', service: host, access_token: aad.token });
    if (aad.tenantId) form.set('tenant', aad.tenantId);
    const url = new URL(`https://${host}/oauth2/exchange`);
    const res = await this.transport.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      maxBytes: MAX_EXCHANGE_BYTES,
      deadline,
      signal,
      registry: host,
    });
    const who = this.source.description;
    if (res.status === 403) {
      throw new Error(
        `AcrPull missing: 403 from exchange at ${host}: grant ${who} the AcrPull role on the registry (Container Registry Repository Reader if the registry uses ABAC repository permissions)${detail(res.body)}`,
      );
    }
    if (res.status === 401) {
      throw new Error(
        `401 from exchange at ${host}: the Azure AD token of ${who} was refused${detail(res.body)} (is the registry in tenant ${aad.tenantId ?? 'unknown'}, and does the identity have AcrPull on it?)`,
      );
    }
    if (res.status !== 200) throw new Error(`exchange at ${host} answered HTTP ${res.status}${detail(res.body)}`);
    let doc: { refresh_token?: unknown };
    try {
      doc = JSON.parse(res.body.toString('utf8')) as typeof doc;
    } catch {
      throw new Error(`exchange at ${host} answered 200 without JSON`);
    }
    if (typeof doc.refresh_token !== 'string' || !doc.refresh_token) throw new Error(`exchange at ${host} returned no refresh_token`);
    return doc.refresh_token;
  }
}

/** Per-host CAs from hosts.toml and registryCAs; skip_verify is deliberately dropped. */
function caOnly(transport: CloudTransportOptions | undefined): Record<string, HostTls> {
  const out: Record<string, HostTls> = {};
  for (const [host, tls] of Object.entries(transport?.hostTls ?? {})) if (tls.ca) out[host] = { ca: tls.ca };
  for (const [host, ca] of Object.entries(transport?.registryCAs ?? {})) out[host] = { ca };
  return out;
}

/** The registry's own error message (`{"errors":[{"message":…}]}` or OAuth `error_description`), shortened. */
function detail(body: Buffer): string {
  let text = '';
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ message?: unknown }>; error_description?: unknown; error?: unknown };
    const m = doc.errors?.[0]?.message ?? doc.error_description ?? doc.error;
    text = typeof m === 'string' ? m : '';
  } catch {
    text = '';
  }
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f]+/g, ' ').trim();
  if (!text) return '';
  return `: "${text.length > 200 ? `${text.slice(0, 197)}...` : text}"`;
}
