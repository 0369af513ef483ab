import { assessPlacement, imageArchFacts, type NodeSet, type Pod, type PodArchitectures } from '../../core/placement/index.js';
import { unreachableArchMessage, unresolvedMessage, warn } from './messages.js';
import type { PolicySettings } from './settings.js';
import type { Verdict } from './verdict.js';

/**
 * docs/placement-rules.md, "Final pod": the pod as it will be stored is wrong only when it can land on a node arch
 * (core's assessPlacement: the same answer the plugin's audit calls at-risk) that one of its resolved images lacks.
 * An unresolved pod was already warned about by /mutate, so it is not warned about twice.
 */
export function checkFinalPod(pod: Pod, podArchs: PodArchitectures, settings: Pick<PolicySettings, 'onUnresolved' | 'podOptOut'>, nodes: NodeSet): Verdict {
  const { archs, unresolved, images } = podArchs;
  if (unresolved.length > 0 && settings.onUnresolved === 'deny') {
    return { kind: 'deny', decision: 'denied:unresolved', reason: 'unresolved', archs, message: unresolvedMessage(unresolved, settings.podOptOut), warning: warn.unresolved(unresolved) };
  }
  const bad = assessPlacement(pod.spec, images.map(imageArchFacts), nodes).risks.map((r) => r.arch);
  if (bad.length === 0) return unresolved.length > 0 ? { kind: 'unresolved', decision: 'unresolved', archs } : { kind: 'allow', decision: 'ok', archs, warnings: [] };
  return {
    kind: 'deny',
    decision: 'denied:unreachable-arch',
    reason: 'unreachable-arch',
    archs,
    message: unreachableArchMessage(bad, archs, images, settings.podOptOut),
    warning: warn.unreachable(bad),
  };
}
