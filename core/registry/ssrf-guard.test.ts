/**
 * The link-local/metadata guard against a hostile registry on loopback: realms, redirects and image hosts spelled
 * every way that reaches 169.254.169.254 (or another refused address), DNS names that resolve there, and DNS
 * rebinding. Every socket this file's process opens is recorded below the client (net.Socket#connect), and any
 * non-loopback destination is blocked there, so a guard failure shows as a recorded attempt and never leaves the machine.
 */
import type { LookupAddress } from 'node:dns';
import { isIP, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalHost } from '../ip-address.js';
import { RegistryClient } from './client.js';
import type { ConnectAttempt, LookupFunction } from './guarded-connect.js';
import { MediaTypes } from './media-types.js';
import { armConfig, armManifest, loopbackServers } from './testing/loopback-registry.js';
import { defaultCredentialSources } from './credential-sources.js';
import type { KeyedCredential } from '../credentials.js';

const serve = loopbackServers();

const isLoopback = (address: string): boolean => /^127\./.test(canonicalHost(address)) || canonicalHost(address) === '::1';

/** Destinations handed to the kernel (IP literals) or to DNS answers (names), in the order they were attempted. */
let sockets: string[] = [];
const originalConnect = Socket.prototype.connect;

type ConnectOptions = { host?: string; lookup?: (h: string, o: object, cb: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => void };

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
      sockets.push(canonicalHost(host));
      if (!isLoopback(host)) return block();
    } else if (options.lookup) {
      const lookup = options.lookup;
      options.lookup = (h, o, cb) =>
        lookup(h, o, (err, address, family) => {
          const addresses = typeof address === 'string' ? [address] : address.map((a) => a.address);
          if (!err) sockets.push(...addresses.map(canonicalHost));
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
  sockets = [];
});

const config = armConfig;
const manifest = armManifest;

/** DNS for this file: names it knows resolve to what the test says; every question is recorded. */
function fakeDns(answers: Record<string, string[] | (() => string[])>): { lookup: LookupFunction; asked: string[] } {
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

function clientFor(hosts: string[], extra: { lookup?: LookupFunction; connects?: ConnectAttempt[]; credentials?: KeyedCredential[] } = {}): RegistryClient {
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
async function registryWithRealm(realm: string): Promise<string> {
  let port = 0;
  port = await serve((_req, res) => {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.replace('{port}', String(port))}",service="x"` }).end();
  });
  return `127.0.0.1:${port}`;
}

const METADATA_REALMS = [
  'http://169.254.169.254/latest/meta-data',
  'http://[::ffff:169.254.169.254]/token',
  'http://[::ffff:a9fe:a9fe]/token',
  'http://[0:0:0:0:0:ffff:a9fe:a9fe]/token',
  'http://[::169.254.169.254]/token',
  'http://[64:ff9b::a9fe:a9fe]/token',
  'http://[64:ff9b::169.254.169.254]/token',
  'http://[2002:a9fe:a9fe::1]/token',
  'http://[2001:0:4136:e378:8000:63bf:5601:5601]/token',
  'http://2852039166/token',
  'http://0xa9fea9fe/token',
  'http://0251.0376.0251.0376/token',
  'http://169.254.169.254./token',
  'http://[fd00:ec2::254]/token',
  'http://100.100.100.200/token',
  'http://[fe80::1]/token',
  'http://169.254.1.1/token',
  'http://0.0.0.0:{port}/token',
  'http://[::]:{port}/token',
];

describe('token realms that reach a refused address', () => {
  it.each(METADATA_REALMS)('realm %s: refused, no connection attempted', async (realm) => {
    const host = await registryWithRealm(realm);
    const connects: ConnectAttempt[] = [];
    const info = await clientFor([host], { connects }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/token realm .* refused: .* is (a cloud metadata|a link-local|an unspecified) address/);
    expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
    expect(connects.map((c) => c.address).filter((a) => !isLoopback(a))).toEqual([]);
  });

  it('a metadata host name is refused before any DNS question is asked', async () => {
    const dns = fakeDns({ 'metadata.google.internal': ['169.254.169.254'] });
    const host = await registryWithRealm('http://metadata.google.internal/computeMetadata/v1/token');
    const info = await clientFor([host], { lookup: dns.lookup }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/metadata\.google\.internal names a cloud metadata service/);
    expect(dns.asked).toEqual([]);
    expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
  });

  it('a DNS name that resolves to the metadata address is refused when the connection is made', async () => {
    const dns = fakeDns({ 'tokens.evil.test': ['169.254.169.254'] });
    const host = await registryWithRealm('http://tokens.evil.test/token');
    const info = await clientFor([host], { lookup: dns.lookup }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/tokens\.evil\.test resolves only to refused addresses \(169\.254\.169\.254 is a cloud metadata address\)/);
    expect(dns.asked).toEqual(['tokens.evil.test']);
    expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
  });
});

describe('registry hosts and redirects that reach a refused address', () => {
  it.each(['[::ffff:a9fe:a9fe]', '[64:ff9b::a9fe:a9fe]', '2852039166:80', '0xa9fea9fe:5000', '[fe80::1]', '100.100.100.200'])('image on %s: refused without connecting', async (registry) => {
    const info = await clientFor([]).resolve(`${registry}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(sockets).toEqual([]);
  });

  it.each(['http://[::ffff:169.254.169.254]/blob', 'http://[64:ff9b::a9fe:a9fe]/blob', 'http://0xa9fea9fe/blob', 'https://[fd00:ec2::254]/blob', 'http://[fe80::a9fe:1]/blob'])(
    'a config blob redirected to %s: refused, no connection attempted',
    async (location) => {
      const port = await serve((req, res) => {
        if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
        return res.writeHead(307, { location }).end();
      });
      const host = `127.0.0.1:${port}`;
      const info = await clientFor([host]).resolve(`${host}/app:1`);
      expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
      expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
    },
  );

  it('DNS rebinding: a registry name that later resolves to the metadata address is refused on the new connection', async () => {
    const port = await serve((req, res) => {
      // No keep-alive: every request needs a new connection, so every request resolves the name again.
      res.setHeader('connection', 'close');
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    let answers = ['127.0.0.1'];
    const dns = fakeDns({ 'registry.rebind.test': () => answers });
    const host = `registry.rebind.test:${port}`;
    const client = clientFor([host], { lookup: dns.lookup });
    const first = await client.resolve(`${host}/app:1`);
    expect(first.error).toBeNull();
    expect(first.platformStrings).toEqual(['linux/arm64']);
    answers = ['169.254.169.254'];
    const second = await client.resolve(`${host}/other:1`);
    expect(second.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
    expect(dns.asked.length).toBeGreaterThanOrEqual(3);
  });
});

describe('a refused or broken challenge fails that lookup only', () => {
  /**
   * One registry: a token is good for the repository it was issued for; repositories under `bad/` accept no token
   * and name a metadata realm, the rest a working token server on the registry itself.
   */
  async function mixedRegistry(): Promise<string> {
    let port = 0;
    port = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `for:${url.searchParams.get('scope')}`, expires_in: 300 }));
      }
      const repository = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1] ?? '';
      if (repository.startsWith('bad/')) return res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://[::ffff:a9fe:a9fe]/token",service="reg"' }).end();
      if (req.headers.authorization !== `Bearer for:repository:${repository}:pull`) {
        return res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="reg"` }).end();
      }
      if (url.pathname.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    return `127.0.0.1:${port}`;
  }

  it('after an image names a metadata realm, other images on the same host keep resolving (in either order)', async () => {
    const host = await mixedRegistry();
    const client = clientFor([host]);
    expect((await client.resolve(`${host}/bad/app:1`)).error?.code).toBe('FORBIDDEN_ADDRESS');
    const first = await client.resolve(`${host}/good/app:1`);
    expect(first.error).toBeNull();
    expect(first.platformStrings).toEqual(['linux/arm64']);
    expect((await client.resolve(`${host}/bad/app:2`)).error?.code).toBe('FORBIDDEN_ADDRESS');
    const after = await client.resolve(`${host}/good/other:1`);
    expect(after.error).toBeNull();
    expect(after.platformStrings).toEqual(['linux/arm64']);
    expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
  });

  it.each([
    ['Bearer realm=', /token realm "" is not a URL/],
    ['garbage,,,"', /answered HTTP 401 without a usable challenge \(WWW-Authenticate: "garbage,,,\\""\)/],
    ['Negotiate abc', /answered HTTP 401 without a usable challenge/],
  ])('a transient malformed WWW-Authenticate (%s) fails one lookup; the next lookup of the same image resolves', async (header, message) => {
    let broken = true;
    let port = 0;
    port = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 't' }));
      if (req.headers.authorization !== 'Bearer t') {
        return res.writeHead(401, { 'www-authenticate': broken ? header : `Bearer realm="http://127.0.0.1:${port}/token"` }).end();
      }
      if (url.pathname.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    const host = `127.0.0.1:${port}`;
    const client = clientFor([host]);
    const first = await client.resolve(`${host}/app:1`);
    expect(first.error?.code).toBe('BAD_RESPONSE');
    expect(first.error?.message).toMatch(message);
    broken = false;
    const second = await client.resolve(`${host}/app:1`);
    expect(second.error).toBeNull();
    expect(second.platformStrings).toEqual(['linux/arm64']);
  });

  it("a CDN's 401 on a blob redirect never becomes the registry's challenge", async () => {
    let cdnBroken = true;
    const cdn = await serve((_req, res) => {
      if (cdnBroken) return res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://[::ffff:a9fe:a9fe]/x"' }).end();
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    const port = await serve((req, res) => {
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(307, { location: `http://127.0.0.1:${cdn}/blob` }).end();
    });
    const host = `127.0.0.1:${port}`;
    const client = clientFor([host, `127.0.0.1:${cdn}`]);
    const first = await client.resolve(`${host}/app:1`);
    expect(first.error?.code).toBe('BAD_RESPONSE');
    expect(first.error?.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${cdn}, where ${host} redirected .* answered HTTP 401`));
    cdnBroken = false;
    const second = await client.resolve(`${host}/app:1`);
    expect(second.error).toBeNull();
    expect(sockets.filter((s) => !isLoopback(s))).toEqual([]);
  });
});

describe('credentials are compared after normalization', () => {
  it('a blob redirect to the same registry in another spelling keeps Authorization; to another host in disguise drops it', async () => {
    const seenByOther: Array<string | undefined> = [];
    const other = await serve((req, res) => {
      seenByOther.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    const seenBlobAuth: Array<string | undefined> = [];
    let port = 0;
    let target = '';
    port = await serve((req, res) => {
      if (!req.headers.authorization) return res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      if (req.url?.startsWith('/same/')) {
        seenBlobAuth.push(req.headers.authorization);
        return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
      }
      return res.writeHead(307, { location: target.replace('{port}', String(port)) }).end();
    });
    const host = `127.0.0.1:${port}`;
    const credentials = [{ key: host, credential: { kind: 'basic' as const, username: 'u', password: 'p' }, source: 'test' }];
    const expected = `Basic ${Buffer.from('u:p').toString('base64')}`;

    target = 'http://[::ffff:7f00:1]:{port}/same/blob';
    const same = await clientFor([host], { credentials }).resolve(`${host}/app:1`);
    expect(same.error).toBeNull();
    expect(seenBlobAuth).toEqual([expected]);

    target = `http://[::ffff:127.0.0.1]:${other}/blob`;
    const elsewhere = await clientFor([host, `127.0.0.1:${other}`], { credentials }).resolve(`${host}/app:1`);
    expect(elsewhere.error).toBeNull();
    expect(seenByOther).toEqual([undefined]);
  });

  it('a credential keyed 127.0.0.1:PORT is used for an image named [::ffff:7f00:1]:PORT, and not for another port', async () => {
    const seen: Array<string | undefined> = [];
    const port = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (!req.headers.authorization) return res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    const credentials = [{ key: `127.0.0.1:${port}`, credential: { kind: 'basic' as const, username: 'u', password: 'p' }, source: 'test' }];
    const info = await clientFor([`127.0.0.1:${port}`], { credentials }).resolve(`[::ffff:7f00:1]:${port}/app:1`);
    expect(info.error).toBeNull();
    expect(seen.filter(Boolean).length).toBeGreaterThan(0);
  });
});
