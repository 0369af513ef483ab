import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizePlatform, platformString } from '../../core/platform.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';
import { buildDockerConfig, pushStandardFixtures, type Fixtures } from './fixtures.js';
import { basicAuthorization, harnessFetch } from './http.js';
import { FULL_MANIFEST_ACCEPT, MediaType } from './oci.js';
import { startRegistry, type TestRegistry } from './registry.js';

interface Served {
  status: number;
  contentType: string | null;
  digest: string | null;
  body: string;
}

async function getManifest(reg: TestRegistry, repo: string, ref: string, headers: Record<string, string> = {}): Promise<Served> {
  const res = await reg.fetch(`/v2/${repo}/manifests/${ref}`, { headers: { accept: FULL_MANIFEST_ACCEPT, ...headers } });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    digest: res.headers.get('docker-content-digest'),
    body: await res.text(),
  };
}

interface ManifestJson {
  mediaType?: string;
  config?: { mediaType: string; digest: string };
  manifests?: Array<{ digest: string; mediaType: string; platform?: Record<string, string>; annotations?: Record<string, string> }>;
}

/**
 * What a user would conclude by hand from the registry: the configs' platforms, walking
 * indexes (nested ones too) and skipping attestations. Written independently of the
 * fixture builder so the two check each other.
 */
async function platformsFromRegistry(reg: TestRegistry, repo: string, ref: string, headers: Record<string, string> = {}): Promise<string[]> {
  const served = await getManifest(reg, repo, ref, headers);
  expect(served.status, `${repo}:${ref}`).toBe(200);
  const manifest = JSON.parse(served.body) as ManifestJson;
  if (manifest.manifests) {
    const children = manifest.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
    const nested = await Promise.all(children.map((m) => platformsFromRegistry(reg, repo, m.digest, headers)));
    return [...new Set(nested.flat())].sort();
  }
  const config = manifest.config;
  if (!config || config.mediaType === MediaType.helmConfig) return [];
  const res = await reg.fetch(`/v2/${repo}/blobs/${config.digest}`, { headers });
  const json = (await res.json()) as Record<string, unknown>;
  return [platformString(normalizePlatform(json))];
}

async function anonymousToken(reg: TestRegistry, scope: string, authorization?: string): Promise<string> {
  const url = new URL(reg.token?.realm ?? '');
  url.searchParams.set('service', reg.token?.service ?? '');
  url.searchParams.set('scope', scope);
  const res = await harnessFetch(url, { dispatcher: reg.dispatcher, headers: authorization ? { authorization } : {} });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
  expect(body.token).toBe(body.access_token);
  return body.token;
}

