import { ArchcheckError } from '../errors.js';
import { urlDestination } from '../ip-address.js';
import type { RoundTrip } from './http-request.js';

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface RedirectRules {
  /** Throws FORBIDDEN_ADDRESS for a URL whose host is never contacted (the SSRF guard). */
  assertAddressAllowed(url: URL): void;
  /** Configured for plain http. */
  isInsecure(hostPort: string): boolean;
}

function assertSchemeAllowed(rules: RedirectRules, from: URL, to: URL): void {
  if (to.protocol === 'https:') return;
  if (to.protocol === 'http:' && (rules.isInsecure(to.host) || (from.protocol === 'http:' && urlDestination(to) === urlDestination(from)))) return;
  throw new ArchcheckError('BAD_RESPONSE', `${from.host} redirected to ${to.protocol}//${to.host}, which is not https: refused`, { registry: from.host });
}

/**
 * The redirect layer: follows at most 5 redirects by hand. Every target passes the address guard first, then must
 * be https (or http where that is configured or where the request already was); credentials never leave the host
 * and port they were meant for, and a request body (a token exchange) is never redirected to another host.
 */
export function followingRedirects(send: RoundTrip, rules: RedirectRules): RoundTrip {
  return async (start, init) => {
    let url = start;
    let headers = { ...init.headers };
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await send(url, { ...init, headers });
      const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
      if (!location) return res;
      const next = new URL(location, url);
      // A refused address is named as such before any other rule about the redirect applies.
      rules.assertAddressAllowed(next);
      assertSchemeAllowed(rules, url, next);
      const sameDestination = urlDestination(next) === urlDestination(url);
      if (init.body !== undefined && !sameDestination) {
        // A request body here is a token exchange (AAD token, refresh token): it never leaves the host it was meant for.
        throw new ArchcheckError('BAD_RESPONSE', `${url.host} redirected a token request to ${next.host}: refused, credentials stay on the host they were issued for`, {
          registry: init.registry,
        });
      }
      if (!sameDestination) {
        // Blob redirects go to CDNs: credentials issued for the registry follow only to the same host and port,
        // compared in canonical form (so `[::ffff:7f00:1]:5000` is `127.0.0.1:5000`, and `127.0.0.2:5000` is not).
        const { authorization: _dropped, Authorization: _Dropped, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
    throw new ArchcheckError('BAD_RESPONSE', `${start.host}: more than ${MAX_REDIRECTS} redirects`, { registry: init.registry });
  };
}
