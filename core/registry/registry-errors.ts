import { ArchcheckError } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import type { HttpResponse } from './http-request.js';
import { registryName, where, type LookupContext } from './lookup-context.js';

/** A registry's non-2xx answer as the error a user can act on. */
export function statusError(ctx: LookupContext, res: HttpResponse, path: string): ArchcheckError {
  const registry = registryName(ctx);
  const repo = ctx.ep.repository;
  const what = path.startsWith('blobs/') ? `config blob ${path.slice(6)} of ${where(ctx)}` : ctx.ep.isMirror ? `${where(ctx)}:${ctx.ref.tag ?? ctx.ref.digest}` : ctx.ref.canonical;
  switch (res.status) {
    case 404:
      return new ArchcheckError('NOT_FOUND', `${what} not found: check the repository and tag exist and were pushed`, { registry });
    case 401:
      return new ArchcheckError(
        'UNAUTHORIZED',
        `${registry} requires credentials for ${repo}${ctx.credential ? ' and refused the ones given' : ''}: add an imagePullSecret or an entry in the registry config (registryConfig, a Docker config.json)`,
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

/** The answer for a lookup that failed: no platforms, the error's code and message. */
export function failedInfo(reference: string, canonical: string, err: ArchcheckError): ImageInfo {
  return { reference, canonical, platforms: [], platformStrings: [], multiArch: false, error: { code: err.code, message: err.message } };
}
