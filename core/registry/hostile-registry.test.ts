/**
 * Behaviours a well-behaved registry never shows but a hostile or broken one can: these run against small
 * loopback HTTP servers that misbehave on purpose. Well-behaved flows are tested against the real registry in test/.
 */
import { describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { MediaTypes } from './media-types.js';
import { armConfig, armManifest, loopbackServers, sha256, type Handler } from './testing/loopback-registry.js';
import { parseRetryAfter } from './transport.js';
import { defaultCredentialSources } from './credential-sources.js';

const servePort = loopbackServers();
const serve = async (handler: Handler): Promise<string> => `127.0.0.1:${await servePort(handler)}`;
const sha = sha256;
const config = armConfig;
const manifest = armManifest;

function client(host: string, extra: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  return new RegistryClient({ insecureRegistries: [host], resolveTimeoutMs: 3000, requestTimeoutMs: 1000, ...extra });
}

describe('registry client against misbehaving registries', () => {
  it('refuses a token realm on a link-local (cloud metadata) address', async () => {
    const host = await serve((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://169.254.169.254/latest/meta-data",service="x"' }).end();
    });
    const info = await client(host).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/169\.254\.169\.254/);
  });

  it('does not forward Authorization when a blob redirects to another host', async () => {
    const seen: Array<string | undefined> = [];
    const cdn = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    const host = await serve((req, res) => {
      if (!req.headers.authorization) return res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(307, { location: `http://${cdn}/blob` }).end();
    });
    const c = new RegistryClient(
      { insecureRegistries: [host, cdn], resolveTimeoutMs: 3000 },
      { sources: defaultCredentialSources([], [{ key: host, credential: { kind: 'basic', username: 'u', password: 'p' }, source: 'test' }]) },
    );
    const info = await c.resolve(`${host}/app:1`);
    expect(info.error).toBeNull();
    expect(info.platformStrings).toEqual(['linux/arm64']);
    expect(seen).toEqual([undefined]);
  });

  it('rejects a manifest larger than 4 MiB without reading it all', async () => {
    const host = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MediaTypes.ociManifest, 'content-length': String(5 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    });
    const info = await client(host).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('BAD_RESPONSE');
    expect(info.error?.message).toMatch(/exceeds the 4194304-byte limit/);
  });

  it('rejects a manifest whose bytes do not match the digest it claims', async () => {
    const host = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MediaTypes.ociManifest, 'docker-content-digest': sha('something else') }).end(manifest);
    });
    const info = await client(host).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('BAD_RESPONSE');
    expect(info.error?.message).toMatch(/hashes to/);
  });

  it('rejects content fetched by digest that does not hash to that digest', async () => {
    const host = await serve((_req, res) => res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest));
    const info = await client(host).resolve(`${host}/app@${sha('other')}`);
    expect(info.error?.code).toBe('BAD_RESPONSE');
    expect(info.error?.message).toMatch(/does not match its digest/);
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    let calls = 0;
    const host = await serve((req, res) => {
      calls++;
      if (calls === 1) return res.writeHead(429, { 'retry-after': '1', 'ratelimit-remaining': '0;w=21600' }).end();
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(200).end(config);
    });
    const c = client(host);
    const started = Date.now();
    const info = await c.resolve(`${host}/app:1`);
    expect(info.error).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(c.rateLimitRemaining(host)).toBe(0);
  });

  it('gives up with RATE_LIMITED when Retry-After is beyond the deadline', async () => {
    const host = await serve((_req, res) => res.writeHead(429, { 'retry-after': '60', 'ratelimit-remaining': '0' }).end());
    const info = await client(host).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('RATE_LIMITED');
    expect(info.error?.message).toMatch(/ratelimit-remaining 0/);
  });

  it('times out a registry that never answers, within the deadline', async () => {
    const host = await serve(() => undefined);
    const started = Date.now();
    const info = await client(host, { resolveTimeoutMs: 1500, requestTimeoutMs: 500 }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports schema1 manifests with the architecture they declare', async () => {
    const body = JSON.stringify({ schemaVersion: 1, name: 'app', tag: '1', architecture: 'amd64', fsLayers: [] });
    const host = await serve((_req, res) => res.writeHead(200, { 'content-type': MediaTypes.dockerSchema1Signed }).end(body));
    const info = await client(host).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('UNSUPPORTED_SCHEMA1');
    expect(info.error?.message).toMatch(/architecture "amd64"/);
  });

  it('classifies an application/json manifest by its body', async () => {
    const host = await serve((req, res) => {
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': 'application/json' }).end(manifest);
      return res.writeHead(200).end(config);
    });
    const info = await client(host).resolve(`${host}/app:1`);
    expect(info.platformStrings).toEqual(['linux/arm64']);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['5', 5000],
    ['0', 0],
    [new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), 10_000],
    ['soon', undefined],
    [null, undefined],
  ])('%s', (v, want) => {
    expect(parseRetryAfter(v, Date.UTC(2030, 0, 1, 0, 0, 0))).toBe(want);
  });
});
