import {
  archConstraint,
  constraintAllows,
  podOS,
  reachableArchs,
  toleratesTaint,
  type ArchTaint,
  type PodSpec,
  type Taint,
} from '../../core/placement/index.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { nodeSelectorAdmits } from './node-selector.js';

/** Why a pod cannot be scheduled onto any node of one arch. */
export interface ArchExclusion {
  arch: string;
  /** `taint kubernetes.io/arch=arm64:NoSchedule not tolerated`, `node affinity excludes kubernetes.io/arch=arm64`. */
  reasons: string[];
}

/** Which node archs a pod template can be scheduled onto, and why the others are out of reach. */
export interface ArchReachability {
  /** Node archs of the pod's OS in the cluster. */
  present: string[];
  reachable: string[];
  excluded: ArchExclusion[];
}

/** The nodes (real or assumed) an audit decides placement against. */
export interface PlacementModel {
  /** Every node arch for an OS, sorted. */
  archs(os: string): string[];
  reachability(spec: PodSpec): ArchReachability;
  /** The arch of a named node, when it is known. */
  nodeArch(name: string): string | undefined;
}

const BLOCKING_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

function untoleratedTaints(spec: PodSpec, taints: readonly Taint[]): Taint[] {
  return taints.filter((t) => BLOCKING_EFFECTS.has(t.effect) && !toleratesTaint(spec.tolerations, t));
}

function archExcludedByConstraint(spec: PodSpec, arch: string): string | undefined {
  return constraintAllows(archConstraint(spec), arch) ? undefined : `its nodeSelector/affinity excludes kubernetes.io/arch=${arch}`;
}

/**
 * Placement against the cluster's real nodes. A node admits the pod when its labels satisfy the pod's nodeSelector
 * and required node affinity (all labels, not only the arch: a pod pinned to an amd64 pool cannot reach arm64
 * nodes) and the pod tolerates every NoSchedule/NoExecute taint on it (core's reachableArchs, applied to that node).
 * An arch is reachable when at least one node of it admits the pod. Nodes of another OS are not considered.
 */
export class ClusterPlacement implements PlacementModel {
  private readonly archByNode = new Map<string, string>();

  constructor(private readonly nodes: readonly ClusterNode[]) {
    for (const n of nodes) this.archByNode.set(n.name, n.arch);
  }

  archs(os: string): string[] {
    return [...new Set(this.nodes.filter((n) => n.os === os).map((n) => n.arch))].sort();
  }

  nodeArch(name: string): string | undefined {
    return this.archByNode.get(name);
  }

  reachability(spec: PodSpec): ArchReachability {
    const os = podOS(spec);
    const present = this.archs(os);
    const reachable: string[] = [];
    const excluded: ArchExclusion[] = [];
    for (const arch of present) {
      const why = this.whyArchUnreachable(spec, this.nodes.filter((n) => n.os === os && n.arch === arch), arch);
      if (why.length === 0) reachable.push(arch);
      else excluded.push({ arch, reasons: why });
    }
    return { present, reachable, excluded };
  }

  /**
   * Empty when some node of the arch admits the pod; otherwise why none does, most common reason first.
   * Nodes that pass the selector are grouped by their taints (a pool's nodes share them), and core's
   * reachableArchs decides each group once.
   */
  private whyArchUnreachable(spec: PodSpec, nodes: readonly ClusterNode[], arch: string): string[] {
    const reasons = new Map<string, number>();
    const count = (why: string, n: number): void => void reasons.set(why, (reasons.get(why) ?? 0) + n);
    const byTaints = new Map<string, ClusterNode[]>();
    for (const node of nodes) {
      if (!nodeSelectorAdmits(spec, node)) {
        count(archExcludedByConstraint(spec, arch) ?? 'its nodeSelector/affinity does not match them', 1);
        continue;
      }
      const key = node.taints.map(formatTaint).sort().join(',');
      byTaints.set(key, [...(byTaints.get(key) ?? []), node]);
    }
    for (const group of byTaints.values()) {
      const taints: ArchTaint[] = group[0]!.taints.map((taint) => ({ arch, taint }));
      if (reachableArchs(spec, [arch], taints).length > 0) return [];
      count(`taint ${untoleratedTaints(spec, group[0]!.taints).map(formatTaint).join(', ')} not tolerated`, group.length);
    }
    return [...reasons].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${why} (${n} node${n === 1 ? '' : 's'})`);
  }
}

/**
 * Placement without a cluster (manifests mode): the archs the user says the cluster has (`--cluster-archs`) and
 * the taints every node of an arch carries (`--arch-taint`). Only arch constraints and those taints are
 * considered: other node labels are unknown offline.
 */
export class AssumedPlacement implements PlacementModel {
  constructor(
    private readonly clusterArchs: readonly string[],
    private readonly archTaints: readonly ArchTaint[] = [],
  ) {}

  archs(os: string): string[] {
    return os === 'linux' ? [...this.clusterArchs].sort() : [];
  }

  nodeArch(): string | undefined {
    return undefined;
  }

  reachability(spec: PodSpec): ArchReachability {
    const present = this.archs(podOS(spec));
    const reachable = reachableArchs(spec, present, this.archTaints);
    const excluded = present
      .filter((arch) => !reachable.includes(arch))
      .map((arch) => ({ arch, reasons: [archExcludedByConstraint(spec, arch) ?? this.taintReason(spec, arch)] }));
    return { present, reachable, excluded };
  }

  private taintReason(spec: PodSpec, arch: string): string {
    const taints = untoleratedTaints(
      spec,
      this.archTaints.filter((t) => t.arch === arch).map((t) => t.taint),
    );
    return `taint ${taints.map(formatTaint).join(', ')} not tolerated`;
  }
}
