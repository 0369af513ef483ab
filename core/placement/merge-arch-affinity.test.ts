import { describe, expect, it } from 'vitest';
import { archConstraint, allowedByConstraint } from './arch-constraint.js';
import type { NodeSelectorTerm, PodSpec } from './k8s-types.js';
import { mergeArchAffinity } from './merge-arch-affinity.js';

const base: PodSpec = { containers: [{ name: 'app', image: 'nginx' }] };
const zone = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] };
const inArm = { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] };
const withTerms = (terms: NodeSelectorTerm[], extra: Partial<PodSpec> = {}): PodSpec => ({
  ...base,
  ...extra,
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
});
const termsOf = (s: PodSpec): NodeSelectorTerm[] | undefined => s.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;

describe('mergeArchAffinity', () => {
  const cases: { name: string; spec: PodSpec; expected: NodeSelectorTerm[] }[] = [
    { name: 'creates the required affinity', spec: base, expected: [{ matchExpressions: [inArm] }] },
    { name: 'ANDs into a single user term', spec: withTerms([{ matchExpressions: [zone] }]), expected: [{ matchExpressions: [zone, inArm] }] },
    {
      name: 'ANDs into EVERY term',
      spec: withTerms([{ matchExpressions: [zone] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]),
      expected: [{ matchExpressions: [zone, inArm] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }], matchExpressions: [inArm] }],
    },
    { name: 'leaves empty terms (they match nothing)', spec: withTerms([{}, { matchExpressions: [zone] }]), expected: [{}, { matchExpressions: [zone, inArm] }] },
    { name: 'creates a term when the list is empty', spec: withTerms([]), expected: [{ matchExpressions: [inArm] }] },
  ];
  it.each(cases)('$name', ({ spec, expected }) => {
    const merged = mergeArchAffinity(spec, ['arm64', 'amd64']);
    expect(termsOf(merged)).toEqual(expected);
    expect(mergeArchAffinity(merged, ['amd64', 'arm64'])).toEqual(merged);
    expect(allowedByConstraint(archConstraint(merged), ['amd64', 'arm64', 's390x'])).toEqual(['amd64', 'arm64']);
  });

  it('keeps other affinity kinds and preferred terms', () => {
    const spec: PodSpec = {
      ...base,
      affinity: { podAntiAffinity: { x: 1 }, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [zone] } }] } },
    };
    const merged = mergeArchAffinity(spec, ['amd64']);
    expect(merged.affinity?.podAntiAffinity).toEqual({ x: 1 });
    expect(merged.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it('does not mutate its input', () => {
    const spec = withTerms([{ matchExpressions: [zone] }]);
    const before = structuredClone(spec);
    mergeArchAffinity(spec, ['amd64']);
    expect(spec).toEqual(before);
  });
});
