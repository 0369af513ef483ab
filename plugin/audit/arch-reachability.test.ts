import { describe, expect, it } from 'vitest';
import type { PodSpec, Taint } from '../../core/placement/index.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { AssumedPlacement, ClusterPlacement } from './arch-reachability.js';
import { schedulingSpec } from './daemonset-tolerations.js';

const ARM64_TAINT: Taint = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };
const ARMCTL_TAINT: Taint = { key: 'node-role.vos/arm_controller', value: 'true', effect: 'NoSchedule' };

function node(name: string, arch: string, pool: string, taints: Taint[] = [], os = 'linux'): ClusterNode {
  return {
    name,
    arch,
    os,
    labels: { 'kubernetes.io/arch': arch, 'kubernetes.io/os': os, agentpool: pool, 'kubernetes.io/hostname': name },
    taints,
    allocatableCpuMillis: 4000,
    allocatableMemoryBytes: 16 * 2 ** 30,
    unschedulable: false,
  };
}

/** The test cluster's default node set: amdpool, armpool (arch taint), armctl (custom taint). */
const NODES = [
  node('amd-0', 'amd64', 'amdpool'),
  node('amd-1', 'amd64', 'amdpool'),
  node('arm-0', 'arm64', 'armpool', [ARM64_TAINT]),
  node('arm-1', 'arm64', 'armpool', [ARM64_TAINT]),
  node('armctl-0', 'arm64', 'armctl', [ARMCTL_TAINT]),
  node('win-0', 'amd64', 'winpool', [], 'windows'),
];

const spec = (extra: Partial<PodSpec> = {}): PodSpec => ({ containers: [{ name: 'c', image: 'x' }], ...extra });
const archIn = (values: string[], operator = 'In'): PodSpec['affinity'] => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator, values }] }] } },
});

