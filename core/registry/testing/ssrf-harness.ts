/** What the address-guard tests share: the socket recorder, fake DNS, a client for loopback hosts, a registry naming a realm. */
import type { LookupAddress } from 'node:dns';
import { isIP, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { KeyedCredential } from '../../credentials.js';
import { canonicalHost } from '../../ip-address.js';
import { RegistryClient } from '../client.js';
import { defaultCredentialSources } from '../credential-sources.js';
import type { ConnectAttempt, LookupFunction } from '../guarded-connect.js';
import type { Handler } from './loopback-registry.js';

export const isLoopback = (address: string): boolean => /^127\./.test(canonicalHost(address)) || canonicalHost(address) === '::1';

/** Destinations handed to the kernel (IP literals) or to DNS answers (names), in the order they were attempted. */
const recorded: string[] = [];
const originalConnect = Socket.prototype.connect;

type ConnectOptions = { host?: string; lookup?: (h: string, o: object, cb: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => void };

/**
 * Records every socket this test file's process opens (below the client, at net.Socket#connect) and blocks any
 * non-loopback destination there, so a guard failure shows as a recorded attempt and never leaves the machine.
 * Call once at the top of a test file; `sockets()` lists this test's destinations.
 */
export function recordSockets(): { sockets: () => string[] } {
beforeAll(() => {
  Socket.prototype.connect = function recordingConnect(this: Socket, ...args: unknown[]): Socket {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : typeof first === 'object' ? first : { host: args[1] }) as ConnectOptions;
    const host = options.host ?? 'localhost';
    const block = (): Socket => {
      process.nextTick(() => this.destroy(Object.assign(new Error(`test blocked a connection to ${host}`), { code: 'ETESTBLOCKED' })));
      return this;
    };
    if (isIP(host)) {
      recorded.push(canonicalHost(host));
      if (!isLoopback(host)) return block();
    } else if (options.lookup) {
      const lookup = options.lookup;
      options.lookup = (h, o, cb) =>
        lookup(h, o, (err, address, family) => {
          const addresses = typeof address === 'string' ? [address] : address.map((a) => a.address);
          if (!err) recorded.push(...addresses.map(canonicalHost));
          if (!err && addresses.some((a) => !isLoopback(a))) return cb(Object.assign(new Error('test blocked a DNS answer'), { code: 'ETESTBLOCKED' }), '');
          return cb(err, address, family);
        });
    }
    return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
});

afterAll(() => {
  Socket.prototype.connect = originalConnect;
});

beforeEach(() => {
  recorded.splice(0);
});
return { sockets: () => recorded };
}

/** DNS for this file: names it knows resolve to what the test says; every question is recorded. */
export function fakeDns(answers: Record<string, string[] | (() => string[])>): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const lookup: LookupFunction = (hostname, callback) => {
    asked.push(hostname);
    const entry = answers[hostname];
    const list = typeof entry === 'function' ? entry() : entry;
    if (!list) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    return callback(null, list.map((address) => ({ address, family: isIP(address) })));
  };
  return { lookup, asked };
}

export function clientFor(hosts: string[], extra: { lookup?: LookupFunction; connects?: ConnectAttempt[]; credentials?: KeyedCredential[] } = {}): RegistryClient {
  return new RegistryClient(
    { insecureRegistries: hosts, resolveTimeoutMs: 3000, requestTimeoutMs: 1000 },
    {
      ...(extra.lookup && { lookup: extra.lookup }),
      ...(extra.credentials && { sources: defaultCredentialSources([], extra.credentials) }),
      observer: { onConnect: (a) => extra.connects?.push(a) },
    },
  );
}

/** A registry whose 401 names `realm` (with `{port}` replaced by its own port). */
export async function registryWithRealm(serve: (h: Handler) => Promise<number>, realm: string): Promise<string> {
  let port = 0;
  port = await serve((_req, res) => {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.replace('{port}', String(port))}",service="x"` }).end();
  });
  return `127.0.0.1:${port}`;
}
