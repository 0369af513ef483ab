/**
 * Registry requests of `kubectl archcheck` per scenario, read from the real registry's own access log (what a
 * registry operator, or Docker Hub's pull counter, sees): an index costs one GET for `image`; an audit verifies only
 * the children of the archs its cluster has; a warm run costs nothing (or one HEAD once the tag TTL has passed).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../plugin/audit/report.js';
import { runCli } from '../plugin/cli.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

let registry: TestRegistry;
let fx: Fixtures;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'archcheck-plugin-economy-'));
  writeFileSync(join(work, 'docker.json'), '{}');
  registry = await startRegistry({ name: 'plugin-economy' });
  fx = await pushStandardFixtures(registry, { bigManifest: false });
}, 120_000);

afterAll(() => registry?.stop());

interface Requests {
  manifestGets: number;
  manifestHeads: number;
  blobGets: number;
}

/** Counts the registry's access-log lines for one repository written after `from` (a length of logs()). */
function requestsSince(from: number, repository: string): Requests {
  const lines = registry.logs().slice(from).split('\n');
  const count = (method: string, kind: string): number =>
    lines.filter((l) => new RegExp(`"${method} /v2/${repository}/${kind}/[^ ]+ HTTP/[0-9.]+" 200`).test(l)).length;
  return { manifestGets: count('GET', 'manifests'), manifestHeads: count('HEAD', 'manifests'), blobGets: count('GET', 'blobs') };
}

async function archcheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args, '--registry-config', join(work, 'docker.json'), '--cloud-auth', 'none', '--insecure-registry', registry.host], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
  });
  return { code, stdout, stderr };
}

function podFile(image: string): string {
  const path = join(work, `pod-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "${image}"}]}\n`);
  return path;
}

const repo = (ref: string): string => ref.slice(ref.indexOf('/') + 1).replace(/[:@].*$/, '');

describe('registry requests per scenario (the registry access log)', () => {
  it('image on a multi-arch index: 1 manifest GET, no blob (labels trusted); --verify-platforms: every child', async () => {
    let from = registry.logs().length;
    const r = await archcheck(['image', fx.multi.ref, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(requestsSince(from, repo(fx.multi.ref))).toEqual({ manifestGets: 1, manifestHeads: 0, blobGets: 0 });

    from = registry.logs().length;
    const verified = await archcheck(['image', fx.multi.ref, '--verify-platforms', '-o', 'json']);
    expect(verified.code).toBe(0);
    // The index and its 4 children (amd64, arm64/v8, arm/v7, 386), and each child's config.
    expect(requestsSince(from, repo(fx.multi.ref))).toEqual({ manifestGets: 5, manifestHeads: 0, blobGets: 4 });
  });

  it('an audit verifies one child per cluster arch: ≤ 1 + 2 manifest GETs for amd64+arm64; a warm run 0, and 1 HEAD (no GET) after the tag TTL', async () => {
    const cache = join(work, 'audit-cache');
    const pod = podFile(fx.multi.ref);
    const audit = (extra: string[] = []): Promise<{ code: number; stdout: string }> => archcheck(['manifests', '-f', pod, '-o', 'json', '--cache-dir', cache, '--cluster-archs', 'amd64,arm64', ...extra]);

    let from = registry.logs().length;
    const cold = await audit();
    expect(cold.code).toBe(0);
    expect((JSON.parse(cold.stdout) as AuditReport).workloads[0]!.images[0]!.archs).toEqual(['386', 'amd64', 'arm', 'arm64']);
    expect(requestsSince(from, repo(fx.multi.ref))).toEqual({ manifestGets: 3, manifestHeads: 0, blobGets: 2 });

    from = registry.logs().length;
    await audit();
    expect(requestsSince(from, repo(fx.multi.ref))).toEqual({ manifestGets: 0, manifestHeads: 0, blobGets: 0 });

    from = registry.logs().length;
    await audit(['--tag-ttl', '0s']);
    // The tag revalidated with one HEAD (the digest it named is on disk: no pull counted); children and configs from the disk cache.
    expect(requestsSince(from, repo(fx.multi.ref))).toEqual({ manifestGets: 0, manifestHeads: 1, blobGets: 0 });
  });

  it('a lying label on a cluster arch is still caught', async () => {
    const r = await archcheck(['manifests', '-f', podFile(fx.lyingIndex.ref), '-o', 'json', '--no-cache', '--cluster-archs', 'amd64,arm64']);
    const image = (JSON.parse(r.stdout) as AuditReport).workloads[0]!.images[0]!;
    expect(image.archs).toEqual(['amd64']);
  });
});
