import { describe, expect, it } from 'vitest';
import { NodeInventory } from './node-inventory.js';

const armTaint = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };
const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

describe('NodeInventory', () => {
  it('knows nothing before the first list', () => {
    expect(new NodeInventory().archs()).toBeUndefined();
  });

  it('derives archs, arch-keyed taints and pool taints', () => {
    const inv = new NodeInventory();
    inv.replaceAll([
      { name: 'amd-1', arch: 'amd64', taints: [] },
      { name: 'arm-1', arch: 'arm64', taints: [armTaint, notReady] },
      { name: 'arm-2', arch: 'arm64', taints: [armTaint, { key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] },
      { name: 'unlabelled', arch: undefined, taints: [armTaint] },
    ]);
    expect(inv.archs()).toEqual(['amd64', 'arm64']);
    expect(inv.archKeyedTaints()).toEqual([{ arch: 'arm64', taint: armTaint }]);
    // Only taints on EVERY arm64 node, and never the node lifecycle's transient ones.
    expect(inv.poolTaints()).toEqual([{ arch: 'arm64', taint: armTaint }]);
    inv.upsert({ name: 'arm-3', arch: 'arm64', taints: [] });
    expect(inv.poolTaints()).toEqual([]);
    inv.remove('arm-3');
    inv.remove('arm-1');
    inv.remove('arm-2');
    expect(inv.archs()).toEqual(['amd64']);
    expect(inv.get('amd-1')?.arch).toBe('amd64');
  });
});
