import { archConstraint, constraintAllows } from './arch-constraint.js';
import type { PodSpec, Taint } from './k8s-types.js';
import { nodeSelectorAdmits } from './node-selector.js';
import { podOS } from './pod-images.js';
import { formatTaint, isPlacementTaint, untoleratedTaints } from './taint-rules.js';
import type { ArchTaint } from './tolerations.js';

/** The archs assumed when neither the configuration nor the nodes say which archs a cluster has. */
export const FALLBACK_ARCHS: readonly string[] = ['amd64', 'arm64'];

/** A node as placement sees it: what the scheduler's NodeAffinity and TaintToleration filters read. */
export interface PlacementNode {
  name: string;
  /** `kubernetes.io/arch`. */
  arch: string;
  /** `kubernetes.io/os`. */
  os: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
}

/**
 * The nodes a placement question is asked against: the cluster's real nodes, or assumed pools when the nodes are
 * unknown (offline manifests, no API access) — one pool per arch, Linux, with the taints every node of it carries
 * and unknown labels (so only arch constraints can exclude them).
 */
export type NodeSet =
  | { kind: 'nodes'; nodes: readonly PlacementNode[] }
  | { kind: 'assumed'; archs: readonly string[]; archTaints: readonly ArchTaint[] };

/** Why a pod cannot be scheduled onto any node of one arch. */
export interface ArchExclusion {
  arch: string;
  /** `taint kubernetes.io/arch=arm64:NoSchedule not tolerated (2 nodes)`, `its nodeSelector/affinity excludes kubernetes.io/arch=arm64`. */
  reasons: string[];
}

/** Which node archs a pod can be scheduled onto, and why the others are out of reach. */
export interface ArchReachability {
  /** Node archs of the pod's OS, sorted. */
  present: string[];
  reachable: string[];
  excluded: ArchExclusion[];
}

/** The archs of a node set for one OS, sorted. */
export function nodeSetArchs(nodes: NodeSet, os: string): string[] {
  if (nodes.kind === 'assumed') return os === 'linux' ? [...new Set(nodes.archs)].sort() : [];
  return [...new Set(nodes.nodes.filter((n) => n.os === os).map((n) => n.arch))].sort();
}

function constraintReason(spec: PodSpec, arch: string): string | undefined {
  return constraintAllows(archConstraint(spec), arch) ? undefined : `its nodeSelector/affinity excludes kubernetes.io/arch=${arch}`;
}

function taintReason(spec: PodSpec, taints: readonly Taint[]): string {
  return `taint ${untoleratedTaints(spec.tolerations, taints).map(formatTaint).join(', ')} not tolerated`;
}

/**
 * Empty when some node of the arch admits the pod; otherwise why none does, most common reason first. A node
 * admits the pod when its labels pass the pod's nodeSelector, nodeName and required node affinity (every label,
 * not only the arch) and the pod tolerates each of its placement taints (docs/placement-rules.md, "Reachable archs").
 */
function whyNoNodeAdmits(spec: PodSpec, nodes: readonly PlacementNode[], arch: string): string[] {
  const reasons = new Map<string, number>();
  const count = (why: string): void => void reasons.set(why, (reasons.get(why) ?? 0) + 1);
  for (const node of nodes) {
    if (!nodeSelectorAdmits(spec, node)) count(constraintReason(spec, arch) ?? 'its nodeSelector/affinity does not match them');
    else if (untoleratedTaints(spec.tolerations, node.taints).length === 0) return [];
    else count(taintReason(spec, node.taints.filter(isPlacementTaint)));
  }
  return [...reasons].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${why} (${n} node${n === 1 ? '' : 's'})`);
}

/** An assumed pool: only the arch constraint and the pool's taints can keep the pod off (its other labels are unknown). */
function whyPoolExcludes(spec: PodSpec, archTaints: readonly ArchTaint[], arch: string): string[] {
  const byConstraint = constraintReason(spec, arch);
  if (byConstraint) return [byConstraint];
  const taints = archTaints.filter((t) => t.arch === arch).map((t) => t.taint);
  return untoleratedTaints(spec.tolerations, taints).length === 0 ? [] : [taintReason(spec, taints)];
}

/**
 * Which node archs this pod (or pod template) can be scheduled onto. An arch is reachable when at least one node of
 * it, of the pod's OS, admits the pod; nodes of another OS are never candidates. The webhook's /validate and the
 * plugin's audit both ask this question, so they cannot disagree about the same pod and nodes.
 */
export function archReachability(spec: PodSpec, nodes: NodeSet): ArchReachability {
  const os = podOS(spec);
  const present = nodeSetArchs(nodes, os);
  const reachable: string[] = [];
  const excluded: ArchExclusion[] = [];
  for (const arch of present) {
    const why =
      nodes.kind === 'assumed'
        ? whyPoolExcludes(spec, nodes.archTaints, arch)
        : whyNoNodeAdmits(spec, nodes.nodes.filter((n) => n.os === os && n.arch === arch), arch);
    if (why.length === 0) reachable.push(arch);
    else excluded.push({ arch, reasons: why });
  }
  return { present, reachable, excluded };
}
