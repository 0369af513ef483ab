import { ARCH_LABEL, BETA_ARCH_LABEL, type Taint } from '../../core/placement/index.js';
import { cpuMillis, parseQuantity } from '../kube/quantity.js';
import type { ClusterNode, KubeObject } from './inventory.js';

interface NodeJson extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { allocatable?: Record<string, string>; nodeInfo?: { architecture?: string; operatingSystem?: string } };
}

/** The arch the scheduler matches (the label), then what kubelet reported. */
function nodeArch(labels: Record<string, string>, node: NodeJson): string {
  return labels[ARCH_LABEL] ?? labels[BETA_ARCH_LABEL] ?? node.status?.nodeInfo?.architecture ?? 'unknown';
}

function nodeOS(labels: Record<string, string>, node: NodeJson): string {
  return labels['kubernetes.io/os'] ?? node.status?.nodeInfo?.operatingSystem ?? 'linux';
}

/** A Node object as a ClusterNode. */
export function clusterNode(node: NodeJson): ClusterNode {
  const labels = node.metadata?.labels ?? {};
  const allocatable = node.status?.allocatable ?? {};
  return {
    name: node.metadata?.name ?? '',
    arch: nodeArch(labels, node),
    os: nodeOS(labels, node),
    labels,
    taints: node.spec?.taints ?? [],
    allocatableCpuMillis: cpuMillis(allocatable.cpu),
    allocatableMemoryBytes: parseQuantity(allocatable.memory) ?? 0,
    unschedulable: node.spec?.unschedulable === true,
  };
}
