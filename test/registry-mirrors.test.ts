/**
 * Mirrors and pull-through caches as enterprises run them, on two real registries (source and mirror):
 * fall-through, mirror-only, a dead or hanging mirror, path-prefix rewrites, containerd hosts.toml and
 * per-registry CAs, and credentials that follow the endpoint actually contacted.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDockerConfig } from '../core/credentials.js';
import { RegistryClient } from '../core/registry/client.js';
import { loadRegistrySettings } from '../core/registry/settings.js';
import { FixtureBuilder, pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';
import { defaultCredentialSources } from '../core/registry/credential-sources.js';

const PREFIX = 'mirror-prefix';
let source: TestRegistry;
let mirror: TestRegistry;
let tlsMirror: TestRegistry;
let fx: Fixtures;
let hanging: Server;
let hangingHost: string;
const hangingSockets: Socket[] = [];

beforeAll(async () => {
  [source, mirror, tlsMirror] = await Promise.all([
    startRegistry({ name: 'mirror-source' }),
    startRegistry({ name: 'mirror-mirror', auth: 'htpasswd', users: { mirroruser: 'mirrorpass' } }),
    startRegistry({ name: 'mirror-tls', tls: true }),
  ]);
  fx = await pushStandardFixtures(source, { bigManifest: false });
  // The mirror holds a copy of one image under a path prefix, and one image the source does not have.
  const onMirror = new FixtureBuilder(mirror, { refHost: source.host, repoPrefix: `${PREFIX}/` });
  await onMirror.push('library/multi', '1', { kind: 'index', format: 'docker', entries: [{ node: { kind: 'image', config: { os: 'linux', architecture: 'arm64' } } }] });
  await onMirror.push('only/mirror', '1', { kind: 'image', config: { os: 'linux', architecture: 'arm64' } });
  const onTls = new FixtureBuilder(tlsMirror, { refHost: source.host });
  await onTls.push('only/tls', '1', { kind: 'image', config: { os: 'linux', architecture: 's390x' } });
  // Accepts connections and never answers: a mirror that hangs.
  hanging = createServer((socket) => hangingSockets.push(socket));
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  hangingHost = `127.0.0.1:${(hanging.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const s of hangingSockets) s.destroy();
  await Promise.all([source?.stop(), mirror?.stop(), tlsMirror?.stop(), new Promise((r) => hanging?.close(r))]);
});

const mirrorCreds = (): ReturnType<typeof parseDockerConfig> =>
  parseDockerConfig(JSON.stringify({ auths: { [mirror.host]: { username: 'mirroruser', password: 'mirrorpass' } } }), 'mirror creds');

describe('--registry-mirror', () => {
  it('answers from the mirror first, with the mirror path prefix, using the mirror’s own credentials', async () => {
    const client = new RegistryClient(
      { insecureRegistries: [source.host, mirror.host], mirrors: [{ source: source.host, mirror: mirror.host, pathPrefix: PREFIX }] },
      { sources: defaultCredentialSources([], mirrorCreds()) },
    );
    const info = await client.resolve(`${source.host}/library/multi:1`);
    expect(info.error).toBeNull();
    // The mirror's copy differs on purpose (arm64 only), so the answer shows which endpoint served it.
    expect(info.platformStrings).toEqual(['linux/arm64']);
    expect(info.endpoint).toBe(`${mirror.host}/${PREFIX}/library/multi`);
  });

  it('falls through to the source for an image the mirror lacks', async () => {
    const client = new RegistryClient(
      { insecureRegistries: [source.host, mirror.host], mirrors: [{ source: source.host, mirror: mirror.host, pathPrefix: PREFIX }] },
      { sources: defaultCredentialSources([], mirrorCreds()) },
    );
    const info = await client.resolve(fx.singleArm64.ref);
    expect(info.error).toBeNull();
    expect(info.endpoint).toBe(source.host);
  });

  it('does not send the source’s credentials to the mirror: the mirror refuses, the source answers', async () => {
    const sourceOnly = parseDockerConfig(JSON.stringify({ auths: { [source.host]: { username: 'mirroruser', password: 'mirrorpass' } } }), 'source creds');
    const client = new RegistryClient(
      { insecureRegistries: [source.host, mirror.host], mirrors: [{ source: source.host, mirror: mirror.host, pathPrefix: PREFIX }] },
      { sources: defaultCredentialSources([], sourceOnly) },
    );
    const info = await client.resolve(`${source.host}/library/multi:1`);
    expect(info.endpoint).toBe(source.host);
    expect(info.platformStrings).toEqual(fx.multi.expected.labelledPlatformStrings);
  });

  it('with --mirror-only never contacts the source', async () => {
    const settings = await loadRegistrySettings({
      insecureRegistries: [source.host, mirror.host],
      registryMirrors: [`${source.host}=${mirror.host}/${PREFIX}`],
      mirrorOnly: [source.host],
    });
    const client = new RegistryClient(settings.options, { sources: defaultCredentialSources([], mirrorCreds()) });
    const only = await client.resolve(`${source.host}/only/mirror:1`);
    expect(only.error).toBeNull();
    expect(only.platformStrings).toEqual(['linux/arm64']);
    const absent = await client.resolve(fx.singleAmd64.ref);
    expect(absent.error?.code).toBe('NOT_FOUND');
    expect(absent.error?.message).toContain(mirror.host);
  });

  it('falls through a dead mirror and a hanging mirror within the deadline', async () => {
    const client = new RegistryClient({
      insecureRegistries: [source.host, '127.0.0.1:1', hangingHost],
      resolveTimeoutMs: 4000,
      mirrors: [
        { source: source.host, mirror: '127.0.0.1:1', pathPrefix: '' },
        { source: source.host, mirror: hangingHost, pathPrefix: '' },
      ],
    });
    const started = Date.now();
    const info = await client.resolve(fx.buildx.ref);
    expect(info.error).toBeNull();
    expect(info.endpoint).toBe(source.host);
    expect(Date.now() - started).toBeLessThan(4000);
    // The hanging mirror got its share of the deadline before the source was asked.
    expect(Date.now() - started).toBeGreaterThan(1000);
  });
});

describe('--registry-hosts-dir (containerd hosts.toml)', () => {
  function hostsDir(files: Record<string, string>, extra: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'archcheck-certsd-'));
    for (const [registry, toml] of Object.entries(files)) {
      mkdirSync(join(dir, registry));
      writeFileSync(join(dir, registry, 'hosts.toml'), toml);
    }
    for (const [path, content] of Object.entries(extra)) writeFileSync(join(dir, path), content);
    return dir;
  }

  it('uses server, host order, capabilities, override_path and ca like containerd, and reports unsupported keys', async () => {
    const dir = hostsDir(
      {
        [source.host]: `server = "http://${source.host}"

[host."http://${hangingHost}"]
  capabilities = ["pull"]

[host."https://${tlsMirror.host}"]
  capabilities = ["pull", "resolve"]
  ca = "../tls-ca.pem"

[host."http://${mirror.host}/v2/${PREFIX}"]
  capabilities = ["pull", "resolve"]
  override_path = true
  header = { x-team = ["a"] }
`,
      },
      { 'tls-ca.pem': tlsMirror.caCertPem! },
    );
    const settings = await loadRegistrySettings({ registryHostsDir: dir });
    expect(settings.warnings.join('\n')).toMatch(/"header" is not supported/);
    const client = new RegistryClient({ ...settings.options, resolveTimeoutMs: 4000 }, { sources: defaultCredentialSources([], mirrorCreds()) });

    // Tag lookups skip the pull-only (hanging) host; the TLS mirror with its CA answers what only it has.
    const tls = await client.resolve(`${source.host}/only/tls:1`);
    expect(tls.error).toBeNull();
    expect(tls.platformStrings).toEqual(['linux/s390x']);
    expect(tls.endpoint).toBe(`${tlsMirror.host}/only/tls`);

    // override_path: the mirror's path is used as the API root.
    const viaMirror = await client.resolve(`${source.host}/only/mirror:1`);
    expect(viaMirror.platformStrings).toEqual(['linux/arm64']);
    expect(viaMirror.endpoint).toBe(`${mirror.host}/only/mirror`);

    // Nothing has it but the server.
    const fromServer = await client.resolve(fx.singleArmv7.ref);
    expect(fromServer.platformStrings).toEqual(['linux/arm/v7']);
    expect(fromServer.endpoint).toBe(source.host);
  });

  it('rejects a hosts.toml that is not TOML, naming the file', async () => {
    const dir = hostsDir({ 'bad.io': 'server = "unterminated' });
    await expect(loadRegistrySettings({ registryHostsDir: dir })).rejects.toThrow(/bad\.io\/hosts\.toml: not valid TOML/);
  });
});
