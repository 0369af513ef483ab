import { archReachability, nodeSetArchs, type ArchReachability, type ArchTaint, type NodeSet, type PodSpec } from '../../core/placement/index.js';
import type { ClusterNode } from '../inventory/inventory.js';

export type { ArchExclusion, ArchReachability } from '../../core/placement/index.js';

/** The nodes (real or assumed) an audit decides placement against; the decision itself is core's archReachability. */
export interface PlacementModel {
  /** Every node arch for an OS, sorted. */
  archs(os: string): string[];
  reachability(spec: PodSpec): ArchReachability;
  /** The arch of a named node, when it is known. */
  nodeArch(name: string): string | undefined;
}

/** Placement against the cluster's real nodes (every label and taint counts; docs/placement-rules.md). */
export class ClusterPlacement implements PlacementModel {
  private readonly archByNode = new Map<string, string>();
  private readonly nodeSet: NodeSet;

  constructor(nodes: readonly ClusterNode[]) {
    for (const n of nodes) this.archByNode.set(n.name, n.arch);
    this.nodeSet = { kind: 'nodes', nodes };
  }

  archs(os: string): string[] {
    return nodeSetArchs(this.nodeSet, os);
  }

  nodeArch(name: string): string | undefined {
    return this.archByNode.get(name);
  }

  reachability(spec: PodSpec): ArchReachability {
    return archReachability(spec, this.nodeSet);
  }
}

/**
 * Placement without a cluster (manifests mode): the archs the user says the cluster has and the taints every node
 * of an arch carries. Other node labels are unknown offline, so only arch constraints and those taints count.
 */
export class AssumedPlacement implements PlacementModel {
  private readonly nodeSet: NodeSet;

  constructor(clusterArchs: readonly string[], archTaints: readonly ArchTaint[] = []) {
    this.nodeSet = { kind: 'assumed', archs: clusterArchs, archTaints };
  }

  archs(os: string): string[] {
    return nodeSetArchs(this.nodeSet, os);
  }

  nodeArch(): string | undefined {
    return undefined;
  }

  reachability(spec: PodSpec): ArchReachability {
    return archReachability(spec, this.nodeSet);
  }
}