describe('anonymous registry with the standard fixtures', () => {
  let reg: TestRegistry;
  let fx: Fixtures;

  beforeAll(async () => {
    reg = await startRegistry({ name: 'anon' });
    fx = await pushStandardFixtures(reg);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('serves the manifest list with its own Content-Type when every manifest type is accepted', async () => {
    const served = await getManifest(reg, 'library/multi', '1');
    expect(served.status).toBe(200);
    expect(served.contentType).toBe(MediaType.dockerManifestList);
    expect(served.digest).toBe(fx.multi.digest);
    expect(fx.multi.ref).toBe(`${reg.host}/library/multi:1`);
  });

  it('documents the Accept trap: with only the Docker v2 type, a list tag silently becomes its amd64 child', async () => {
    const amd64Child = fx.multi.root.entries.find((e) => e.label?.architecture === 'amd64');
    const served = await getManifest(reg, 'library/multi', '1', { accept: MediaType.dockerManifest });
    expect(served.status).toBe(200);
    expect(served.contentType).toBe(MediaType.dockerManifest);
    expect(served.digest).toBe(amd64Child?.digest);
    // Looks like a perfectly good single-arch amd64 image.
    expect(await platformsFromRegistry(reg, 'library/multi', '1', { accept: MediaType.dockerManifest })).toEqual(['linux/amd64']);
  });

  it('documents the rest of the trap: no Accept gives schema1, OCI documents 404 without their types', async () => {
    const none = await getManifest(reg, 'library/multi', '1', { accept: '' });
    expect(none.contentType).toBe(MediaType.dockerSchema1Signed);
    expect(JSON.parse(none.body)).toMatchObject({ schemaVersion: 1, architecture: 'amd64' });

    const ociIndex = await getManifest(reg, 'buildx/app', '1', { accept: MediaType.dockerManifest });
    expect(ociIndex.status).toBe(404);
    expect(ociIndex.body).toContain('MANIFEST_UNKNOWN');

    // By digest there is no rewriting: the list itself comes back.
    const byDigest = await getManifest(reg, 'library/multi', fx.multi.digest, { accept: MediaType.dockerManifest });
    expect(byDigest.contentType).toBe(MediaType.dockerManifestList);
  });

  it('tags resolve by HEAD to the fixture digests, and If-None-Match revalidates with 304', async () => {
    for (const f of fx.all) {
      const res = await reg.fetch(`/v2/${f.repository}/manifests/${f.tag}`, { method: 'HEAD', headers: { accept: FULL_MANIFEST_ACCEPT } });
      expect(res.status, f.id).toBe(200);
      expect(res.headers.get('docker-content-digest'), f.id).toBe(f.digest);
      expect(res.headers.get('content-type'), f.id).toBe(f.mediaType);
    }
    const revalidate = await getManifest(reg, 'library/multi', '1', { 'if-none-match': `"${fx.multi.digest}"` });
    expect(revalidate.status).toBe(304);
  });

  it('fixture expectations agree with what the registry actually serves', async () => {
    const runnable = fx.all.filter((f) => f.expected.error === undefined);
    expect(runnable.length).toBeGreaterThan(10);
    for (const f of runnable) {
      expect(await platformsFromRegistry(reg, f.repository, f.tag), f.id).toEqual(f.expected.platformStrings);
    }
    expect(fx.multi.expected.platformStrings).toEqual(['linux/386', 'linux/amd64', 'linux/arm/v7', 'linux/arm64']);
    expect(fx.singleAarch64.expected.platformStrings).toEqual(['linux/arm64']);
    expect(fx.indexNoPlatform.expected.platformStrings).toEqual(['linux/amd64', 'linux/arm/v7', 'linux/arm64']);
    expect(fx.helmChart.expected.error).toBe('NOT_AN_IMAGE');
  });

  it('describes the awkward fixtures as pushed', async () => {
    const buildx = JSON.parse((await getManifest(reg, 'buildx/app', '1')).body) as ManifestJson;
    const attestations = buildx.manifests?.filter((m) => m.platform?.architecture === 'unknown') ?? [];
    expect(attestations).toHaveLength(2);
    for (const a of attestations) {
      expect(a.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
      expect(buildx.manifests?.map((m) => m.digest)).toContain(a.annotations?.['vnd.docker.reference.digest']);
    }

    const noPlatform = JSON.parse((await getManifest(reg, 'index/noplatform', '1')).body) as ManifestJson;
    expect(noPlatform.manifests?.every((m) => m.platform === undefined)).toBe(true);

    const win = fx.winMixed.expected.platforms.filter((p) => p.os === 'windows').map((p) => p.osVersion);
    expect(win).toEqual(['10.0.17763.6532', '10.0.20348.2849']);
    expect(fx.winMixed.expected.multiArch).toBe(false);

    expect(fx.lyingIndex.expected.labelledPlatformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    expect(fx.lyingIndex.expected.platformStrings).toEqual(['linux/amd64']);
    expect(fx.lyingIndex.expected.mismatches).toMatchObject([{ labelled: 'linux/arm64', actual: 'linux/amd64' }]);
    expect(fx.lyingVariant.expected.mismatches).toMatchObject([{ labelled: 'linux/arm/v7', actual: 'linux/arm/v6' }]);

    const child = await getManifest(reg, 'library/multi', fx.multi.childDigestRef?.split('@')[1] ?? 'x');
    expect(child.contentType).toBe(MediaType.dockerManifest);
  });

  it('answers 404 MANIFEST_UNKNOWN for the missing tag', async () => {
    const served = await getManifest(reg, fx.missing.repository, fx.missing.tag);
    expect(served.status).toBe(404);
    expect(served.body).toContain('MANIFEST_UNKNOWN');
  });

  it('refuses a manifest over 4 MiB', () => {
    expect(fx.bigManifest).toMatchObject({ pushed: false, status: 400 });
    expect(fx.bigManifest?.bytes).toBeGreaterThan(4 * 1024 * 1024);
  });

  it('moves the moving tag and back', async () => {
    const head = async (): Promise<string | null> =>
      (await reg.fetch(`/v2/moving/tag/manifests/latest`, { method: 'HEAD', headers: { accept: FULL_MANIFEST_ACCEPT } })).headers.get(
        'docker-content-digest',
      );
    expect(await head()).toBe(fx.movingTag.before.digest);
    const after = await fx.movingTag.moveTag();
    expect(after.expected.platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    expect(await head()).toBe(fx.movingTag.after.digest);
    expect(fx.movingTag.current()).toBe(after);
    await fx.movingTag.moveTag('single');
    expect(await head()).toBe(fx.movingTag.before.digest);
  });

  it('keeps its images across restart()', async () => {
    await reg.restart();
    expect((await getManifest(reg, 'single/arm64', '1')).digest).toBe(fx.singleArm64.digest);
    expect(reg.logs()).toContain('listening on 127.0.0.1');
  });

  describe('behind a counting proxy', () => {
    let proxy: CountingProxy;
    let blobHost: CountingProxy;

    beforeAll(async () => {
      proxy = await startCountingProxy(reg.url);
      blobHost = await startCountingProxy(reg.url);
    });
    afterAll(async () => {
      await proxy?.stop();
      await blobHost?.stop();
    });

    const viaProxy = (path: string, init: Parameters<typeof harnessFetch>[1] = {}) => harnessFetch(`${proxy.url}${path}`, init);

    it('records method, path, Accept and Authorization presence', async () => {
      proxy.reset();
      await (await viaProxy('/v2/')).text();
      await (await viaProxy('/v2/library/multi/manifests/1', { method: 'HEAD', headers: { accept: FULL_MANIFEST_ACCEPT } })).text();
      await (await viaProxy('/v2/library/multi/manifests/1', { headers: { authorization: 'Bearer x' } })).text();
      expect(proxy.requests.map((r) => [r.method, r.kind, r.status])).toEqual([
        ['GET', 'base', 200],
        ['HEAD', 'manifest', 200],
        ['GET', 'manifest', 200],
      ]);
      expect(proxy.requests[1]).toMatchObject({ repository: 'library/multi', reference: '1', accept: FULL_MANIFEST_ACCEPT, hasAuthorization: false });
      expect(proxy.requests[1]?.dockerContentDigest).toBe(fx.multi.digest);
      expect(proxy.requests[2]).toMatchObject({ hasAuthorization: true, authScheme: 'Bearer' });
      expect(proxy.count({ kind: 'manifest', method: 'GET' })).toBe(1);
    });

    it('injects a 429 with Retry-After and ratelimit headers, then lets requests through', async () => {
      proxy.reset();
      proxy.inject({ kind: 'rateLimit', retryAfter: 2, remaining: 0, times: 2, match: { kind: 'manifest' } });
      const first = await viaProxy('/v2/library/multi/manifests/1', { headers: { accept: FULL_MANIFEST_ACCEPT } });
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('2');
      expect(first.headers.get('ratelimit-remaining')).toBe('0;w=21600');
      expect(await first.text()).toContain('TOOMANYREQUESTS');
      expect((await viaProxy('/v2/')).status).toBe(200); // does not match: not consumed
      expect((await viaProxy('/v2/library/multi/manifests/1', { method: 'HEAD' })).status).toBe(429);
      expect((await viaProxy('/v2/library/multi/manifests/1', { method: 'HEAD' })).status).toBe(200);
      expect(proxy.requests.map((r) => r.fault)).toEqual(['rateLimit', undefined, 'rateLimit', undefined]);
    });

    it('injects 503, delays and dropped connections', async () => {
      proxy.reset();
      proxy.inject({ kind: 'status', status: 503 });
      expect((await viaProxy('/v2/')).status).toBe(503);
      proxy.inject({ kind: 'delay', ms: 300 });
      const started = Date.now();
      expect((await viaProxy('/v2/')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      proxy.inject({ kind: 'drop' });
      await expect(viaProxy('/v2/')).rejects.toThrow();
      expect((await viaProxy('/v2/')).status).toBe(200);
    });

    it('redirects blob GETs to another host, which records whether Authorization followed', async () => {
      proxy.reset();
      blobHost.reset();
      const manifest = JSON.parse((await getManifest(reg, 'single/arm64', '1')).body) as ManifestJson;
      const blobPath = `/v2/single/arm64/blobs/${manifest.config?.digest ?? ''}`;
      proxy.inject({ kind: 'redirect', to: blobHost.url, times: 2 });

      const manual = await viaProxy(blobPath, { redirect: 'manual', headers: { authorization: 'Bearer secret' } });
      expect(manual.status).toBe(307);
      expect(manual.headers.get('location')).toBe(`${blobHost.url}${blobPath}`);

      // undici's fetch follows the redirect and, per the Fetch standard, drops Authorization cross-origin.
      const followed = await viaProxy(blobPath, { headers: { authorization: 'Bearer secret' } });
      expect(followed.status).toBe(200);
      expect(JSON.parse(await followed.text())).toMatchObject({ architecture: 'arm64' });
      expect(blobHost.requests).toHaveLength(1);
      expect(blobHost.requests[0]).toMatchObject({ kind: 'blob', hasAuthorization: false });
    });
  });
});

describe('htpasswd registry', () => {
  let reg: TestRegistry;
  let fx: Fixtures;

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd', name: 'htpasswd' });
    fx = await pushStandardFixtures(reg, { bigManifest: false });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('challenges with Basic and accepts only the right password', async () => {
    const anonymous = await reg.fetch('/v2/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const { username, password } = reg.credentials ?? { username: '', password: '' };
    expect(username).toBe('alice');
    expect((await reg.fetch('/v2/', { headers: { authorization: basicAuthorization(username, 'wrong') } })).status).toBe(401);
    const ok = await getManifest(reg, 'library/multi', '1', { authorization: basicAuthorization(username, password) });
    expect(ok.status).toBe(200);
    expect(ok.digest).toBe(fx.multi.digest);
  });

  it('builds a docker config.json for the registry', () => {
    const config = buildDockerConfig(reg.host, 'alice', 'wonderland');
    expect(config.auths[reg.host]?.auth).toBe(Buffer.from('alice:wonderland').toString('base64'));
  });
});

describe('token registry', () => {
  let reg: TestRegistry;
  let fx: Fixtures;

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token', name: 'token' });
    fx = await pushStandardFixtures(reg, { bigManifest: false });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('challenges with Bearer realm, service and scope', async () => {
    const res = await reg.fetch('/v2/library/multi/manifests/1');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.token?.realm}",service="${reg.token?.service}",scope="repository:library/multi:pull"`,
    );
  });

  it('lets anonymous callers pull public repositories with an anonymous token', async () => {
    reg.token?.reset();
    const token = await anonymousToken(reg, 'repository:library/multi:pull');
    const served = await getManifest(reg, 'library/multi', '1', { authorization: `Bearer ${token}` });
    expect(served.status).toBe(200);
    expect(served.digest).toBe(fx.multi.digest);
    expect(reg.token?.requests).toMatchObject([{ scopes: ['repository:library/multi:pull'], authenticated: false, status: 200 }]);
  });

  it('keeps private/ repositories 401 without credentials and 200 with the token flow', async () => {
    expect(fx.privateSecret.privateRepository).toBe(true);
    reg.token?.reset();
    const scope = 'repository:private/secret:pull';
    const anonymous = await anonymousToken(reg, scope);
    const denied = await getManifest(reg, 'private/secret', '1', { authorization: `Bearer ${anonymous}` });
    expect(denied.status).toBe(401);
    expect(denied.body).toContain('UNAUTHORIZED');

    const { username, password } = reg.credentials ?? { username: '', password: '' };
    const token = await anonymousToken(reg, scope, basicAuthorization(username, password));
    const ok = await getManifest(reg, 'private/secret', '1', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.digest).toBe(fx.privateSecret.digest);
    expect(reg.token?.requests.map((r) => [r.authenticated, r.user])).toEqual([
      [false, undefined],
      [true, 'alice'],
    ]);

    const url = new URL(reg.token?.realm ?? '');
    url.searchParams.set('service', reg.token?.service ?? '');
    url.searchParams.set('scope', scope);
    const wrong = await harnessFetch(url, { headers: { authorization: basicAuthorization(username, 'nope') } });
    expect(wrong.status).toBe(401);
  });

  it('supports the OAuth2 form flow with refresh (identity) tokens', async () => {
    const token = reg.token;
    if (!token) throw new Error('no token server');
    const post = async (form: Record<string, string>) => {
      const res = await harnessFetch(token.realm, { method: 'POST', body: new URLSearchParams(form) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const scope = 'repository:private/secret:pull';
    const login = await post({ grant_type: 'password', username: 'alice', password: 'wonderland', service: token.service, scope, client_id: 'archcheck', access_type: 'offline' });
    expect(login.status).toBe(200);
    expect(typeof login.body.refresh_token).toBe('string');

    const refreshed = await post({ grant_type: 'refresh_token', refresh_token: String(login.body.refresh_token), service: token.service, scope, client_id: 'archcheck' });
    expect(refreshed.status).toBe(200);
    const ok = await getManifest(reg, 'private/secret', '1', { authorization: `Bearer ${String(refreshed.body.access_token)}` });
    expect(ok.status).toBe(200);

    const identityToken = token.issueRefreshToken('alice');
    expect(buildDockerConfig(reg.host, 'alice', '', { identityToken }).auths[reg.host]?.identitytoken).toBe(identityToken);
    token.revokeRefreshTokens();
    expect((await post({ grant_type: 'refresh_token', refresh_token: identityToken, service: token.service, scope })).status).toBe(401);
    expect(token.requests.at(-1)).toMatchObject({ method: 'POST', grantType: 'refresh_token', authenticated: false, status: 401 });
  });

  it('lets tests set expires_in and the token field names', async () => {
    const token = reg.token;
    if (!token) throw new Error('no token server');
    const url = new URL(token.realm);
    url.searchParams.set('service', token.service);
    url.searchParams.set('scope', 'repository:library/multi:pull');
    token.setExpiresIn(7);
    token.setResponseShape('access_token');
    const body = (await (await harnessFetch(url)).json()) as Record<string, unknown>;
    expect(body.expires_in).toBe(7);
    expect(body.token).toBeUndefined();
    expect(typeof body.access_token).toBe('string');
    token.setExpiresIn(undefined);
    token.setResponseShape('both');
    expect(((await (await harnessFetch(url)).json()) as Record<string, unknown>).expires_in).toBeUndefined();
    token.setExpiresIn(300);
  });
});

describe('TLS registry with a private CA (token auth over https)', () => {
  let reg: TestRegistry;
  let fx: Fixtures;

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token', tls: true, name: 'tls' });
    fx = await pushStandardFixtures(reg, { bigManifest: false });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('is refused without the CA and served with it', async () => {
    expect(reg.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(reg.caCertPem).toContain('BEGIN CERTIFICATE');
    await expect(harnessFetch(`${reg.url}/v2/`)).rejects.toThrow();
    expect((await reg.fetch('/v2/')).status).toBe(401);
  });

  it('runs the token flow against an https realm', async () => {
    expect(reg.token?.realm).toMatch(/^https:/);
    const token = await anonymousToken(reg, 'repository:single/arm64:pull');
    const served = await getManifest(reg, 'single/arm64', '1', { authorization: `Bearer ${token}` });
    expect(served.status).toBe(200);
    expect(served.digest).toBe(fx.singleArm64.digest);
  });
});
