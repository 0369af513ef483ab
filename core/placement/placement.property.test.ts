import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedByConstraint, archConstraint } from './arch-constraint.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from './k8s-types.js';
import { isArchRequirement, mergeArchAffinity } from './merge-arch-affinity.js';
import { addPreferences } from './preferences.js';
import { addTolerations, toleratesTaint, tolerationsFor, type ArchTaint } from './tolerations.js';

const ARCHS = ['amd64', 'arm64', 's390x', 'ppc64le'];
const arch = fc.constantFrom(...ARCHS);
const archSet = fc.uniqueArray(arch, { minLength: 1, maxLength: 4 });

const requirement: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  fc.record({ key: fc.constantFrom('kubernetes.io/arch', 'beta.kubernetes.io/arch'), operator: fc.constantFrom('In', 'NotIn'), values: archSet }),
  fc.record({ key: fc.constantFrom('kubernetes.io/arch', 'zone'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  fc.record({ key: fc.constant('zone'), operator: fc.constant('In'), values: fc.array(fc.constantFrom('a', 'b'), { minLength: 1 }) }),
);
const term: fc.Arbitrary<NodeSelectorTerm> = fc.record(
  { matchExpressions: fc.array(requirement, { maxLength: 3 }), matchFields: fc.array(fc.constant({ key: 'metadata.name', operator: 'In', values: ['n1'] }), { maxLength: 1 }) },
  { requiredKeys: [] },
);
const taint: fc.Arbitrary<Taint> = fc.record({
  key: fc.constantFrom('kubernetes.io/arch', 'dedicated', 'node-role.vos/arm_controller'),
  value: fc.option(fc.constantFrom('arm64', 'true'), { nil: undefined }),
  effect: fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'),
}).map((t) => (t.value === undefined ? { key: t.key, effect: t.effect } : t));
const toleration: fc.Arbitrary<Toleration> = fc.record(
  { key: fc.constantFrom('kubernetes.io/arch', 'dedicated', ''), operator: fc.constantFrom('Equal', 'Exists'), value: fc.constantFrom('arm64', 'true'), effect: fc.constantFrom('', 'NoSchedule') },
  { requiredKeys: [] },
);

export const podSpecArbitrary: fc.Arbitrary<PodSpec> = fc.record(
  {
    containers: fc.constant([{ name: 'app', image: 'nginx' }]),
    nodeSelector: fc.dictionary(fc.constantFrom('kubernetes.io/arch', 'disk'), arch, { maxKeys: 2 }),
    affinity: fc.record({ nodeAffinity: fc.record({ requiredDuringSchedulingIgnoredDuringExecution: fc.record({ nodeSelectorTerms: fc.array(term, { maxLength: 3 }) }) }) }),
    tolerations: fc.array(toleration, { maxLength: 3 }),
  },
  { requiredKeys: ['containers'] },
);

describe('placement properties', () => {
  it('mergeArchAffinity is idempotent, never widens, restricts to the archs, keeps user requirements', () => {
    fc.assert(
      fc.property(podSpecArbitrary, archSet, (spec, archs) => {
        const before = structuredClone(spec);
        const merged = mergeArchAffinity(spec, archs);
        expect(spec).toEqual(before);
        expect(mergeArchAffinity(merged, archs)).toEqual(merged);
        const was = allowedByConstraint(archConstraint(spec), ARCHS);
        const now = allowedByConstraint(archConstraint(merged), ARCHS);
        expect(now.every((a) => archs.includes(a) && was.includes(a))).toBe(true);
        const originalTerms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
        const mergedTerms = merged.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
        originalTerms.forEach((t, i) => {
          const stripped = (mergedTerms[i]?.matchExpressions ?? []).filter((r, j) => j < (t.matchExpressions ?? []).length || !isArchRequirement(r, archs));
          expect(stripped).toEqual(t.matchExpressions ?? []);
        });
      }),
    );
  });

  it('addTolerations is idempotent and tolerates every wanted taint', () => {
    fc.assert(
      fc.property(podSpecArbitrary, fc.array(fc.record({ arch, taint }), { maxLength: 4 }), archSet, (spec, archTaints: ArchTaint[], archs) => {
        const once = addTolerations(spec, tolerationsFor(archs, archTaints));
        expect(addTolerations(once, tolerationsFor(archs, archTaints))).toEqual(once);
        for (const t of archTaints.filter((t) => archs.includes(t.arch))) expect(toleratesTaint(once.tolerations, t.taint)).toBe(true);
        expect((once.tolerations ?? []).slice(0, (spec.tolerations ?? []).length)).toEqual(spec.tolerations ?? []);
      }),
    );
  });

  it('addPreferences is idempotent', () => {
    fc.assert(
      fc.property(podSpecArbitrary, fc.uniqueArray(fc.record({ arch, weight: fc.integer({ min: 1, max: 100 }) }), { selector: (p) => p.arch }), (spec, prefer) => {
        const once = addPreferences(spec, prefer);
        expect(addPreferences(once, prefer)).toEqual(once);
      }),
    );
  });
});
