import { reachableArchs, type ArchTaint, type Pod, type PodArchitectures } from '../../core/placement/index.js';
import { unreachableArchMessage, unresolvedMessage, warn } from './messages.js';
import type { PolicySettings } from './settings.js';

export type FinalPodVerdict =
  | { verdict: 'ok'; decision: 'ok' | 'unresolved'; archs: string[] }
  | { verdict: 'deny'; decision: 'denied:unreachable-arch' | 'denied:unresolved'; archs: string[]; message: string; warning: string };

/**
 * Rule 10: the pod as it will be stored, after every mutating webhook. It is wrong only when the scheduler could
 * put it on a node arch (allowed by its constraint, pool taints tolerated) that one of its images lacks.
 * `podArchs` must be computed against every node arch (not cut by --allowed-archs): the question here is what the
 * images lack, not what the operator prefers.
 */
export function checkFinalPod(
  pod: Pod,
  podArchs: PodArchitectures,
  settings: Pick<PolicySettings, 'onUnresolved' | 'podOptOut'>,
  cluster: { nodeArchs: readonly string[]; poolTaints: readonly ArchTaint[] },
): FinalPodVerdict {
  const { archs, unresolved, images } = podArchs;
  if (unresolved.length > 0 && settings.onUnresolved === 'deny') {
    return { verdict: 'deny', decision: 'denied:unresolved', archs, message: unresolvedMessage(unresolved, settings.podOptOut), warning: warn.unresolved(unresolved) };
  }
  const bad = reachableArchs(pod.spec, cluster.nodeArchs, cluster.poolTaints).filter((a) => !archs.includes(a));
  // With unresolved images the pod's archs are only an upper bound: an arch outside it is certainly missing.
  if (bad.length === 0) return { verdict: 'ok', decision: unresolved.length > 0 ? 'unresolved' : 'ok', archs };
  return {
    verdict: 'deny',
    decision: 'denied:unreachable-arch',
    archs,
    message: unreachableArchMessage(bad, archs, images, settings.podOptOut),
    warning: warn.unreachable(bad),
  };
}
