/**
 * The webhook over HTTPS against a real registry (Debian's docker-registry with token auth) holding the standard
 * fixtures: the real RegistryClient built from the webhook's own config, pull secrets parsed as the API would
 * deliver them, every mode and policy end to end.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionReview } from '../webhook/admission/review.js';
import type { ClusterFacts } from '../webhook/cluster-facts.js';
import { credentialsFromSecret } from '../webhook/kube/pull-secrets.js';
import { fakeCluster } from '../webhook/testing/fake-cluster.js';
import { loadFixture } from '../webhook/testing/fixtures.js';
import { startTestServer, type TestServer } from '../webhook/testing/test-server.js';
import type { WebhookConfig } from '../webhook/config.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

interface PodShape {
  spec: { containers: { name: string; image: string }[]; initContainers?: unknown[]; imagePullSecrets?: { name: string }[] };
  metadata: { annotations?: Record<string, string> };
}

let registry: TestRegistry;
let fx: Fixtures;

function podReview(images: string[], namespace = 'shop', pullSecret = true): AdmissionReview {
  const review = loadFixture('pod-create-deployment.json');
  review.request!.namespace = namespace;
  const pod = review.request!.object as PodShape;
  delete pod.spec.initContainers;
  pod.spec.containers = images.map((image, i) => ({ name: `c${i}`, image }));
  pod.spec.imagePullSecrets = pullSecret ? [{ name: 'regcred' }] : [];
  return review;
}

function cluster(): ClusterFacts {
  const { username, password } = registry.credentials!;
  const secret: V1Secret = {
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } })).toString('base64') },
  };
  return fakeCluster({
    nodes: { amd: 'amd64', arm: 'arm64' },
    secrets: { 'shop/regcred': credentialsFromSecret(secret, 'pull secret shop/regcred'), 'team-warn/regcred': [], 'team-audit/regcred': [] },
    namespaces: { 'team-warn': { 'archcheck.dev/mode': 'warn' }, 'team-audit': { 'archcheck.dev/mode': 'audit' } },
  });
}

async function admit(server: TestServer, path: string, review: AdmissionReview): Promise<NonNullable<AdmissionReview['response']> & { decision?: string; patched?: PodShape }> {
  const res = await server.post(`${path}?timeout=10s`, review);
  expect(res.status).toBe(200);
  const out = (await res.json()) as AdmissionReview;
  expect(out.response?.uid).toBe(review.request!.uid);
  return { ...out.response!, decision: out.response!.auditAnnotations?.decision };
}

function patchOps(response: { patch?: string }): { op: string; path: string; value?: unknown }[] {
  return response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as { op: string; path: string; value?: unknown }[]) : [];
}

function injectedArchs(response: { patch?: string }): unknown {
  const affinity = patchOps(response).find((op) => op.path === '/spec/affinity');
  return (affinity?.value as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } } } | undefined)
    ?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions[0]?.values;
}

beforeAll(async () => {
  registry = await startRegistry({ name: 'webhook', auth: 'token' });
  fx = await pushStandardFixtures(registry, { bigManifest: false });
});
afterAll(async () => registry?.stop());

describe.each<{ name: string; config: Partial<WebhookConfig> }>([
  { name: 'defaults (mutate, single-arch allow, on-unresolved allow)', config: {} },
  { name: 'single-arch deny, on-unresolved deny', config: { singleArch: 'deny', onUnresolved: 'deny' } },
])('webhook + real registry: $name', ({ config }) => {
  let server: TestServer;
  const strict = config.onUnresolved === 'deny';
  beforeAll(async () => {
    server = await startTestServer({
      cluster: cluster(),
      resolver: 'registry',
      config: { insecureRegistries: [registry.host], archTaints: [{ arch: 'arm64', taint: { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' } }], ...config },
    });
  });
  afterAll(async () => server?.close());

  it('multi-arch image: may run on every node arch', async () => {
    const r = await admit(server, '/mutate', podReview([fx.multi.ref]));
    expect(r).toMatchObject({ allowed: true, decision: 'injected' });
    expect(injectedArchs(r)).toEqual(['amd64', 'arm64']);
  });

  it('amd64-only image: pinned to amd64, or denied by single-arch policy', async () => {
    const r = await admit(server, '/mutate', podReview([fx.singleAmd64.ref]));
    if (config.singleArch === 'deny') {
      expect(r).toMatchObject({ allowed: false, decision: 'denied:single-arch' });
      expect(r.status?.message).toContain(fx.singleAmd64.ref);
    } else {
      expect(injectedArchs(r)).toEqual(['amd64']);
    }
  });

  it('arm64-only image (arch only in the config blob): pinned to arm64 with the arm64 toleration', async () => {
    const r = await admit(server, '/mutate', podReview([fx.singleArm64.ref]));
    if (config.singleArch === 'deny') return expect(r.allowed).toBe(false);
    expect(injectedArchs(r)).toEqual(['arm64']);
    expect(JSON.stringify(patchOps(r))).toContain('"key":"kubernetes.io/arch","operator":"Equal","value":"arm64","effect":"NoSchedule"');
  });

  it("private image: resolved with the pod's pull secret", async () => {
    const r = await admit(server, '/mutate', podReview([fx.privateSecret.ref]));
    expect(r).toMatchObject({ allowed: true });
    expect(r.decision).toMatch(/^(injected|kept)$/);
  });

  it('private image without a pull secret: unresolved → on-unresolved', async () => {
    const r = await admit(server, '/mutate', podReview([fx.privateSecret.ref], 'shop', false));
    if (strict) expect(r).toMatchObject({ allowed: false, decision: 'denied:unresolved' });
    else {
      expect(r).toMatchObject({ allowed: true, decision: 'unresolved' });
      // Unchanged but for the record of why: decision and reason annotations, no placement.
      const ops = patchOps(r);
      expect(ops.every((o) => o.path.startsWith('/metadata/annotations'))).toBe(true);
      expect(JSON.stringify(ops)).toMatch(/"archcheck.dev\/decision":"unresolved".*UNAUTHORIZED/);
      expect(r.warnings?.[0]).toMatch(/UNAUTHORIZED/);
    }
  });

  it('missing tag: unresolved → on-unresolved', async () => {
    const r = await admit(server, '/mutate', podReview([fx.missing.ref]));
    if (strict) {
      expect(r).toMatchObject({ allowed: false, decision: 'denied:unresolved' });
      expect(r.status?.message).toMatch(/NOT_FOUND/);
    } else {
      expect(r).toMatchObject({ allowed: true, decision: 'unresolved' });
      expect(r.warnings?.[0]).toMatch(/NOT_FOUND/);
    }
  });

  it('amd64-only + arm64-only: no common arch, denied naming both', async () => {
    const r = await admit(server, '/mutate', podReview([fx.singleAmd64.ref, fx.singleArm64.ref]));
    expect(r).toMatchObject({ allowed: false, decision: 'denied:no-common-arch' });
    expect(r.status?.message).toContain(`${fx.singleAmd64.ref} (amd64)`);
    expect(r.status?.message).toContain(`${fx.singleArm64.ref} (arm64)`);
  });

  it('warn and audit namespaces change nothing', async () => {
    const warned = await admit(server, '/mutate', podReview([fx.singleAmd64.ref, fx.singleArm64.ref], 'team-warn'));
    expect(warned).toMatchObject({ allowed: true, decision: 'warn:denied:no-common-arch' });
    expect(warned.patch).toBeUndefined();
    expect(warned.warnings?.[0]).toMatch(/^archcheck: would deny/);
    const audited = await admit(server, '/mutate', podReview([fx.singleAmd64.ref], 'team-audit'));
    expect(audited.allowed).toBe(true);
    expect([audited.patch, audited.warnings]).toEqual([undefined, undefined]);
    expect(audited.decision).toMatch(/^audit:/);
  });

  it('a Deployment whose template cannot be placed is denied at apply time', async () => {
    const review = loadFixture('deployment-create-no-common-arch.json');
    const template = (review.request!.object as { spec: { template: PodShape } }).spec.template;
    template.spec.containers = [{ name: 'a', image: fx.singleAmd64.ref }, { name: 'b', image: fx.singleArm64.ref }];
    expect(await admit(server, '/validate', review)).toMatchObject({ allowed: false, decision: 'denied:no-common-arch' });
  });

  it('answers warm requests from the cache and counts registry traffic', async () => {
    await admit(server, '/mutate', podReview([fx.multi.ref]));
    const metrics = await (await server.get('/metrics')).text();
    expect(metrics).toMatch(/archcheck_cache_requests_total\{result="hit"\} [1-9]/);
    expect(metrics).toContain(`archcheck_registry_requests_total{registry="${registry.host}",code="200"}`);
  });
});

describe('webhook + real registry: --verify-platforms and --registry-mirror from the webhook config', () => {
  let mirror: TestRegistry;
  beforeAll(async () => {
    mirror = await startRegistry({ name: 'webhook-mirror' });
    // The mirror holds an arm64-only copy of one image under a path prefix: answers from it are recognisable.
    const { FixtureBuilder } = await import('./registry/fixtures.js');
    await new FixtureBuilder(mirror, { refHost: registry.host, repoPrefix: 'cache/' }).push('single/amd64', '1', {
      kind: 'image',
      config: { os: 'linux', architecture: 'arm64' },
    });
  });
  afterAll(async () => mirror?.stop());

  it('warns about an index that lies and counts the child for the arch its config declares', async () => {
    const server = await startTestServer({ cluster: cluster(), resolver: 'registry', config: { insecureRegistries: [registry.host], verifyPlatforms: true } });
    try {
      const r = await admit(server, '/mutate', podReview([fx.lyingIndex.ref]));
      expect(r.allowed).toBe(true);
      expect(injectedArchs(r)).toEqual(['amd64']);
      expect(r.warnings?.join('\n')).toMatch(/platform-mismatch|index/i);
      for (const w of r.warnings ?? []) expect(w.length).toBeLessThanOrEqual(120);
    } finally {
      await server.close();
    }
    const strict = await startTestServer({ cluster: cluster(), resolver: 'registry', config: { insecureRegistries: [registry.host], verifyPlatforms: true, singleArch: 'deny' } });
    try {
      const r = await admit(strict, '/mutate', podReview([fx.lyingIndex.ref]));
      expect(r).toMatchObject({ allowed: false, decision: 'denied:platform-mismatch' });
    } finally {
      await strict.close();
    }
  });

  it('reads through a configured mirror first', async () => {
    const server = await startTestServer({
      cluster: cluster(),
      resolver: 'registry',
      config: { insecureRegistries: [registry.host, mirror.host], registryMirrors: [`${registry.host}=${mirror.host}/cache`] },
    });
    try {
      const r = await admit(server, '/mutate', podReview([fx.singleAmd64.ref]));
      // The source says amd64; the mirror's copy (what the nodes would pull) says arm64.
      expect(injectedArchs(r)).toEqual(['arm64']);
    } finally {
      await server.close();
    }
  });
});
