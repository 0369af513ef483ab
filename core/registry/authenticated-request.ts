import { ArchcheckError } from '../errors.js';
import { urlDestination } from '../ip-address.js';
import { RegistryAuth, type AuthContext } from './auth.js';
import { KeyedSemaphore } from './cache.js';
import type { HttpResponse } from './http-request.js';
import { registryName, type LookupContext } from './lookup-context.js';
import { statusError } from './registry-errors.js';
import type { RegistryOptions } from './options.js';
import type { RegistryTransport } from './transport.js';

/**
 * The auth layer over the transport: one request to a repository at an endpoint, authenticated up front from the
 * host's remembered challenge, answered once more after a 401 with what its challenge asks for, bounded per host.
 * A 2xx response, or the error a user can act on.
 */
export class AuthenticatedRequests {
  private readonly auth: RegistryAuth;
  private readonly limiter: KeyedSemaphore;

  constructor(
    private readonly transport: RegistryTransport,
    options: Pick<RegistryOptions, 'maxConcurrencyPerRegistry' | 'cacheLimits'>,
  ) {
    this.auth = new RegistryAuth(transport, options.cacheLimits);
    this.limiter = new KeyedSemaphore(options.maxConcurrencyPerRegistry);
  }

  authSizes(): Record<string, { entries: number; bytes?: number }> {
    return this.auth.sizes();
  }

  send(ctx: LookupContext, method: 'GET' | 'HEAD', path: string, headers: Record<string, string>, maxBytes: number): Promise<HttpResponse> {
    const { ep } = ctx;
    return this.limiter.run(ep.host, async () => {
      const url = new URL(`${this.transport.baseUrl(ep.host, ep.scheme)}${ep.apiPath}/${ep.repository}/${path}`);
      const registry = registryName(ctx);
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
