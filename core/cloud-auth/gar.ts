import type { GoogleAuth } from 'google-auth-library';
import type { CredentialProvider } from '../credential-provider.js';
import type { Credential } from '../credentials.js';
import { isGarHost } from './hosts.js';
import { sdkMessage } from './messages.js';
import { refreshTime, TokenCache, withTimeout } from './token-cache.js';

/** What docker-credential-gcr asks for; Artifact Registry checks the identity's IAM roles, not the scope. */
export const GAR_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** The user name Artifact Registry and Container Registry expect with an OAuth2 access token as password. */
export const GAR_USERNAME = 'oauth2accesstoken';

const REFRESH_MARGIN_MS = 5 * 60_000;
// When the library does not say when a token expires; it renews its own tokens anyway, so asking again is cheap.
const UNKNOWN_LIFETIME_MS = 5 * 60_000;

export interface GarProviderOptions {
  /** Hosts served by Artifact Registry besides `*-docker.pkg.dev`, `gcr.io` and `*.gcr.io`. */
  extraHosts?: string[];
  /** Bound on one token request, metadata-server detection included. */
  timeoutMs?: number;
  failureBackoffMs?: number;
}

/**
 * Artifact Registry and Container Registry through Google application-default credentials: a service-account or
 * external-account key file (`GOOGLE_APPLICATION_CREDENTIALS`), the gcloud login on a workstation, or the metadata
 * server, which on GKE with Workload Identity answers with the Google service account bound to the pod's
 * ServiceAccount. One access token serves every Google registry host.
 */
export class GarCredentialProvider implements CredentialProvider {
  readonly name = 'gcp application-default credentials';
  private readonly cache: TokenCache<string>;
  private auth: Promise<GoogleAuth> | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: GarProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.cache = new TokenCache(options.failureBackoffMs ?? 10_000);
  }

  appliesTo(registry: string): boolean {
    return isGarHost(registry, this.options.extraHosts);
  }

  async credentialFor(registry: string, _repository: string, signal?: AbortSignal): Promise<Credential> {
    if (!this.appliesTo(registry)) throw new Error(`${registry} is not a Google Artifact Registry host`);
    const token = await this.cache.get('adc', () => this.fetch(), signal);
    return { kind: 'basic', username: GAR_USERNAME, password: token };
  }

  private async fetch(): Promise<{ value: string; refreshAt: number }> {
    // Loaded on first use; GoogleAuth resolves the credential source once and caches it. While choosing a credential
    // it also looks up the project id, for an external account by calling Cloud Resource Manager (another endpoint,
    // and a permission a registry reader lacks): a registry login needs no project, so '-' skips that lookup.
    this.auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [GAR_SCOPE], projectId: '-' }));
    let token: string | null | undefined;
    let expiry: number | null | undefined;
    try {
      const auth = await this.auth;
      const client = await withTimeout(auth.getClient(), this.timeoutMs, 'Google application-default credentials');
      token = (await withTimeout(client.getAccessToken(), this.timeoutMs, 'Google token endpoint')).token;
      expiry = client.credentials.expiry_date;
    } catch (e) {
      throw new Error(`no Google access token: ${sdkMessage(e)}`, { cause: e });
    }
    if (!token) throw new Error('no Google access token: the credential returned none');
    const now = Date.now();
    return { value: token, refreshAt: refreshTime(now, expiry ?? now + UNKNOWN_LIFETIME_MS, REFRESH_MARGIN_MS) };
  }
}
