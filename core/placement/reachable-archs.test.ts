import { describe, expect, it } from 'vitest';
import type { PodSpec } from './k8s-types.js';
import { reachableArchs } from './reachable-archs.js';
import type { ArchTaint } from './tolerations.js';

const armPool: ArchTaint = { arch: 'arm64', taint: { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' } };
const soft: ArchTaint = { arch: 'arm64', taint: { key: 'soft', effect: 'PreferNoSchedule' } };
const NODES = ['amd64', 'arm64'];

describe('reachableArchs', () => {
  const cases: { name: string; spec: Partial<PodSpec>; taints: ArchTaint[]; expected: string[] }[] = [
    { name: 'unconstrained, untainted', spec: {}, taints: [], expected: NODES },
    { name: 'tainted pool not tolerated', spec: {}, taints: [armPool], expected: ['amd64'] },
    { name: 'tainted pool tolerated', spec: { tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }, taints: [armPool], expected: NODES },
    { name: 'PreferNoSchedule never blocks', spec: {}, taints: [soft], expected: NODES },
    { name: 'constrained', spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }, taints: [], expected: ['arm64'] },
  ];
  it.each(cases)('$name', ({ spec, taints, expected }) => {
    expect(reachableArchs({ containers: [], ...spec }, NODES, taints)).toEqual(expected);
  });
});
