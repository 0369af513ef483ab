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
      const reasons = new Map<string, number>();
      const admitted = this.nodes
        .filter((n) => n.os === os && n.arch === arch)
        .some((node) => {
          const why = this.whyNotAdmitted(spec, node);
          if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
          return why === undefined;
        });
      if (admitted) reachable.push(arch);
      else excluded.push({ arch, reasons: [...reasons].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${why} (${n} node${n === 1 ? '' : 's'})`) });
    }
    return { present, reachable, excluded };
  }

  private whyNotAdmitted(spec: PodSpec, node: ClusterNode): string | undefined {
    if (!nodeSelectorAdmits(spec, node)) return archExcludedByConstraint(spec, node.arch) ?? 'its nodeSelector/affinity does not match them';
    const asArchTaints: ArchTaint[] = node.taints.map((taint) => ({ arch: node.arch, taint }));
    if (reachableArchs(spec, [node.arch], asArchTaints).length > 0) return undefined;
    const blocking = untoleratedTaints(spec, node.taints).map(formatTaint);
    return `taint ${blocking.join(', ')} not tolerated`;
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
