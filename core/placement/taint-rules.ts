import type { Taint } from './k8s-types.js';
import { toleratesTaint } from './tolerations.js';

/**
 * Taint effects that keep a pod off a node it does not tolerate. PreferNoSchedule only steers the scheduler: a pod
 * may still land there, so it never makes a node unreachable (docs/placement-rules.md, "Taints").
 */
export const BLOCKING_EFFECTS: ReadonlySet<string> = new Set(['NoSchedule', 'NoExecute']);

/**
 * Taints the node lifecycle controller, cloud providers and the cluster autoscaler set and clear on their own
 * (not-ready, unreachable, cordoned, pressure, to-be-deleted). They say how a node is right now, not which pods
 * it is for: once they clear, the pod can land there, so they never keep an arch out of reach.
 */
const TRANSIENT_TAINT_PREFIXES = ['node.kubernetes.io/', 'node.cloudprovider.kubernetes.io/', 'ToBeDeletedByClusterAutoscaler', 'DeletionCandidateOfClusterAutoscaler'];

export function isTransientTaint(taint: Taint): boolean {
  return TRANSIENT_TAINT_PREFIXES.some((p) => taint.key.startsWith(p));
}

/** Whether this taint keeps pods without a matching toleration off the node for good: blocking and not transient. */
export function isPlacementTaint(taint: Taint): boolean {
  return BLOCKING_EFFECTS.has(taint.effect) && !isTransientTaint(taint);
}

/** The node's placement taints this pod does not tolerate: empty means the taints let it land there. */
export function untoleratedTaints(tolerations: Parameters<typeof toleratesTaint>[0], taints: readonly Taint[]): Taint[] {
  return taints.filter((t) => isPlacementTaint(t) && !toleratesTaint(tolerations, t));
}

/** `kubernetes.io/arch=arm64:NoSchedule`, as kubectl prints taints. */
export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}
