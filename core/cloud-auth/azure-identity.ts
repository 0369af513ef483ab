import { stat } from 'node:fs/promises';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { jwtTimes } from '../jwt.js';
import { sdkMessage } from './messages.js';
import { withTimeout } from './token-cache.js';

/**
 * Which Azure identity to use. `auto` picks exactly one from the environment (no network), so the identity in use is
 * predictable and its errors are specific; see `resolveAzureIdentityMode`.
 */
export type AzureIdentityMode = 'auto' | 'workload' | 'service-principal' | 'managed' | 'developer';

export interface AadToken {
  token: string;
  /** ms since epoch */
  expiresAt: number;
  /** Tenant the token was issued in (`tid`), for the exchange's `tenant` field. */
  tenantId: string | undefined;
}

export interface AadTokenSource {
  /** For error messages: "workload identity (client 1234…)". Never a secret. */
  readonly description: string;
  getToken(scope: string, signal: AbortSignal): Promise<AadToken>;
}

type Env = Readonly<Record<string, string | undefined>>;

// Authority hosts MSAL knows. For any other host (Azure Stack, sovereign or test authorities) instance discovery would
// ask login.microsoftonline.com to vouch for it, which fails there, so it is skipped for them.
const KNOWN_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoft.com', 'login.chinacloudapi.cn', 'login.microsoftonline.us']);

/**
 * `auto`, resolved without network calls:
 * - `AZURE_FEDERATED_TOKEN_FILE` set (the AKS workload-identity webhook injects it) → workload identity, and only it:
 *   when the pod was set up for workload identity, silently falling back to the node's identity would hide the error;
 * - `AZURE_CLIENT_SECRET` or `AZURE_CLIENT_CERTIFICATE_PATH` → that service principal (CI);
 * - in a pod (`KUBERNETES_SERVICE_HOST`) or where `IDENTITY_ENDPOINT` is set → managed identity, e.g. the AKS
 *   kubelet identity that already pulls from ACR (through the instance metadata endpoint, the one use of it);
 * - otherwise a workstation → the Azure CLI, then the Azure Developer CLI login.
 * DefaultAzureCredential tries all of these in turn instead: slower (it probes the metadata endpoint on laptops) and
 * its aggregated error does not say which identity was meant.
 */
export function resolveAzureIdentityMode(mode: AzureIdentityMode, env: Env): Exclude<AzureIdentityMode, 'auto'> {
  if (mode !== 'auto') return mode;
  if (env.AZURE_FEDERATED_TOKEN_FILE) return 'workload';
  if (env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH) return 'service-principal';
  if (env.KUBERNETES_SERVICE_HOST || env.IDENTITY_ENDPOINT) return 'managed';
  return 'developer';
}

function shortId(id: string | undefined): string {
  return id ? `${id.slice(0, 8)}…` : 'system-assigned';
}

function authority(env: Env): { authorityHost: string | undefined; disableInstanceDiscovery: boolean } {
  const authorityHost = env.AZURE_AUTHORITY_HOST || undefined;
  if (!authorityHost) return { authorityHost, disableInstanceDiscovery: false };
  let host = '';
  try {
    host = new URL(authorityHost).hostname.toLowerCase();
  } catch {
    throw new Error(`AZURE_AUTHORITY_HOST "${authorityHost}" is not a URL`);
  }
  return { authorityHost, disableInstanceDiscovery: !KNOWN_AUTHORITIES.has(host) };
}

