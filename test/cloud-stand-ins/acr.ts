import http from 'node:http';
import type { TestRegistry } from '../registry/registry.js';
import type { TlsMaterial } from '../registry/tls.js';
import type { EntraStandIn } from './entra.js';
import { fakeJwt, nowSeconds, startStandIn, type Call, type Reply, type StandInServer } from './server.js';

export interface AcrStandInOptions {
  tls: TlsMaterial;
  /** A real docker-registry in token mode; its token server signs the access tokens we hand out. */
  backend: TestRegistry;
  entra: EntraStandIn;
  /** Client ids holding AcrPull on this registry. */
  acrPull: string[];
  /** Lifetime of ACR refresh tokens, seconds (real: about 3 hours). */
  refreshTokenSeconds?: number;
}

export interface AcrStandIn extends StandInServer {
  /** Forces the answer of /oauth2/exchange (401, 403), or undefined for the real logic. */
  forceExchangeStatus(status: number | undefined): void;
  setRefreshTokenSeconds(seconds: number): void;
  exchanges(): Call[];
  tokenRequests(): Call[];
  /** Refresh tokens issued, oldest first. */
  readonly refreshTokens: string[];
}

const acrError = (status: number, code: string, message: string): Reply => ({ status, body: { errors: [{ code, message }] } });

/**
 * Stands in for an Azure Container Registry login server: `/oauth2/exchange` (AAD access token → ACR refresh token,
 * checking the token with the Entra stand-in and the identity's AcrPull), `/oauth2/token` (refresh token →
 * repository access token, signed by the backend registry's token issuer), and `/v2/` proxied to a real
 * docker-registry, whose challenge is rewritten to name this host as realm and service, as ACR's does.
 */
export async function startAcr(opts: AcrStandInOptions): Promise<AcrStandIn> {
  const refresh = new Map<string, { clientId: string; expiresAt: number }>();
  const refreshTokens: string[] = [];
  let forced: number | undefined;
  let refreshSeconds = opts.refreshTokenSeconds ?? 3 * 3600;
  let self = '';
  const backend = new URL(opts.backend.url);

  const exchange = (call: Call): Reply => {
    if (forced === 403) return acrError(403, 'DENIED', 'client does not have permission to perform action Microsoft.ContainerRegistry/registries/pull/read');
    if (forced === 401) return acrError(401, 'UNAUTHORIZED', 'The access token is invalid or expired');
    const f = call.form;
    if (f.get('grant_type') !== 'access_token') return acrError(400, 'UNSUPPORTED', 'grant_type must be access_token');
    if (f.get('service') !== self) return acrError(400, 'BAD_SERVICE', `service must be ${self}`);
    const aad = opts.entra.validate(f.get('access_token') ?? '');
    if (!aad) return acrError(401, 'UNAUTHORIZED', 'The access token is invalid or expired');
    if (f.get('tenant') && f.get('tenant') !== aad.tenantId) return acrError(401, 'UNAUTHORIZED', 'tenant mismatch');
    if (!opts.acrPull.includes(aad.clientId)) return acrError(403, 'DENIED', 'identity has no role on the registry');
    const exp = nowSeconds() + refreshSeconds;
    const token = fakeJwt({ iss: 'Azure Container Registry', aud: self, sub: aad.clientId, tenant: aad.tenantId, grant_type: 'refresh_token', iat: nowSeconds(), exp });
    refresh.set(token, { clientId: aad.clientId, expiresAt: exp * 1000 });
    refreshTokens.push(token);
    return { status: 200, body: { refresh_token: token } };
  };

  const token = (call: Call): Reply => {
    if (call.method !== 'POST') return acrError(401, 'UNAUTHORIZED', 'authentication required');
    const f = call.form;
    if (f.get('grant_type') !== 'refresh_token' || f.get('service') !== self) return acrError(400, 'BAD_REQUEST', 'grant_type or service');
    const known = refresh.get(f.get('refresh_token') ?? '');
    if (!known || known.expiresAt <= Date.now()) return acrError(401, 'UNAUTHORIZED', 'refresh token invalid or expired');
    const scopes = f.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    // The backend trusts its own issuer: the token is signed for its default user, who may pull everything.
    const user = Object.keys(opts.backend.users)[0]!;
    return { status: 200, body: { access_token: opts.backend.token!.issueToken(user, scopes) } };
  };

  const proxy = (call: Call, req: http.IncomingMessage, res: http.ServerResponse): Promise<undefined> =>
    new Promise((resolve, reject) => {
      const upstream = http.request(
        { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, host: backend.host } },
        (up) => {
          const headers = { ...up.headers };
          const challenge = headers['www-authenticate'];
          if (typeof challenge === 'string') {
            const scope = /scope="([^"]*)"/.exec(challenge)?.[1];
            headers['www-authenticate'] = `Bearer realm="https://${self}/oauth2/token",service="${self}"${scope ? `,scope="${scope}"` : ''}`;
          }
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
          up.on('end', () => {
            call.status = up.statusCode ?? 502;
            resolve(undefined);
          });
        },
      );
      upstream.on('error', reject);
      req.pipe(upstream);
    });

  const server = await startStandIn((call, req, res) => {
    const path = new URL(call.path, 'https://acr.invalid').pathname;
    if (path.startsWith('/v2/')) return proxy(call, req, res);
    if (call.method === 'POST' && path === '/oauth2/exchange') return exchange(call);
    if (path === '/oauth2/token') return token(call);
    return acrError(404, 'NOT_FOUND', path);
  }, opts.tls);
  self = server.host;

  return {
    ...server,
    calls: server.calls,
    refreshTokens,
    forceExchangeStatus: (s) => {
      forced = s;
    },
    setRefreshTokenSeconds: (s) => {
      refreshSeconds = s;
    },
    exchanges: () => server.calls.filter((c) => c.path.startsWith('/oauth2/exchange')),
    tokenRequests: () => server.calls.filter((c) => c.path.startsWith('/oauth2/token')),
  };
}
