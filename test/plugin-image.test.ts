/** `kubectl archcheck image` as users run it: the real executable (through kubectl's plugin lookup) against a real registry. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDockerConfig, pushStandardFixtures, writeDockerConfig, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

const bin = join(import.meta.dirname, '..', 'bin');
function archcheck(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const home = mkdtempSync(join(tmpdir(), 'archcheck-home-'));
  const r = spawnSync('kubectl', ['archcheck', ...args], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home, DOCKER_CONFIG: join(home, '.docker'), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('kubectl archcheck image', () => {
  let registry: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ name: 'plugin-image', auth: 'htpasswd' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
  });
  afterAll(() => registry?.stop());
  const aliceConfig = (): string => writeDockerConfig(mkdtempSync(join(tmpdir(), 'archcheck-cfg-')), buildDockerConfig(registry.host, 'alice', 'wonderland'));

  it('prints the documented JSON shape and exits 0 when every image resolved', () => {
    const cfg = aliceConfig();
    const r = archcheck(['image', '-o', 'json', '--registry-config', cfg, fx.buildx.ref, fx.singleArmv7.ref]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { images: Array<Record<string, unknown>> };
    expect(out.images).toHaveLength(2);
    expect(out.images[0]).toMatchObject({
      reference: fx.buildx.ref,
      canonical: fx.buildx.ref,
      digest: fx.buildx.digest,
      mediaType: fx.buildx.mediaType,
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      platformStrings: ['linux/amd64', 'linux/arm64'],
      multiArch: true,
      error: null,
    });
    expect(out.images[1]).toMatchObject({ platformStrings: ['linux/arm/v7'], multiArch: false, error: null });
  });

  it('exits 1 with the error code and an actionable message when an image cannot be read', () => {
    const r = archcheck(['image', '-o', 'json', fx.privateSecret.ref, fx.missing.ref.replace('library/multi:nope', 'nginx')]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { images: Array<{ platforms: unknown[]; error: { code: string; message: string } }> };
    expect(out.images[0]!.platforms).toEqual([]);
    expect(out.images[0]!.error.code).toBe('UNAUTHORIZED');
    expect(out.images[0]!.error.message).toMatch(/imagePullSecret or an entry in the registry config \(registryConfig/);
  });

  it('prints a table by default, with findings for an index that lies', () => {
    const r = archcheck(['image', fx.multi.ref, fx.lyingIndex.ref, '--registry-config', '/dev/null/none'.replace('/none', '')]);
    // /dev/null is not a Docker config: a usage error, exit 2, one line.
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const cfg = aliceConfig();
    const ok = archcheck(['image', '--verify-platforms', '--registry-config', cfg, fx.multi.ref, fx.lyingIndex.ref]);
    expect(ok.stdout).toMatch(/^IMAGE\s+KIND\s+PLATFORMS/);
    expect(ok.stdout).toContain('linux/386, linux/amd64, linux/arm/v7, linux/arm64');
    expect(ok.stdout).toContain('platform-mismatch: index says linux/arm64, image config says linux/amd64');
    // Without --verify-platforms the label is trusted: one request per index, no finding.
    const trusting = archcheck(['image', '--registry-config', cfg, fx.lyingIndex.ref]);
    expect(trusting.stdout).not.toContain('platform-mismatch');
  });

  it('exits 2 on usage errors, with one line and no stack trace', () => {
    for (const args of [['image'], ['image', '-o', 'xml', 'nginx'], ['image', '--timeout', 'soon', 'nginx'], ['nope']]) {
      const r = archcheck(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('prints -o yaml (the JSON shape) and --no-headers rows', () => {
    const cfg = aliceConfig();
    const yaml = archcheck(['image', '-o', 'yaml', '--registry-config', cfg, fx.buildx.ref]);
    expect(yaml.code).toBe(0);
    const json = archcheck(['image', '-o', 'json', '--registry-config', cfg, fx.buildx.ref]);
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    expect(yaml.stdout).not.toMatch(/[&*]a\d+\b/);
    const rows = archcheck(['image', '--no-headers', '--registry-config', cfg, fx.buildx.ref]);
    expect(rows.stdout).toMatch(new RegExp(`^${fx.buildx.ref.replace(/[.]/g, '\\.')}\\s+multi-arch\\s+linux/amd64, linux/arm64\\n$`));
  });

  it('reports an invalid reference as INVALID_REFERENCE', () => {
    const r = archcheck(['image', '-o', 'json', 'Docker.io/UPPER/case']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).images[0].error.code).toBe('INVALID_REFERENCE');
  });
});
