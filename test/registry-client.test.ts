/**
 * The registry client against a real registry (Debian's docker-registry, CNCF distribution 2.8) filled by our
 * fixture builder: every answer is compared with what the fixtures were built from.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDockerConfigFile, parseDockerConfig } from '../core/credentials.js';
import { RegistryClient } from '../core/registry/client.js';
import type { RequestEvent } from '../core/registry/transport.js';
import { buildDockerConfig, pushStandardFixtures, writeDockerConfig, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';
import { defaultCredentialSources } from '../core/registry/credential-sources.js';

function dockerConfig(host: string, user: string, pass: string): string {
  return writeDockerConfig(mkdtempSync(join(tmpdir(), 'archcheck-dockercfg-')), buildDockerConfig(host, user, pass));
}

describe('anonymous registry', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'client-anon' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  it('resolves every fixture to the platforms its index labels or config declare', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    for (const f of fx.all) {
      const info = await client.resolve(f.ref);
      if (f.expected.error) {
        expect(info.error?.code, f.id).toBe(f.expected.error);
        expect(info.platforms, f.id).toEqual([]);
        continue;
      }
      expect(info.error, f.id).toBeNull();
      expect(info.platformStrings, f.id).toEqual(f.expected.labelledPlatformStrings);
      expect(info.digest, f.id).toBe(f.digest);
      expect(info.mediaType, f.id).toBe(f.mediaType);
    }
  });

  it('with --verify-platforms, counts each child for the platform its config declares and reports the lie', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host], verifyPlatforms: true });
    for (const f of fx.all.filter((x) => !x.expected.error)) {
      const info = await client.resolve(f.ref);
      expect(info.platformStrings, f.id).toEqual(f.expected.platformStrings);
      expect(info.platforms.filter((p) => p.os === 'windows').map((p) => p.osVersion).sort(), f.id).toEqual(
        f.expected.platforms.filter((p) => p.os === 'windows').map((p) => p.osVersion).sort(),
      );
      for (const m of f.expected.mismatches) {
        expect(info.findings?.join('\n'), f.id).toContain(`platform-mismatch: index says ${m.labelled}, image config says ${m.actual}`);
      }
      if (f.expected.mismatches.length === 0) expect(info.findings, f.id).toBeUndefined();
    }
    const lying = await client.resolve(fx.lyingIndex.ref);
    expect(lying.platformStrings).not.toContain('linux/arm64');
  });

  it('reads the architecture of single-arch images from their config, never assuming amd64', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    expect((await client.resolve(fx.singleArm64.ref)).platformStrings).toEqual(['linux/arm64']);
    expect((await client.resolve(fx.singleAarch64.ref)).platformStrings).toEqual(['linux/arm64']);
    expect((await client.resolve(fx.singleArmv7.ref)).platformStrings).toEqual(['linux/arm/v7']);
    const amd = await client.resolve(fx.singleAmd64.ref);
    expect(amd).toMatchObject({ platformStrings: ['linux/amd64'], multiArch: false });
  });

  it('excludes buildx attestations and normalizes arm64/v8', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    const buildx = await client.resolve(fx.buildx.ref);
    expect(buildx.platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    expect(buildx.platformStrings.join()).not.toContain('unknown');
    const multi = await client.resolve(fx.multi.ref);
    expect(multi.platformStrings).toEqual(fx.multi.expected.platformStrings);
    expect(multi.platformStrings).toContain('linux/arm64');
    expect(multi.multiArch).toBe(true);
  });

  it('fetches by digest when a digest is given: the index, a child, and tag@digest', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    expect((await client.resolve(fx.multi.digestRef)).platformStrings).toEqual(fx.multi.expected.platformStrings);
    const child = await client.resolve(fx.multi.childDigestRef!);
    expect(child.platformStrings).toHaveLength(1);
    expect(child.multiArch).toBe(false);
    const both = await client.resolve(`${registry.host}/${fx.multi.repository}:does-not-exist@${fx.multi.digest}`);
    expect(both.error).toBeNull();
    expect(both.digest).toBe(fx.multi.digest);
  });

  it('says NOT_FOUND for a missing tag and NOT_AN_IMAGE for a Helm chart', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    const missing = await client.resolve(fx.missing.ref);
    expect(missing.error?.code).toBe('NOT_FOUND');
    expect(missing.error?.message).toMatch(/not found/);
    const chart = await client.resolve(fx.helmChart.ref);
    expect(chart.error?.code).toBe('NOT_AN_IMAGE');
    expect(chart.error?.message).toMatch(/helm/i);
  });

  it('trusts a tag for its TTL, then notices with a HEAD that it moved', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host], tagTtlMs: 60_000 });
    await fx.movingTag.moveTag('single');
    expect((await client.resolve(fx.movingTag.ref)).platformStrings).toEqual(['linux/amd64']);
    await fx.movingTag.moveTag('multi');
    expect((await client.resolve(fx.movingTag.ref)).platformStrings).toEqual(['linux/amd64']);
    const shortTtl = new RegistryClient({ insecureRegistries: [registry.host], tagTtlMs: 0 });
    await fx.movingTag.moveTag('single');
    expect((await shortTtl.resolve(fx.movingTag.ref)).platformStrings).toEqual(['linux/amd64']);
    await fx.movingTag.moveTag('multi');
    expect((await shortTtl.resolve(fx.movingTag.ref)).platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('falls back to http for a loopback registry that does not speak TLS, as Docker does', async () => {
    const client = new RegistryClient();
    const info = await client.resolve(fx.multi.ref);
    expect(info.error).toBeNull();
  });
});

describe('htpasswd registry', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'client-htpasswd', auth: 'htpasswd' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  it('resolves with credentials from a Docker config file', async () => {
    const creds = await loadDockerConfigFile(dockerConfig(registry.host, 'alice', 'wonderland'));
    const client = new RegistryClient({ insecureRegistries: [registry.host] }, { sources: defaultCredentialSources([], creds) });
    const info = await client.resolve(fx.privateSecret.ref);
    expect(info.error).toBeNull();
    expect(info.platformStrings).toEqual(fx.privateSecret.expected.labelledPlatformStrings);
  });

  it('says UNAUTHORIZED and what to do without credentials', async () => {
    const info = await new RegistryClient({ insecureRegistries: [registry.host] }).resolve(fx.privateSecret.ref);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(info.error?.message).toMatch(/imagePullSecret|--registry-config/);
  });

  it('tries every matching credential, then anonymous, and names each source it tried', async () => {
    const wrong = parseDockerConfig(JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'nope' } } }), 'pull secret ns/wrong');
    const right = parseDockerConfig(JSON.stringify({ auths: { [`${registry.host}/private`]: { username: 'alice', password: 'wonderland' } } }), 'pull secret ns/right');
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    // The more specific key (host/path) is tried first, as kubelet does, and succeeds.
    expect((await client.resolve(fx.privateSecret.ref, { credentials: [...wrong, ...right] })).error).toBeNull();
    const failed = await client.resolve(fx.privateSecret.ref, { credentials: wrong });
    expect(failed.error?.code).toBe('UNAUTHORIZED');
    expect(failed.error?.message).toContain('pull secret ns/wrong: UNAUTHORIZED');
    expect(failed.error?.message).toContain('anonymous: UNAUTHORIZED');
    expect(failed.error?.message).not.toContain('nope');
  });

  // A digest is not a secret: an answer resolved with namespace B's pull secret is served from cache only to a
  // credential shown able to read that manifest (issue 12 item 6, decision 0021).
  it.each([
    ['by digest', (f: Fixtures) => f.multi.digestRef, (f: Fixtures) => f.multi.digestRef],
    ['by tag, then the same image by digest', (f: Fixtures) => f.multi.ref, (f: Fixtures) => f.multi.digestRef],
  ])('resolved %s with namespace B’s secret, it is not answered for a pod without it (nor with a wrong one)', async (_name, first, second) => {
    const secret = (password: string, source: string) => parseDockerConfig(JSON.stringify({ auths: { [registry.host]: { username: 'alice', password } } }), source);
    const requests: RequestEvent[] = [];
    const client = new RegistryClient({ insecureRegistries: [registry.host] }, { observer: { onRequest: (e) => requests.push(e) } });
    const b = await client.resolve(first(fx), { credentials: secret('wonderland', 'pull secret b/regcred') });
    expect(b.error).toBeNull();
    expect(b.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);

    const a = await client.resolve(second(fx));
    expect(a.error?.code).toBe('UNAUTHORIZED');
    expect(a.platformStrings).toEqual([]);
    const c = await client.resolve(second(fx), { credentials: secret('not-it', 'pull secret c/regcred') });
    expect(c.error?.code).toBe('UNAUTHORIZED');

    // B itself keeps being answered from the cache: one HEAD at most proves it, and no manifest is fetched again.
    const before = requests.length;
    const again = await client.resolve(second(fx), { credentials: secret('wonderland', 'pull secret b/regcred') });
    expect(again.error).toBeNull();
    expect(again.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
    expect(requests.slice(before).filter((r) => r.method === 'GET' && r.code === '200')).toEqual([]);
  });
});

describe('token-auth registry', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'client-token', auth: 'token' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  it('pulls public repositories anonymously with one token per scope, reused until it expires', async () => {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    registry.token!.reset();
    expect((await client.resolve(fx.multi.ref)).platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
    expect((await client.resolve(fx.multi.digestRef)).error).toBeNull();
    expect((await client.resolve(fx.singleArm64.ref)).platformStrings).toEqual(['linux/arm64']);
    const scopes = registry.token!.requests.flatMap((r) => r.scopes);
    expect(scopes.filter((s) => s === `repository:${fx.multi.repository}:pull`)).toHaveLength(1);
    expect(scopes.filter((s) => s === `repository:${fx.singleArm64.repository}:pull`)).toHaveLength(1);
    expect(registry.token!.requests.every((r) => !r.presentedCredentials)).toBe(true);
  });

  it('pulls private repositories with basic credentials exchanged at the realm', async () => {
    const creds = parseDockerConfig(JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'wonderland' } } }), 'test');
    const client = new RegistryClient({ insecureRegistries: [registry.host] }, { sources: defaultCredentialSources([], creds) });
    const info = await client.resolve(fx.privateSecret.ref);
    expect(info.error).toBeNull();
    expect(info.platformStrings).toEqual(fx.privateSecret.expected.labelledPlatformStrings);
    const anon = await new RegistryClient({ insecureRegistries: [registry.host] }).resolve(fx.privateSecret.ref);
    expect(anon.error?.code).toBe('UNAUTHORIZED');
  });

  it('accepts token responses that carry only access_token', async () => {
    registry.token!.setResponseShape('access_token');
    try {
      const info = await new RegistryClient({ insecureRegistries: [registry.host] }).resolve(fx.indexNested.ref);
      expect(info.platformStrings).toEqual(fx.indexNested.expected.labelledPlatformStrings);
    } finally {
      registry.token!.setResponseShape('both');
    }
  });

  it('pulls private repositories with an identity (refresh) token', async () => {
    const refresh = registry.token!.issueRefreshToken('alice');
    const creds = parseDockerConfig(JSON.stringify({ auths: { [registry.host]: { identitytoken: refresh } } }), 'test');
    const client = new RegistryClient({ insecureRegistries: [registry.host] }, { sources: defaultCredentialSources([], creds) });
    expect((await client.resolve(fx.privateSecret.ref)).error).toBeNull();
    const post = registry.token!.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({ grantType: 'refresh_token', authenticated: true, user: 'alice' });
  });
});

describe('TLS registry with a private CA', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'client-tls', tls: true });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());

  it('is accepted with a CA for that host (registryCAs) and refused without it', async () => {
    const trusted = new RegistryClient({ registryCAs: { [registry.host]: registry.caCertPem! } });
    expect((await trusted.resolve(fx.multi.ref)).platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
    const untrusted = await new RegistryClient({ resolveTimeoutMs: 3000 }).resolve(fx.multi.ref);
    expect(untrusted.error?.code).toBe('UNREACHABLE');
    expect(untrusted.error?.message).toMatch(/certificate/i);
    // Core names the setting (registryCAs), never a flag of one shell.
    expect(untrusted.error?.message).toMatch(/registryCAs/);
    expect(untrusted.error?.message).not.toMatch(/--/);
  });

  it('does not use the CA for other hosts', async () => {
    const client = new RegistryClient({ registryCAs: { 'other.example:443': registry.caCertPem! }, resolveTimeoutMs: 3000 });
    expect((await client.resolve(fx.multi.ref)).error?.code).toBe('UNREACHABLE');
  });
});
