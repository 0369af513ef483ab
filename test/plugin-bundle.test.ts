/**
 * kubectl archcheck installed the way users install it: the single-file bundle (`npm run bundle`), its krew manifest
 * and archive, and the npm package — then run from an empty directory with only `node` on PATH (no node_modules, no
 * repository) against the real test cluster and a real registry: image, audit, nodes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AuditReport } from '../plugin/audit/report.js';
import type { TestCluster } from './cluster/cluster.js';
import { startClusterSerialized } from './e2e/harness.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

const root = join(import.meta.dirname, '..');
let out: string;

interface KrewPlatform {
  selector: { matchLabels: { os: string; arch: string } };
  uri: string;
  sha256: string;
  files: Array<{ from: string; to: string }>;
  bin: string;
}
interface KrewManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version: string; homepage: string; shortDescription: string; description: string; platforms: KrewPlatform[] };
}

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'archcheck-bundle-'));
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-plugin.mjs'), '--out', out], { stdio: 'pipe' });
}, 120_000);

describe('the krew manifest and its archive', () => {
  it('is a valid v1alpha2 Plugin for linux/darwin/windows × amd64/arm64 whose archive holds what it points at', () => {
    const manifest = parse(readFileSync(join(out, 'krew', 'archcheck.yaml'), 'utf8')) as KrewManifest;
    expect(manifest.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(manifest.kind).toBe('Plugin');
    expect(manifest.metadata.name).toBe('archcheck');
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.spec.version).toBe(`v${version}`);
    expect(manifest.spec.homepage).toMatch(/^https:\/\//);
    expect(manifest.spec.shortDescription.length).toBeGreaterThan(0);
    expect(manifest.spec.platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`).sort()).toEqual([
      'darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64', 'windows/amd64', 'windows/arm64',
    ]);
    const archive = join(out, 'krew', `kubectl-archcheck-v${version}.tar.gz`);
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    const extracted = mkdtempSync(join(tmpdir(), 'archcheck-krew-'));
    execFileSync('tar', ['-xzf', archive, '-C', extracted]);
    for (const p of manifest.spec.platforms) {
      expect(p.uri).toMatch(new RegExp(`^https://.+/kubectl-archcheck-v${version.replace(/\./g, '\\.')}\\.tar\\.gz$`));
      expect(p.sha256).toBe(sha256);
      // krew copies `from` (relative to the archive root) to `to` in the install dir, then links `bin` from there.
      for (const f of p.files) expect(existsSync(join(extracted, f.from)), f.from).toBe(true);
      expect(p.files.map((f) => f.from)).toContain(p.bin);
      expect(p.files.map((f) => f.from)).toContain('LICENSE');
    }
    expect(statSync(join(extracted, 'kubectl-archcheck')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(extracted, 'kubectl-archcheck'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('is what plugins/archcheck.yaml says, but for the sha256 of the released archive', () => {
    const withoutSha = (text: string): string => text.replace(/sha256: [0-9a-f]{64}/g, 'sha256: <sha256>');
    expect(withoutSha(readFileSync(join(root, 'plugins', 'archcheck.yaml'), 'utf8'))).toBe(withoutSha(readFileSync(join(out, 'krew', 'archcheck.yaml'), 'utf8')));
  });

  it('builds the same archive twice (reproducible, so the sha256 can be checked)', () => {
    const again = mkdtempSync(join(tmpdir(), 'archcheck-bundle-again-'));
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle-plugin.mjs'), '--out', again], { stdio: 'pipe' });
    const sha = (dir: string): string => {
      const name = readdirSync(join(dir, 'krew')).find((f) => f.endsWith('.tar.gz'))!;
      return createHash('sha256').update(readFileSync(join(dir, 'krew', name))).digest('hex');
    };
    expect(sha(again)).toBe(sha(out));
  });

  it('npm pack gives a package with only the bundle, bin kubectl-archcheck', () => {
    const packed = mkdtempSync(join(tmpdir(), 'archcheck-npm-'));
    execFileSync('npm', ['pack', join(out, 'npm'), '--pack-destination', packed, '--silent'], { stdio: 'pipe' });
    const tgz = readdirSync(packed).find((f) => f.endsWith('.tgz'))!;
    const listing = execFileSync('tar', ['-tzf', join(packed, tgz)], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listing).toEqual(['package/LICENSE', 'package/kubectl-archcheck', 'package/kubectl_complete-archcheck', 'package/package.json']);
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', join(packed, tgz), 'package/package.json'], { encoding: 'utf8' })) as { bin: Record<string, string>; dependencies?: unknown };
    expect(pkg.bin).toEqual({ 'kubectl-archcheck': 'kubectl-archcheck', 'kubectl_complete-archcheck': 'kubectl_complete-archcheck' });
    expect(pkg.dependencies).toBeUndefined();
  });
});

describe('installed into an empty directory, only node on PATH', () => {
  let cluster: TestCluster;
  let registry: TestRegistry;
  let fx: Fixtures;
  let home: string;
  let path: string;

  beforeAll(async () => {
    registry = await startRegistry({ name: 'plugin-bundle' });
    fx = await pushStandardFixtures(registry, { bigManifest: false });
    cluster = await startClusterSerialized({ name: 'plugin-bundle', log: () => undefined });
    await cluster.kubectl(['create', 'deployment', 'web', '--image', fx.multi.ref, '-n', 'default'], { check: true });
    home = mkdtempSync(join(tmpdir(), 'archcheck-bundle-home-'));
    const install = join(home, 'bin');
    const nodeOnly = join(home, 'node-only');
    mkdirSync(install);
    mkdirSync(nodeOnly);
    execFileSync('tar', ['-xzf', join(out, 'krew', readdirSync(join(out, 'krew')).find((f) => f.endsWith('.tar.gz'))!), '-C', install]);
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    path = `${install}:${nodeOnly}`;
    writeFileSync(join(home, 'docker.json'), '{}');
  }, 60 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    await registry?.stop();
  });

  /** Asynchronous: the registry runs in a child process, the cluster too; nothing here may block the event loop long. */
  function installed(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('kubectl-archcheck', args, { env: { PATH: path, HOME: home, KUBECONFIG: cluster.kubeconfigPath }, cwd: home });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }
  const registryFlags = (): string[] => ['--insecure-registry', registry.host, '--registry-config', join(home, 'docker.json'), '--cloud-auth', 'none'];

  it('image', async () => {
    const r = await installed(['image', fx.multi.ref, '-o', 'json', ...registryFlags()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { images: Array<{ platformStrings: string[] }> }).images[0]!.platformStrings).toEqual(['linux/386', 'linux/amd64', 'linux/arm/v7', 'linux/arm64']);
  });

  it('audit', async () => {
    const r = await installed(['-n', 'default', '-o', 'json', ...registryFlags()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`auditing namespace "default" of context "kwok-${cluster.name}" (${cluster.server})\n`);
    const web = (JSON.parse(r.stdout) as AuditReport).workloads.find((w) => w.name === 'web')!;
    expect(web.images[0]!.archs).toEqual(['386', 'amd64', 'arm', 'arm64']);
  });

  it('kubectl completes `kubectl archcheck` through kubectl_complete-archcheck', async () => {
    const complete = (args: string[]): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(cluster.binaries.kubectl, ['__complete', 'archcheck', ...args], { env: { PATH: path, HOME: home, KUBECONFIG: cluster.kubeconfigPath } });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(stdout));
      });
    expect((await complete(['no'])).split('\n')[0]).toBe('nodes');
    expect((await complete(['nodes', '--request-t'])).split('\n')[0]).toBe('--request-timeout');
  });

  it('nodes', async () => {
    const r = await installed(['nodes', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { archs: Array<{ arch: string }> }).archs.map((a) => a.arch).sort()).toEqual(['amd64', 'arm64']);
  });
});
