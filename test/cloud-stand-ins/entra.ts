import type { TlsMaterial } from '../registry/tls.js';
import { fakeJwt, nowSeconds, startStandIn, type Call, type Reply } from './server.js';

/** An identity the stand-in directory knows: a workload-identity app (federated token) or a managed identity. */
export interface EntraIdentity {
  clientId: string;
  /** The federated ServiceAccount token the app accepts as client assertion (workload identity). */
  federatedToken?: string;
}

export interface IssuedToken {
  token: string;
  clientId: string;
  tenantId: string;
  scope: string;
  expiresAt: number;
}

export interface EntraStandIn {
  /** AZURE_AUTHORITY_HOST for the tenant endpoints. */
  authorityHost: string;
  /** AZURE_POD_IDENTITY_AUTHORITY_HOST for the managed-identity (IMDS) endpoint; plain http like the real one. */
  imdsHost: string;
  tenantId: string;
  readonly issued: IssuedToken[];
  /** Every request to the tenant endpoints, then to IMDS. */
  readonly calls: Call[];
  readonly imdsCalls: Call[];
  /** Lifetime of later tokens, in seconds. */
  setExpiresIn(seconds: number): void;
  /** The token's identity, if the directory issued it and it has not expired. */
  validate(token: string): IssuedToken | undefined;
  stop(): Promise<void>;
}

/**
 * Stands in for Microsoft Entra ID (Azure AD): the OpenID configuration MSAL reads, the v2.0 token endpoint with the
 * client-credentials grant and a client assertion (what WorkloadIdentityCredential sends), and the IMDS managed
 * identity endpoint. Tokens are opaque JWTs that only this directory can vouch for.
 */
export async function startEntra(opts: { tls: TlsMaterial; tenantId: string; identities: EntraIdentity[] }): Promise<EntraStandIn> {
  const issued: IssuedToken[] = [];
  let expiresIn = 3600;
  let base = '';

  const issue = (clientId: string, scope: string): IssuedToken => {
    const exp = nowSeconds() + expiresIn;
    const token = fakeJwt({ aud: scope.replace(/\/\.default$/, ''), tid: opts.tenantId, appid: clientId, oid: `oid-${clientId}`, iat: nowSeconds(), exp });
    const t = { token, clientId, tenantId: opts.tenantId, scope, expiresAt: exp * 1000 };
    issued.push(t);
    return t;
  };

  const tokenEndpoint = (call: Call, tenant: string): Reply => {
    const f = call.form;
    if (tenant !== opts.tenantId) return { status: 400, body: { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${tenant}' not found.` } };
    if (f.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const identity = opts.identities.find((i) => i.clientId === f.get('client_id'));
    if (!identity) return { status: 400, body: { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${f.get('client_id') ?? ''}' was not found.` } };
    if (!identity.federatedToken || f.get('client_assertion') !== identity.federatedToken) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'AADSTS700211: No matching federated identity record found for presented assertion.' } };
    }
    const scope = f.get('scope')?.split(' ').find((s) => s.endsWith('/.default')) ?? '';
    const t = issue(identity.clientId, scope);
    return { status: 200, body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: t.token } };
  };

  const tenantServer = await startStandIn((call) => {
    const url = new URL(call.path, 'https://entra.invalid');
    const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (call.method === 'GET' && oidc) {
      const t = oidc[1]!;
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
          issuer: `${base}/${t}/v2.0`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        },
      };
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (call.method === 'POST' && token) return tokenEndpoint(call, token[1]!);
    return { status: 404, body: { error: 'not_found', error_description: call.path } };
  }, opts.tls);
  base = tenantServer.url;

  // IMDS answers over plain http on a link-local address in Azure; here on loopback.
  const imds = await startStandIn((call) => {
    const url = new URL(call.path, 'http://imds.invalid');
    // MSAL appends a trailing slash to the path.
    if (url.pathname.replace(/\/$/, '') !== '/metadata/identity/oauth2/token') return { status: 404, body: { error: 'not_found' } };
    if (call.headers.metadata !== 'true') return { status: 400, body: { error: 'invalid_request', error_description: 'Required metadata header not specified' } };
    const clientId = url.searchParams.get('client_id') ?? opts.identities[0]?.clientId ?? '';
    const identity = opts.identities.find((i) => i.clientId === clientId && !i.federatedToken);
    if (!identity) return { status: 400, body: { error: 'invalid_request', error_description: 'Identity not found' } };
    const resource = url.searchParams.get('resource') ?? '';
    const t = issue(identity.clientId, `${resource.replace(/\/$/, '')}/.default`);
    return {
      status: 200,
      body: {
        access_token: t.token,
        client_id: identity.clientId,
        expires_in: String(expiresIn),
        expires_on: String(Math.floor(t.expiresAt / 1000)),
        ext_expires_in: String(expiresIn),
        not_before: String(nowSeconds()),
        resource,
        token_type: 'Bearer',
      },
    };
  });

  return {
    authorityHost: tenantServer.url,
    imdsHost: imds.url,
    tenantId: opts.tenantId,
    issued,
    calls: tenantServer.calls,
    imdsCalls: imds.calls,
    setExpiresIn: (s) => {
      expiresIn = s;
    },
    validate: (token) => issued.find((t) => t.token === token && t.expiresAt > Date.now()),
    stop: async () => {
      await Promise.all([tenantServer.stop(), imds.stop()]);
    },
  };
}
