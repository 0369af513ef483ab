import { describe, expect, it } from 'vitest';
import type { Taint } from '../../core/placement/index.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { archCapacity, nodePools } from './node-pools.js';

function node(name: string, arch: string, labels: Record<string, string>, taints: Taint[] = [], cpu = 4000): ClusterNode {
  return { name, arch, os: 'linux', labels: { 'node.kubernetes.io/instance-type': `t-${arch}`, ...labels }, taints, allocatableCpuMillis: cpu, allocatableMemoryBytes: 2 ** 34, unschedulable: false };
}

const ARM = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };

describe('nodePools', () => {
  const nodes = [
    node('aks-amd-0', 'amd64', { agentpool: 'amdpool', 'kubernetes.azure.com/agentpool': 'amdpool' }),
    node('aks-arm-0', 'arm64', { agentpool: 'armpool' }, [ARM]),
    node('aks-arm-1', 'arm64', { agentpool: 'armpool' }),
    node('eks-0', 'arm64', { 'eks.amazonaws.com/nodegroup': 'graviton' }, [], 2000),
    node('kar-0', 'amd64', { 'karpenter.sh/nodepool': 'default' }),
    node('kar-1', 'arm64', { 'karpenter.sh/nodepool': 'default' }),
    node('gke-0', 'amd64', { 'cloud.google.com/gke-nodepool': 'pool-1' }),
    node('bare', 'amd64', {}),
  ];
  const pools = nodePools(nodes);

  it('groups by pool label and arch, amd64 first', () => {
    expect(pools.map((p) => `${p.arch} ${p.pool} (${p.poolLabel}) ${p.nodeCount}`)).toEqual([
      'amd64 <none> (null) 1',
      'amd64 amdpool (agentpool) 1',
      'amd64 default (karpenter.sh/nodepool) 1',
      'amd64 pool-1 (cloud.google.com/gke-nodepool) 1',
      'arm64 armpool (agentpool) 2',
      'arm64 default (karpenter.sh/nodepool) 1',
      'arm64 graviton (eks.amazonaws.com/nodegroup) 1',
    ]);
  });

  it('counts taints per node and sums allocatable', () => {
    const arm = pools.find((p) => p.pool === 'armpool')!;
    expect(arm.taints).toEqual([{ ...ARM, nodes: 1 }]);
    expect(arm.allocatable).toEqual({ cpuMillicores: 8000, memoryBytes: 2 ** 35 });
    expect(arm.instanceTypes).toEqual(['t-arm64']);
    expect(arm.nodes).toEqual(['aks-arm-0', 'aks-arm-1']);
  });

  it('totals per arch', () => {
    expect(archCapacity(nodes)).toEqual([
      { arch: 'amd64', os: 'linux', nodes: 4, cpuMillicores: 16000, memoryBytes: 4 * 2 ** 34 },
      { arch: 'arm64', os: 'linux', nodes: 4, cpuMillicores: 14000, memoryBytes: 4 * 2 ** 34 },
    ]);
  });
});
