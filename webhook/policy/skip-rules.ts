import type { ObjectMeta, Pod } from '../../core/placement/index.js';
import { ANNOTATION_SKIP, MIRROR_POD_ANNOTATION, type Mode } from './settings.js';

/**
 * Why a pod is left alone (rule 1). Order matters and is fixed: mode, namespace, then the pod itself.
 * - `excluded-namespace`: kube-system & co. and the webhook's own namespace; a dead webhook must not block its own
 *   recovery or system pods.
 * - `has-node-name`: bound pods bypass the scheduler, affinity would not be evaluated anyway.
 * - `mirror-pod`: static pods' mirrors are created by kubelet and cannot be changed.
 * - `daemonset-pod`: the DaemonSet controller places one per node; mutating the pod strands it (the template is mutated instead).
 * - `opted-out`: `archcheck.dev/skip: "true"` when pod opt-out is enabled.
 */
export type SkipReason = 'mode-off' | 'excluded-namespace' | 'has-node-name' | 'mirror-pod' | 'daemonset-pod' | 'opted-out';

export interface SkipContext {
  mode: Mode;
  namespace: string;
  excludedNamespaces: readonly string[];
  podOptOut: boolean;
}

export function namespaceSkipReason(ctx: SkipContext): SkipReason | undefined {
  if (ctx.mode === 'off') return 'mode-off';
  if (ctx.excludedNamespaces.includes(ctx.namespace)) return 'excluded-namespace';
  return undefined;
}

export function isOptedOut(metadata: ObjectMeta | undefined, podOptOut: boolean): boolean {
  return podOptOut && metadata?.annotations?.[ANNOTATION_SKIP] === 'true';
}

export function podSkipReason(pod: Pod, ctx: SkipContext): SkipReason | undefined {
  const early = namespaceSkipReason(ctx);
  if (early) return early;
  if (pod.spec.nodeName) return 'has-node-name';
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return 'mirror-pod';
  if (pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller === true)) return 'daemonset-pod';
  if (isOptedOut(pod.metadata, ctx.podOptOut)) return 'opted-out';
  return undefined;
}