describe('ClusterPlacement.reachability', () => {
  const placement = new ClusterPlacement(NODES);
  const cases: Array<{ name: string; spec: PodSpec; reachable: string[]; why?: RegExp }> = [
    { name: 'no constraints: tainted arm64 nodes are out of reach', spec: spec(), reachable: ['amd64'], why: /taint kubernetes.io\/arch=arm64:NoSchedule not tolerated \(2 nodes\); taint node-role.vos\/arm_controller=true:NoSchedule not tolerated \(1 node\)/ },
    { name: 'tolerates the arch taint', spec: spec({ tolerations: [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }] }), reachable: ['amd64', 'arm64'] },
    { name: 'tolerates the arch taint with Exists', spec: spec({ tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }), reachable: ['amd64', 'arm64'] },
    { name: 'tolerates everything (empty key, Exists)', spec: spec({ tolerations: [{ operator: 'Exists' }] }), reachable: ['amd64', 'arm64'] },
    { name: 'tolerates only the custom taint: armctl node is enough', spec: spec({ tolerations: [{ key: 'node-role.vos/arm_controller', operator: 'Exists', effect: 'NoSchedule' }] }), reachable: ['amd64', 'arm64'] },
    { name: 'wrong toleration value', spec: spec({ tolerations: [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'amd64', effect: 'NoSchedule' }] }), reachable: ['amd64'] },
    { name: 'toleration for another effect', spec: spec({ tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists', effect: 'NoExecute' }] }), reachable: ['amd64'] },
    { name: 'nodeSelector amd64', spec: spec({ nodeSelector: { 'kubernetes.io/arch': 'amd64' }, tolerations: [{ operator: 'Exists' }] }), reachable: ['amd64'], why: /nodeSelector\/affinity excludes kubernetes.io\/arch=arm64/ },
    { name: 'affinity NotIn arm64', spec: spec({ affinity: archIn(['arm64'], 'NotIn'), tolerations: [{ operator: 'Exists' }] }), reachable: ['amd64'] },
    { name: 'pinned to a pool by label', spec: spec({ nodeSelector: { agentpool: 'amdpool' }, tolerations: [{ operator: 'Exists' }] }), reachable: ['amd64'], why: /does not match them/ },
    { name: 'arm64 selector without toleration: nowhere', spec: spec({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }), reachable: [] },
    { name: 'arm64 affinity with toleration', spec: spec({ affinity: archIn(['arm64']), tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }), reachable: ['arm64'] },
    { name: 'nodeName pins one node', spec: spec({ nodeName: 'arm-0', tolerations: [{ operator: 'Exists' }] }), reachable: ['arm64'] },
    { name: 'windows pod sees only windows nodes', spec: spec({ os: { name: 'windows' } }), reachable: ['amd64'] },
  ];
  it.each(cases)('$name', ({ spec: s, reachable, why }) => {
    const r = placement.reachability(s);
    expect(r.reachable).toEqual(reachable);
    if (why) expect(r.excluded.flatMap((e) => e.reasons).join('; ')).toMatch(why);
  });

  it('PreferNoSchedule never keeps a pod off', () => {
    const p = new ClusterPlacement([node('a', 'amd64', 'p'), node('b', 'arm64', 'q', [{ key: 'k', effect: 'PreferNoSchedule' }])]);
    expect(p.reachability(spec()).reachable).toEqual(['amd64', 'arm64']);
  });

  it('one untainted node of an arch keeps the arch reachable', () => {
    const p = new ClusterPlacement([node('a', 'arm64', 'p', [ARM64_TAINT]), node('b', 'arm64', 'q')]);
    expect(p.reachability(spec()).reachable).toEqual(['arm64']);
  });

  it('cordoned and not-ready nodes stay reachable: those taints clear on their own (same rule as the webhook)', () => {
    const cordoned = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    const p = new ClusterPlacement([node('a', 'amd64', 'p'), node('b', 'arm64', 'q', [cordoned, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }])]);
    expect(p.reachability(spec()).reachable).toEqual(['amd64', 'arm64']);
    expect(p.reachability(schedulingSpec('DaemonSet', spec())).reachable).toEqual(['amd64', 'arm64']);
  });

  it('knows node archs by name', () => {
    expect(placement.nodeArch('armctl-0')).toBe('arm64');
    expect(placement.nodeArch('gone')).toBeUndefined();
    expect(placement.archs('linux')).toEqual(['amd64', 'arm64']);
  });
});

describe('AssumedPlacement.reachability', () => {
  const cases: Array<{ name: string; archs: string[]; taints?: Array<{ arch: string; taint: Taint }>; spec: PodSpec; reachable: string[]; why?: RegExp }> = [
    { name: 'no taints: everything reachable', archs: ['amd64', 'arm64'], spec: spec(), reachable: ['amd64', 'arm64'] },
    { name: 'arm64 tainted', archs: ['amd64', 'arm64'], taints: [{ arch: 'arm64', taint: ARM64_TAINT }], spec: spec(), reachable: ['amd64'], why: /taint kubernetes.io\/arch=arm64:NoSchedule not tolerated/ },
    { name: 'arm64 tainted, tolerated', archs: ['amd64', 'arm64'], taints: [{ arch: 'arm64', taint: ARM64_TAINT }], spec: spec({ tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }), reachable: ['amd64', 'arm64'] },
    { name: 'arch constraint', archs: ['amd64', 'arm64'], spec: spec({ affinity: archIn(['amd64']) }), reachable: ['amd64'], why: /excludes kubernetes.io\/arch=arm64/ },
    { name: 'other labels are unknown offline and not held against it', archs: ['amd64', 'arm64'], spec: spec({ nodeSelector: { agentpool: 'x' } }), reachable: ['amd64', 'arm64'] },
  ];
  it.each(cases)('$name', ({ archs, taints, spec: s, reachable, why }) => {
    const r = new AssumedPlacement(archs, taints ?? []).reachability(s);
    expect(r.reachable).toEqual(reachable);
    if (why) expect(r.excluded.flatMap((e) => e.reasons).join('; ')).toMatch(why);
  });
});
