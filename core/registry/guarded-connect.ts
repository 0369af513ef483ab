import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { buildConnector } from 'undici';
import { canonicalHost, parseIpLiteral } from '../ip-address.js';
import { hostRefusal, refusalReason } from '../network-guard.js';

/** DNS resolution as `dns.lookup` with `all: true`; tests pass a stub to play DNS rebinding. */
export type LookupFunction = (hostname: string, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** One address handed to the socket layer: the only addresses a connection is ever attempted to. */
export interface ConnectAttempt {
  /** Host as the URL named it. */
  host: string;
  /** Canonical address connected to. */
  address: string;
}

export interface ConnectGuard {
  /** Whether a registry is explicitly configured at this hostname (any spelling). */
  isConfigured(hostname: string): boolean;
  lookup?: LookupFunction;
  onConnect?: (attempt: ConnectAttempt) => void;
}

const defaultLookup: LookupFunction = (hostname, callback) => dnsLookup(hostname, { all: true, verbatim: true }, callback);

function forbidden(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: 'EFORBIDDEN' });
}

type NetLookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The lookup net.connect uses for DNS names: every resolved address is checked at connect time, so a name that
 * resolves to a public address when first seen and to the metadata service later (DNS rebinding) is still refused.
 */
function guardedLookup(guard: ConnectGuard) {
  const lookup = guard.lookup ?? defaultLookup;
  return (hostname: string, options: { all?: boolean }, callback: NetLookupCallback): void => {
    lookup(hostname, (err, addresses) => {
      if (err) return callback(err, '');
      const configured = guard.isConfigured(hostname);
      const reasons: string[] = [];
      const allowed = addresses.filter((a) => {
        const reason = refusalReason(hostname, a.address, { configured });
        if (reason) reasons.push(reason);
        return reason === undefined;
      });
      if (allowed.length === 0) return callback(forbidden(`${hostname} resolves only to refused addresses (${reasons.join('; ') || 'none'})`), '');
      const offered = options.all ? allowed : allowed.slice(0, 1);
      for (const a of offered) guard.onConnect?.({ host: hostname, address: canonicalHost(a.address) });
      if (options.all) return callback(null, offered);
      return callback(null, offered[0]!.address, offered[0]!.family);
    });
  };
}

/**
 * undici connector that refuses forbidden destinations before a socket exists: IP literals (any spelling) are
 * checked here, DNS names through the guarded lookup on every new connection. Keep-alive sockets were checked
 * when they were opened.
 */
export function guardedConnector(tls: buildConnector.BuildOptions, guard: ConnectGuard): buildConnector.connector {
  const base = buildConnector({ ...tls, lookup: guardedLookup(guard) } as buildConnector.BuildOptions);
  return (opts, callback) => {
    const hostname = opts.hostname;
    const reason = hostRefusal(hostname, { configured: guard.isConfigured(hostname) });
    if (reason) {
      callback(forbidden(reason), null);
      return;
    }
    if (parseIpLiteral(hostname)) guard.onConnect?.({ host: hostname, address: canonicalHost(hostname) });
    base(opts, callback);
  };
}