function required(env: Env, name: string, why: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (${why})`);
  return value;
}

type IdentityModule = typeof import('@azure/identity');

interface Plan {
  description: string;
  /** Checks that need no network, run before each token request (e.g. the token file still exists). */
  precheck?: () => Promise<void>;
  build: (identity: IdentityModule) => TokenCredential;
}

function workloadPlan(env: Env): Plan {
  const hint = 'label the pod azure.workload.identity/use: "true" and annotate its ServiceAccount with azure.workload.identity/client-id';
  const file = required(env, 'AZURE_FEDERATED_TOKEN_FILE', hint);
  const clientId = required(env, 'AZURE_CLIENT_ID', hint);
  const tenantId = required(env, 'AZURE_TENANT_ID', hint);
  const auth = authority(env);
  return {
    description: `workload identity (client ${shortId(clientId)})`,
    precheck: async () => {
      try {
        await stat(file);
      } catch {
        throw new Error(`workload identity token file not found: ${file} (the projected ServiceAccount token is missing; ${hint})`);
      }
    },
    build: (identity) => new identity.WorkloadIdentityCredential({ clientId, tenantId, tokenFilePath: file, ...auth }),
  };
}

function servicePrincipalPlan(env: Env): Plan {
  const why = 'service principal login needs AZURE_TENANT_ID and AZURE_CLIENT_ID';
  const tenantId = required(env, 'AZURE_TENANT_ID', why);
  const clientId = required(env, 'AZURE_CLIENT_ID', why);
  const auth = authority(env);
  const secret = env.AZURE_CLIENT_SECRET;
  const certificatePath = env.AZURE_CLIENT_CERTIFICATE_PATH;
  return {
    description: `service principal (client ${shortId(clientId)})`,
    build: (identity) => {
      if (secret) return new identity.ClientSecretCredential(tenantId, clientId, secret, auth);
      if (certificatePath) return new identity.ClientCertificateCredential(tenantId, clientId, { certificatePath }, auth);
      throw new Error('service principal login needs AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH');
    },
  };
}

function managedPlan(env: Env): Plan {
  const clientId = env.AZURE_CLIENT_ID || undefined;
  return {
    description: `managed identity (${clientId ? `client ${shortId(clientId)}` : 'system-assigned'})`,
    // One retry: the SDK's default retries a not-yet-ready identity for over a minute, far past an admission deadline.
    build: (identity) =>
      clientId
        ? new identity.ManagedIdentityCredential({ clientId, retryOptions: { maxRetries: 1 } })
        : new identity.ManagedIdentityCredential({ retryOptions: { maxRetries: 1 } }),
  };
}

function developerPlan(env: Env): Plan {
  const tenantId = env.AZURE_TENANT_ID || undefined;
  return {
    description: 'Azure CLI login (az login, or azd auth login)',
    build: (identity) =>
      new identity.ChainedTokenCredential(
        new identity.AzureCliCredential(tenantId ? { tenantId } : {}),
        new identity.AzureDeveloperCliCredential(tenantId ? { tenantId } : {}),
      ),
  };
}

function plan(mode: Exclude<AzureIdentityMode, 'auto'>, env: Env): Plan {
  switch (mode) {
    case 'workload':
      return workloadPlan(env);
    case 'service-principal':
      return servicePrincipalPlan(env);
    case 'managed':
      return managedPlan(env);
    case 'developer':
      return developerPlan(env);
  }
}

function tenantOf(token: string): string | undefined {
  const parts = token.split('.');
  try {
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An AAD token source for `mode`, built lazily: @azure/identity (and MSAL) is loaded on the first token request, so
 * clusters without Azure never pay for it, and nothing here touches the network until then. Token caching and
 * renewal of the AAD token itself are MSAL's; callers cache what they derive from it.
 */
export function createAadTokenSource(mode: AzureIdentityMode, env: Env, timeoutMs: number): AadTokenSource {
  const resolved = resolveAzureIdentityMode(mode, env);
  let chosen: Plan | Error;
  try {
    chosen = plan(resolved, env);
  } catch (e) {
    // A configuration error is reported at lookup time, like any other, so one bad setting does not stop start-up.
    chosen = e as Error;
  }
  let credential: Promise<TokenCredential> | undefined;
  const description = chosen instanceof Error ? `${resolved} identity` : chosen.description;
  return {
    description,
    async getToken(scope: string, signal: AbortSignal): Promise<AadToken> {
      if (chosen instanceof Error) throw chosen;
      const p = chosen;
      await p.precheck?.();
      credential ??= import('@azure/identity').then((identity) => p.build(identity));
      let token: AccessToken | null;
      try {
        const c = await credential;
        token = await withTimeout(c.getToken(scope, { abortSignal: signal }), timeoutMs, `Azure AD (${description})`);
      } catch (e) {
        throw new Error(`${description} could not get an Azure AD token: ${sdkMessage(e)}`, { cause: e });
      }
      if (!token) throw new Error(`${description} returned no Azure AD token`);
      const expiresAt = token.expiresOnTimestamp || jwtTimes(token.token).expiresAt || Date.now() + 5 * 60_000;
      return { token: token.token, expiresAt, tenantId: tenantOf(token.token) ?? (env.AZURE_TENANT_ID || undefined) };
    },
  };
}
