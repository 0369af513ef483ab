import { FALLBACK_ARCHS, type ObjectMeta, type Pod } from '../../core/placement/index.js';
import type { AdmissionRequest, Operation } from '../admission/review.js';
import { ANNOTATION_SKIP, isMode, MIRROR_POD_ANNOTATION, NAMESPACE_MODE_LABEL, type Mode, type PolicySettings } from '../policy/settings.js';
import { skip, type Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';

/**
 * The admission guard chain: small checks that run, in a handler's declared order, before any registry lookup or
 * policy. Each returns the skip verdict that leaves the object alone, or undefined to pass it on. Each comment
 * names the outage the guard prevents. (docs/placement-rules.md, "Left alone")
 */
export interface Guarded<T> {
  request: AdmissionRequest;
  /** The admitted object in the shape the handler relies on (validated at the edge). */
  target: T;
  scope: RequestScope;
}

export type Guard<T> = (admission: Guarded<T>) => Verdict | undefined;

/** Where one request is decided: its namespace, the mode there, and the settings completed by discovery. */
export interface RequestScope {
  namespace: string;
  mode: Mode;
  /** The one settings shape (webhook/policy/settings.ts), with allowed archs and arch taints completed per request. */
  settings: PolicySettings;
}

/** Configured settings completed by discovery: node archs as allowed archs (else FALLBACK_ARCHS), discovered arch taints. */
export function effectiveSettings(env: AdmissionEnv): PolicySettings {
  const configured = env.settings;
  const allowedArchs = configured.allowedArchs.length > 0 ? configured.allowedArchs : (env.cluster.nodeArchs() ?? [...FALLBACK_ARCHS]);
  const discovered = env.cluster.discoveredArchTaints();
  return { ...configured, allowedArchs, archTaints: discovered.length > 0 ? [...configured.archTaints, ...discovered] : configured.archTaints };
}

/**
 * Scope: the namespace (from the request: pods made from generateName may carry none in their metadata yet), its
 * mode and the completed settings, computed once per request so no guard or handler rebuilds them.
 */
export async function requestScope(request: AdmissionRequest, env: AdmissionEnv): Promise<RequestScope> {
  const object = request.object as { metadata?: { namespace?: unknown } } | undefined;
  const fromObject = typeof object?.metadata?.namespace === 'string' ? object.metadata.namespace : '';
  const namespace = request.namespace || fromObject;
  const settings = effectiveSettings(env);
  const labels = namespace ? await env.cluster.namespaceLabels(namespace) : undefined;
  const label = labels?.[NAMESPACE_MODE_LABEL];
  return { namespace, settings, mode: isMode(label) ? label : settings.mode };
}

/**
 * Operation: only the operations a handler is written for. A pod UPDATE cannot change its placement, and a
 * webhook that re-placed running pods on every label edit would turn each edit into a registry lookup (and, in a
 * registry outage, every edit into a slow one).
 */
export function operationGuard(request: AdmissionRequest, operations: readonly Operation[]): Verdict | undefined {
  return (operations as readonly string[]).includes(request.operation) ? undefined : skip('ignored');
}

/**
 * Subresource: `pods/status`, `pods/binding`, `pods/eviction` are not pod creations. Treating a status write as a
 * new pod would deny kubelet's status updates, which is how a webhook takes every node's pods down with it.
 */
export function subresourceGuard(request: AdmissionRequest, subresource: string): Verdict | undefined {
  return (request.subResource ?? '') === subresource ? undefined : skip('ignored');
}

/**
 * Namespace: mode off (globally or by the namespace label), kube-system & co., and the webhook's own namespace.
 * A dead or wrong webhook must never block the system pods and its own pods that would fix it.
 */
export function namespaceGuard<T>({ scope }: Guarded<T>): Verdict | undefined {
  if (scope.mode === 'off') return skip('skipped', 'mode-off');
  if (scope.settings.excludedNamespaces.includes(scope.namespace)) return skip('skipped', 'excluded-namespace');
  return undefined;
}

/** Opt-out: `archcheck.dev/skip: "true"` (when allowed) is the escape hatch for a pod the rules get wrong, without uninstalling. */
export function isOptedOut(metadata: ObjectMeta | undefined, podOptOut: boolean): boolean {
  return podOptOut && metadata?.annotations?.[ANNOTATION_SKIP] === 'true';
}

/** The opt-out guard for a target whose annotations live in `metadataOf(target)` (a pod; a workload and its template). */
export function optOutGuard<T>(metadataOf: (target: T) => readonly (ObjectMeta | undefined)[]): Guard<T> {
  return ({ target, scope }) => (metadataOf(target).some((m) => isOptedOut(m, scope.settings.podOptOut)) ? skip('skipped', 'opted-out') : undefined);
}

/** Scope, bound pod: a pod with `nodeName` bypasses the scheduler; an affinity would never be evaluated, only confuse. */
export const boundPodGuard: Guard<Pod> = ({ target }) => (target.spec.nodeName ? skip('skipped', 'has-node-name') : undefined);

/** Scope, mirror pod: kubelet creates static pods' mirrors and cannot change them; denying one only hides the static pod. */
export const mirrorPodGuard: Guard<Pod> = ({ target }) => (target.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined ? skip('skipped', 'mirror-pod') : undefined);

/**
 * Scope, DaemonSet pod: the controller creates one per eligible node from the template's affinity; a mutated pod
 * would sit Pending forever on a node it was made for. Its template is placed instead (daemonset-template.ts).
 */
export const daemonSetPodGuard: Guard<Pod> = ({ target }) =>
  target.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller === true) ? skip('skipped', 'daemonset-pod') : undefined;

/** Runs guards in order; the first skip wins. */
export function firstSkip<T>(guards: readonly Guard<T>[], admission: Guarded<T>): Verdict | undefined {
  for (const guard of guards) {
    const verdict = guard(admission);
    if (verdict) return verdict;
  }
  return undefined;
}

/** The pod guards, shared by /mutate and /validate so both endpoints leave exactly the same pods alone. */
export const POD_GUARDS: readonly Guard<Pod>[] = [namespaceGuard, boundPodGuard, mirrorPodGuard, daemonSetPodGuard, optOutGuard((pod: Pod) => [pod.metadata])];
