import { canonicalHost, canonicalHostPort } from '../ip-address.js';
import { hostOf } from '../reference.js';
import type { ArchcheckError } from '../errors.js';
import type { RoundTrip } from './http-request.js';

export function isLoopbackHost(host: string): boolean {
  const h = canonicalHost(hostOf(host));
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** A TLS handshake with a peer that speaks plain http fails with one of these. */
function spokePlainHttp(err: ArchcheckError): boolean {
  const cause = err.cause as { message?: string; cause?: unknown } | undefined;
  const text = `${cause?.message ?? ''} ${String(cause?.cause)}`;
  return /wrong version number|EPROTO|packet length too long|ECONNRESET|SSL routines/i.test(text);
}

/**
 * The scheme-fallback layer: like Docker, a loopback registry that does not speak TLS is retried over http, and
 * remembered (`hosts`) so its next requests start with http. Only loopback hosts: elsewhere http must be configured.
 */
export function fallingBackToHttp(send: RoundTrip, hosts: { set(host: string, value: true): void }): RoundTrip {
  return async (url, init) => {
    try {
      return await send(url, init);
    } catch (e) {
      const err = e as ArchcheckError;
      if (err.code !== 'UNREACHABLE' || url.protocol !== 'https:' || !isLoopbackHost(url.host) || !spokePlainHttp(err)) throw e;
      hosts.set(canonicalHostPort(url.host), true);
      const httpUrl = new URL(url);
      httpUrl.protocol = 'http:';
      return send(httpUrl, init);
    }
  };
}
