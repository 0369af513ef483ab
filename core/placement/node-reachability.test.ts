import { describe, expect, it } from 'vitest';
import type { PodSpec, Taint } from './k8s-types.js';
import { archReachability, nodeSetArchs, type NodeSet, type PlacementNode } from './node-reachability.js';
import type { ArchTaint } from './tolerations.js';

const ARM_TAINT: Taint = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };
const armPool: ArchTaint = { arch: 'arm64', taint: ARM_TAINT };
const soft: ArchTaint = { arch: 'arm64', taint: { key: 'soft', effect: 'PreferNoSchedule' } };
const ASSUMED = (archTaints: ArchTaint[] = []): NodeSet => ({ kind: 'assumed', archs: ['amd64', 'arm64'], archTaints });

function node(name: string, arch: string, taints: Taint[] = [], labels: Record<string, string> = {}, os = 'linux'): PlacementNode {
  return { name, arch, os, labels: { 'kubernetes.io/arch': arch, 'kubernetes.io/os': os, ...labels }, taints };
}

const NODES: NodeSet = {
  kind: 'nodes',
  nodes: [node('amd-0', 'amd64', [], { pool: 'amd' }), node('arm-0', 'arm64', [ARM_TAINT], { pool: 'arm' }), node('arm-1', 'arm64', [ARM_TAINT], { pool: 'arm' }), node('win-0', 'amd64', [], {}, 'windows')],
};

const tolerateArch = { tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] };

describe('archReachability', () => {
  const cases: { name: string; spec: Partial<PodSpec>; nodes: NodeSet; reachable: string[]; why?: RegExp }[] = [
    { name: 'assumed: unconstrained, untainted', spec: {}, nodes: ASSUMED(), reachable: ['amd64', 'arm64'] },
    { name: 'assumed: tainted pool not tolerated', spec: {}, nodes: ASSUMED([armPool]), reachable: ['amd64'], why: /^taint kubernetes.io\/arch=arm64:NoSchedule not tolerated$/ },
    { name: 'assumed: tainted pool tolerated', spec: tolerateArch, nodes: ASSUMED([armPool]), reachable: ['amd64', 'arm64'] },
    { name: 'assumed: PreferNoSchedule never blocks', spec: {}, nodes: ASSUMED([soft]), reachable: ['amd64', 'arm64'] },
    { name: 'assumed: arch selector', spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }, nodes: ASSUMED(), reachable: ['arm64'], why: /excludes kubernetes.io\/arch=amd64/ },
    { name: 'assumed: other labels are unknown and never exclude', spec: { nodeSelector: { pool: 'x' } }, nodes: ASSUMED(), reachable: ['amd64', 'arm64'] },
    { name: 'nodes: tainted arm64 out of reach, counted per node', spec: {}, nodes: NODES, reachable: ['amd64'], why: /^taint kubernetes.io\/arch=arm64:NoSchedule not tolerated \(2 nodes\)$/ },
    { name: 'nodes: toleration reaches arm64', spec: tolerateArch, nodes: NODES, reachable: ['amd64', 'arm64'] },
    { name: 'nodes: pinned to a pool by a non-arch label', spec: { ...tolerateArch, nodeSelector: { pool: 'amd' } }, nodes: NODES, reachable: ['amd64'], why: /does not match them \(2 nodes\)/ },
    { name: 'nodes: windows pods see windows nodes only', spec: { os: { name: 'windows' } }, nodes: NODES, reachable: ['amd64'] },
    {
      name: 'nodes: transient taints (cordoned, not-ready) never keep an arch out of reach',
      spec: {},
      nodes: { kind: 'nodes', nodes: [node('a', 'arm64', [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }])] },
      reachable: ['arm64'],
    },
    {
      name: 'nodes: differently tainted nodes of one arch, neither tolerated',
      spec: {},
      nodes: { kind: 'nodes', nodes: [node('a', 'arm64', [ARM_TAINT]), node('b', 'arm64', [{ key: 'dedicated', value: 'ml', effect: 'NoExecute' }])] },
      reachable: [],
    },
  ];
  it.each(cases)('$name', ({ spec, nodes, reachable, why }) => {
    const r = archReachability({ containers: [], ...spec }, nodes);
    expect(r.reachable).toEqual(reachable);
    expect([...r.reachable, ...r.excluded.map((e) => e.arch)].sort()).toEqual(r.present);
    if (why) expect(r.excluded.flatMap((e) => e.reasons).join('; ')).toMatch(why);
  });

  it('node set archs by OS', () => {
    expect(nodeSetArchs(NODES, 'linux')).toEqual(['amd64', 'arm64']);
    expect(nodeSetArchs(NODES, 'windows')).toEqual(['amd64']);
    expect(nodeSetArchs(ASSUMED(), 'windows')).toEqual([]);
  });
});
