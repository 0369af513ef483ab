import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { Pod } from '../../core/placement/index.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';
import type { AdmissionReview } from '../admission/review.js';
import { MAX_WARNING_LENGTH } from '../admission/warnings.js';
import { fakeCluster } from '../testing/fake-cluster.js';
import { FakeResolver, imageInfo } from '../testing/fake-resolver.js';
import { loadFixture } from '../testing/fixtures.js';
import { runAdmission, testSettings } from '../testing/run-admission.js';
import type { PolicySettings } from '../policy/settings.js';

/** An index whose arm64 entry is really an amd64 image: with --verify-platforms the client counts it for amd64 only. */
const LIAR = 'registry.example.com/team/liar-with-a-rather-long-repository-name/and-more-path-components:2024.11.05-build.12345';
const FINDING = 'platform-mismatch: index says linux/arm64, image config says linux/amd64';
const WEB = 'registry.example.com/team/web:1.4.2';

/** The fake table, plus one image that resolves with a platform-mismatch finding (and an unrelated finding). */
class LyingIndexResolver implements ImageResolver {
  private readonly table = new FakeResolver();

  resolve(reference: string, request?: ResolveRequest): Promise<ImageInfo> {
    if (reference === LIAR) return Promise.resolve({ ...imageInfo(reference, ['linux/amd64']), findings: ['schema1: architecture from the manifest', FINDING] });
    return this.table.resolve(reference, request);
  }
}

function review(...images: string[]): AdmissionReview {
  const r = loadFixture('pod-create-deployment.json');
  const pod = r.request!.object as unknown as Pod;
  pod.spec.initContainers = [];
  pod.spec.containers = images.map((image, i) => ({ name: `c${i}`, image }));
  return r;
}

const cluster = fakeCluster({ nodes: { 'aks-amd64pool-vmss000000': 'amd64', 'aks-arm64pool-vmss000000': 'arm64' } });

async function admit(settings: Partial<PolicySettings>, ...images: string[]): ReturnType<typeof runAdmission> {
  return runAdmission('mutate', review(...images), { settings: testSettings(settings), cluster, resolver: new LyingIndexResolver() });
}

describe('platform mismatch findings (--verify-platforms)', () => {
  it('places the pod by what the image config says and warns, naming the image, within 120 characters', async () => {
    const run = await admit({}, LIAR, WEB);
    expect(run.response.allowed).toBe(true);
    expect(run.decision).toBe('injected');
    expect((run.patched as Pod).metadata?.annotations?.['archcheck.dev/archs']).toBe('amd64');
    const warnings = run.response.warnings ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(LIAR.slice(0, 60));
    expect(warnings[0]).toMatch(/^archcheck: registry\.example\.com\/team\/liar/);
    for (const w of warnings) expect(w.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
  });

  it('a short name keeps the whole finding in the warning', async () => {
    const short = 'liar:1';
    const resolver: ImageResolver = { resolve: (reference) => Promise.resolve({ ...imageInfo(reference, ['linux/amd64']), findings: [FINDING] }) };
    const run = await runAdmission('mutate', review(short), { settings: testSettings(), cluster, resolver });
    expect(run.response.warnings).toEqual(['archcheck: liar:1: index lies: index says linux/arm64, image config says linux/amd64']);
  });

  it('with singleArch: deny, refuses the pod saying the index lies', async () => {
    const run = await admit({ singleArch: 'deny' }, WEB, LIAR);
    expect(run.response.allowed).toBe(false);
    expect(run.decision).toBe('denied:platform-mismatch');
    expect(run.response.status?.message).toContain('index lies');
    expect(run.response.status?.message).toContain(`${LIAR} (index says linux/arm64, image config says linux/amd64)`);
    expect(run.response.status?.message).toMatch(/Fix: .*--image-override/);
  });

  it('warn mode turns the denial into a short warning', async () => {
    const run = await admit({ singleArch: 'deny', mode: 'warn' }, LIAR);
    expect(run.response.allowed).toBe(true);
    expect(run.decision).toBe('warn:denied:platform-mismatch');
    for (const w of run.response.warnings ?? []) expect(w.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
  });

  it('no findings, no warning; an overridden image is never looked up', async () => {
    expect((await admit({}, WEB)).response.warnings ?? []).toEqual([]);
    const run = await admit({ singleArch: 'deny', imageOverrides: [{ pattern: LIAR, archs: ['amd64'] }] }, LIAR);
    expect(run.response.allowed).toBe(true);
    expect(run.response.warnings ?? []).toEqual([]);
  });
});

describe('stale answers (stale-if-error, decision 0053)', () => {
  const since = '2026-12-07T19:02:03.456Z';
  const staleResolver: ImageResolver = {
    resolve: (reference) =>
      Promise.resolve({ ...imageInfo(reference, ['linux/amd64', 'linux/arm64']), stale: { since, error: { code: 'UNREACHABLE', message: 'registry.example.com answered HTTP 503' } } }),
  };

  it('places the pod by the last known platforms and warns which image, why and as of when', async () => {
    const run = await runAdmission('mutate', review(WEB), { settings: testSettings(), cluster, resolver: staleResolver });
    expect(run.response.allowed).toBe(true);
    expect(run.decision).toBe('injected');
    expect((run.patched as Pod).metadata?.annotations?.['archcheck.dev/archs']).toBe('amd64,arm64');
    expect(run.response.warnings).toEqual([`archcheck: ${WEB}: registry UNREACHABLE; placed by its arch as of 2026-12-07T19:02:03Z`]);
  });

  it('a long name keeps the image first within 120 characters; one warning per image', async () => {
    const run = await runAdmission('mutate', review(LIAR, LIAR), { settings: testSettings(), cluster, resolver: staleResolver });
    const warnings = run.response.warnings ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^archcheck: registry\.example\.com\/team\/liar/);
    expect(warnings[0]!.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
  });
});
