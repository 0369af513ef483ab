import { describe, expect, it } from 'vitest';
import { NodeInventory } from './node-inventory.js';

const armTaint = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };
const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

describe('NodeInventory', () => {
  it('knows nothing before the first list', () => {
    expect(new NodeInventory().archs()).toBeUndefined();
  });

  it('derives archs, arch-keyed taints and the nodes placement judges against', () => {
    const inv = new NodeInventory();
    inv.replaceAll([
      { name: 'amd-1', arch: 'amd64', taints: [] },
      { name: 'arm-1', arch: 'arm64', os: 'linux', labels: { 'kubernetes.io/arch': 'arm64', agentpool: 'arm' }, taints: [armTaint, notReady] },
      { name: 'arm-2', arch: 'arm64', taints: [armTaint, { key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] },
      { name: 'unlabelled', arch: undefined, taints: [armTaint] },
    ]);
    expect(inv.archs()).toEqual(['amd64', 'arm64']);
    expect(inv.archKeyedTaints()).toEqual([{ arch: 'arm64', taint: armTaint }]);
    // Unlabelled nodes are not candidates; each node keeps its own labels and taints.
    expect(inv.placementNodes()?.map((n) => n.name)).toEqual(['amd-1', 'arm-1', 'arm-2']);
    expect(inv.placementNodes()?.find((n) => n.name === 'arm-1')).toEqual({ name: 'arm-1', arch: 'arm64', os: 'linux', labels: { 'kubernetes.io/arch': 'arm64', agentpool: 'arm' }, taints: [armTaint, notReady] });
    inv.upsert({ name: 'arm-3', arch: 'arm64', taints: [] });
    expect(inv.placementNodes()).toHaveLength(4);
    inv.remove('arm-3');
    inv.remove('arm-1');
    inv.remove('arm-2');
    expect(inv.archs()).toEqual(['amd64']);
    expect(inv.get('amd-1')?.arch).toBe('amd64');
  });
});
