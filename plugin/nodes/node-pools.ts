import type { Taint } from '../../core/placement/index.js';
import type { ClusterNode } from '../inventory/inventory.js';

/** Labels that name a node's pool, most specific first: AKS, EKS managed node groups, Karpenter, GKE. */
export const POOL_LABELS: readonly string[] = [
  'agentpool',
  'kubernetes.azure.com/agentpool',
  'eks.amazonaws.com/nodegroup',
  'karpenter.sh/nodepool',
  'cloud.google.com/gke-nodepool',
];

export const INSTANCE_TYPE_LABELS: readonly string[] = ['node.kubernetes.io/instance-type', 'beta.kubernetes.io/instance-type'];

export interface PoolTaint extends Taint {
  /** How many of the pool's nodes carry it. */
  nodes: number;
}

export interface NodePool {
  /** The pool name, or `<none>` for nodes without a pool label. */
  pool: string;
  /** The label the name came from; null for `<none>`. */
  poolLabel: string | null;
  arch: string;
  os: string;
  nodes: string[];
  nodeCount: number;
  instanceTypes: string[];
  taints: PoolTaint[];
  allocatable: { cpuMillicores: number; memoryBytes: number };
  unschedulable: number;
}

export interface ArchCapacity {
  arch: string;
  os: string;
  nodes: number;
  cpuMillicores: number;
  memoryBytes: number;
}

export interface NodePoolReport {
  apiVersion: string;
  kind: 'NodePoolReport';
  pools: NodePool[];
  archs: ArchCapacity[];
}

function firstLabel(labels: Readonly<Record<string, string>>, keys: readonly string[]): { key: string; value: string } | undefined {
  for (const key of keys) if (labels[key]) return { key, value: labels[key] };
  return undefined;
}

export function instanceTypeOf(node: Pick<ClusterNode, 'labels'>): string | undefined {
  return firstLabel(node.labels, INSTANCE_TYPE_LABELS)?.value;
}

function taintKey(t: Taint): string {
  return `${t.key}=${t.value ?? ''}:${t.effect}`;
}

function addNode(pool: NodePool, node: ClusterNode): void {
  pool.nodes.push(node.name);
  pool.nodeCount++;
  const type = instanceTypeOf(node);
  if (type && !pool.instanceTypes.includes(type)) pool.instanceTypes.push(type);
  for (const t of node.taints) {
    const existing = pool.taints.find((p) => taintKey(p) === taintKey(t));
    if (existing) existing.nodes++;
    else pool.taints.push({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect, nodes: 1 });
  }
  pool.allocatable.cpuMillicores += node.allocatableCpuMillis;
  pool.allocatable.memoryBytes += node.allocatableMemoryBytes;
  if (node.unschedulable) pool.unschedulable++;
}

/** Groups nodes by pool label and arch (a pool with mixed archs, e.g. a Karpenter NodePool, gets one row per arch). */
export function nodePools(nodes: readonly ClusterNode[]): NodePool[] {
  const pools = new Map<string, NodePool>();
  for (const node of nodes) {
    const label = firstLabel(node.labels, POOL_LABELS);
    const name = label?.value ?? '<none>';
    const k = `${name}|${node.arch}|${node.os}`;
    let pool = pools.get(k);
    if (!pool) {
      pool = { pool: name, poolLabel: label?.key ?? null, arch: node.arch, os: node.os, nodes: [], nodeCount: 0, instanceTypes: [], taints: [], allocatable: { cpuMillicores: 0, memoryBytes: 0 }, unschedulable: 0 };
      pools.set(k, pool);
    }
    addNode(pool, node);
  }
  return [...pools.values()].sort((a, b) => a.arch.localeCompare(b.arch) || a.pool.localeCompare(b.pool) || a.os.localeCompare(b.os));
}

export function archCapacity(nodes: readonly ClusterNode[]): ArchCapacity[] {
  const byArch = new Map<string, ArchCapacity>();
  for (const n of nodes) {
    const k = `${n.os}/${n.arch}`;
    const entry = byArch.get(k) ?? { arch: n.arch, os: n.os, nodes: 0, cpuMillicores: 0, memoryBytes: 0 };
    entry.nodes++;
    entry.cpuMillicores += n.allocatableCpuMillis;
    entry.memoryBytes += n.allocatableMemoryBytes;
    byArch.set(k, entry);
  }
  return [...byArch.values()].sort((a, b) => a.os.localeCompare(b.os) || a.arch.localeCompare(b.arch));
}
