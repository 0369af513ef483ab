import { describe, expect, it } from 'vitest';
import { allowedByConstraint, archConstraint, constraintAllows, describeArchConstraint } from './arch-constraint.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from './k8s-types.js';

const ALL = ['amd64', 'arm64', 's390x'];

function spec(nodeSelector?: Record<string, string>, terms?: NodeSelectorTerm[]): PodSpec {
  return {
    containers: [{ name: 'app', image: 'nginx' }],
    ...(nodeSelector && { nodeSelector }),
    ...(terms && { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } }),
  };
}

const arch = (operator: string, values?: string[]): NodeSelectorRequirement => ({ key: 'kubernetes.io/arch', operator, ...(values && { values }) });
const zone: NodeSelectorRequirement = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] };

describe('archConstraint', () => {
  const cases: { name: string; spec: PodSpec; allowed: string[] | null }[] = [
    { name: 'nothing', spec: spec(), allowed: null },
    { name: 'nodeSelector on another label', spec: spec({ disk: 'ssd' }), allowed: null },
    { name: 'nodeSelector arch', spec: spec({ 'kubernetes.io/arch': 'arm64' }), allowed: ['arm64'] },
    { name: 'nodeSelector beta arch', spec: spec({ 'beta.kubernetes.io/arch': 'amd64' }), allowed: ['amd64'] },
    { name: 'one term without arch', spec: spec(undefined, [{ matchExpressions: [zone] }]), allowed: null },
    { name: 'In', spec: spec(undefined, [{ matchExpressions: [arch('In', ['amd64', 'arm64'])] }]), allowed: ['amd64', 'arm64'] },
    { name: 'NotIn', spec: spec(undefined, [{ matchExpressions: [arch('NotIn', ['amd64'])] }]), allowed: ['arm64', 's390x'] },
    { name: 'Exists is no constraint', spec: spec(undefined, [{ matchExpressions: [arch('Exists')] }]), allowed: null },
    { name: 'DoesNotExist matches nothing', spec: spec(undefined, [{ matchExpressions: [arch('DoesNotExist')] }]), allowed: [] },
    { name: 'Gt matches nothing', spec: spec(undefined, [{ matchExpressions: [arch('Gt', ['1'])] }]), allowed: [] },
    { name: 'In AND NotIn in one term', spec: spec(undefined, [{ matchExpressions: [arch('In', ['amd64', 'arm64']), arch('NotIn', ['amd64'])] }]), allowed: ['arm64'] },
    {
      name: 'ORed terms: union',
      spec: spec(undefined, [{ matchExpressions: [arch('In', ['amd64']), zone] }, { matchExpressions: [arch('In', ['arm64'])] }]),
      allowed: ['amd64', 'arm64'],
    },
    {
      name: 'ORed terms: one unconstrained term frees the pod',
      spec: spec(undefined, [{ matchExpressions: [arch('In', ['amd64'])] }, { matchExpressions: [zone] }]),
      allowed: null,
    },
    { name: 'empty term matches nothing', spec: spec(undefined, [{}, { matchExpressions: [arch('In', ['arm64'])] }]), allowed: ['arm64'] },
    { name: 'matchFields only is not an arch constraint', spec: spec(undefined, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), allowed: null },
    {
      name: 'nodeSelector ANDs into every term',
      spec: spec({ 'kubernetes.io/arch': 'arm64' }, [{ matchExpressions: [arch('In', ['amd64'])] }, { matchExpressions: [zone] }]),
      allowed: ['arm64'],
    },
    { name: 'nodeSelector and term disagree', spec: spec({ 'kubernetes.io/arch': 'arm64' }, [{ matchExpressions: [arch('In', ['amd64'])] }]), allowed: [] },
  ];
  it.each(cases)('$name', ({ spec: s, allowed }) => {
    const c = archConstraint(s);
    if (allowed === null) expect(c).toBeNull();
    else {
      expect(c).not.toBeNull();
      expect(allowedByConstraint(c, ALL)).toEqual(allowed);
    }
  });

  it('null allows every arch', () => {
    expect(constraintAllows(null, 'riscv64')).toBe(true);
  });

  it('describes constraints for messages', () => {
    expect(describeArchConstraint(archConstraint(spec({ 'kubernetes.io/arch': 'arm64' })))).toBe('kubernetes.io/arch in [arm64]');
    expect(describeArchConstraint(archConstraint(spec(undefined, [{ matchExpressions: [arch('NotIn', ['amd64'])] }])))).toBe('kubernetes.io/arch not in [amd64]');
    expect(describeArchConstraint(archConstraint(spec(undefined, [{ matchExpressions: [arch('DoesNotExist')] }])))).toMatch(/no node/);
    expect(describeArchConstraint(null)).toBe('any kubernetes.io/arch');
  });
});
