/**
 * A refused or broken auth challenge fails only the lookup it happened in, and credentials (Authorization, keyed
 * credentials) are compared by canonical host — against a hostile registry on loopback, with every socket recorded.
 */
import { describe, expect, it } from 'vitest';
import { MediaTypes } from './media-types.js';
import { armConfig, armManifest, loopbackServers } from './testing/loopback-registry.js';
import { clientFor, isLoopback, recordSockets } from './testing/ssrf-harness.js';

const serve = loopbackServers();
const recorder = recordSockets();
const config = armConfig;
const manifest = armManifest;

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
    expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
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
    expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
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
