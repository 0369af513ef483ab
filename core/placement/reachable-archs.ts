import { archConstraint, constraintAllows } from './arch-constraint.js';
import type { PodSpec } from './k8s-types.js';
import { toleratesTaint, type ArchTaint } from './tolerations.js';

const BLOCKING_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

/**
 * The node archs this pod could be scheduled onto: those its arch constraint allows and whose pool taints it
 * tolerates. `poolTaints` must hold only taints carried by EVERY node of that arch (an untainted node of the arch
 * keeps the arch reachable); PreferNoSchedule never blocks. Used to tell "at risk" (a reachable arch the images
 * lack) from "ok".
 */
export function reachableArchs(spec: PodSpec, nodeArchs: readonly string[], poolTaints: readonly ArchTaint[]): string[] {
  const constraint = archConstraint(spec);
  return nodeArchs.filter(
    (arch) =>
      constraintAllows(constraint, arch) &&
      poolTaints.every((p) => p.arch !== arch || !BLOCKING_EFFECTS.has(p.taint.effect) || toleratesTaint(spec.tolerations, p.taint)),
  );
}
