import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod, Toleration } from '../../core/placement/index.js';
import type { AdmissionReview } from '../admission/review.js';
import { fakeCluster } from '../testing/fake-cluster.js';
import { FAKE_IMAGES, MISSING_IMAGE } from '../testing/fake-resolver.js';
import { runAdmission, testSettings, withObject } from '../testing/run-admission.js';
import { MODES, SINGLE_ARCH_POLICIES, UNRESOLVED_POLICIES, type PolicySettings } from '../policy/settings.js';

const WEB = 'registry.example.com/team/web:1.4.2';
// Weighted toward images that can share an arch, so most pods get placed rather than denied.
const image = fc.oneof({ arbitrary: fc.constantFrom(WEB, 'busybox:1.36'), weight: 6 }, { arbitrary: fc.constantFrom(...Object.keys(FAKE_IMAGES), MISSING_IMAGE), weight: 2 });
const archs = fc.uniqueArray(fc.constantFrom('amd64', 'arm64', 's390x'), { minLength: 1, maxLength: 3 });
const requirement: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  fc.record({ key: fc.constant('kubernetes.io/arch'), operator: fc.constantFrom('In', 'NotIn'), values: archs }),
  fc.record({ key: fc.constant('topology.kubernetes.io/zone'), operator: fc.constant('In'), values: fc.constant(['a']) }),
  fc.record({ key: fc.constant('kubernetes.io/arch'), operator: fc.constant('Exists') }),
).map((r): NodeSelectorRequirement => ('values' in r ? { key: r.key, operator: r.operator, values: [...r.values] } : { key: r.key, operator: r.operator }));
const term: fc.Arbitrary<NodeSelectorTerm> = fc.record({ matchExpressions: fc.array(requirement, { minLength: 1, maxLength: 2 }) });
const toleration: fc.Arbitrary<Toleration> = fc.constantFrom(
  { key: 'kubernetes.io/arch', operator: 'Exists' },
  { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
);

const pod: fc.Arbitrary<Pod> = fc.record(
  {
    containers: fc.array(image, { minLength: 1, maxLength: 3 }).map((images) => images.map((img, i) => ({ name: `c${i}`, image: img }))),
    initContainers: fc.array(image, { maxLength: 1 }).map((images) => images.map((img, i) => ({ name: `init${i}`, image: img }))),
    nodeSelector: fc.option(fc.record({ 'kubernetes.io/arch': fc.constantFrom('amd64', 'arm64') }), { nil: undefined }),
    terms: fc.option(fc.array(term, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    tolerations: fc.array(toleration, { maxLength: 2 }),
    skip: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    generateName: fc.boolean(),
  },
).map((p) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    namespace: 'shop',
    ...(p.generateName ? { generateName: 'web-' } : { name: 'web' }),
    ...(p.skip && { annotations: { 'archcheck.dev/skip': 'true' } }),
  },
  spec: {
    containers: p.containers,
    ...(p.initContainers.length > 0 && { initContainers: p.initContainers }),
    ...(p.nodeSelector && { nodeSelector: p.nodeSelector }),
    ...(p.terms && { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: p.terms } } } }),
    ...(p.tolerations.length > 0 && { tolerations: p.tolerations }),
  },
}));

const settings: fc.Arbitrary<PolicySettings> = fc
  .record({
    mode: fc.oneof({ arbitrary: fc.constant('mutate' as const), weight: 6 }, { arbitrary: fc.constantFrom(...MODES), weight: 2 }),
    singleArch: fc.constantFrom(...SINGLE_ARCH_POLICIES),
    onUnresolved: fc.constantFrom(...UNRESOLVED_POLICIES),
    prefer: fc.constantFrom([], [{ arch: 'arm64', weight: 80 }], [{ arch: 'arm64', weight: 90 }, { arch: 'amd64', weight: 10 }]),
  })
  .map((s) => testSettings({ ...s, prefer: s.prefer.map((p) => ({ ...p })) }));

function review(uid: string, object: Pod): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'shop', operation: 'CREATE', object },
  };
}

const cluster = fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } });

describe('admission properties', () => {
  it('random pods: valid review echoing the uid, a patch that applies, idempotent, and placed pods pass /validate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), pod, settings, async (uid, object, s) => {
        const options = { settings: s, cluster };
        const first = await runAdmission('mutate', review(uid, object), options);
        expect(first.review).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid } });
        expect(typeof first.response.allowed).toBe('boolean');
        if (first.response.patch) expect(first.response.patchType).toBe('JSONPatch');
        if (!first.response.allowed) {
          expect(first.response.patch).toBeUndefined();
          expect(first.response.status?.message).toMatch(/Fix: /);
          return;
        }
        const second = await runAdmission('mutate', review(uid, first.patched as Pod), options);
        expect(second.patch).toEqual([]);
        if (first.decision === 'injected' || first.decision === 'kept') {
          const validated = await runAdmission('validate', withObject(review(uid, object), first.patched), options);
          expect(validated.response.allowed).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
