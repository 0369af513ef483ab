import { assessPlacement, imagesLacking, type ImageArchFacts, type NodeSet, type Pod, type PodSpec } from '../../core/placement/index.js';
import { ANNOTATION_DECISION, ANNOTATION_SKIP, MIRROR_POD_ANNOTATION, type Mode } from '../policy/settings.js';

/**
 * Escaped pods: pods in namespaces archcheck manages that carry no `archcheck.dev/decision`, so the webhook never
 * saw them (created while every replica was away — the webhook fails open — or before archcheck was installed).
 * Pure rules; webhook/gate/reconciler.ts lists, resolves and reports.
 */

/** The gauge's closed label set (archcheck_escaped_pods{status}). */
export const ESCAPED_STATUSES = ['broken', 'at-risk', 'unknown', 'ok'] as const;
export type EscapedStatus = (typeof ESCAPED_STATUSES)[number];

/** What the reconciler reads of a pod (plain JSON, as the API serves it). */
export interface ObservedPod extends Pod {
  status?: {
    phase?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface ContainerStatus {
  restartCount?: number;
  state?: { waiting?: { reason?: string } };
  lastState?: { terminated?: { exitCode?: number } };
}

export interface EscapeScope {
  excludedNamespaces: readonly string[];
  podOptOut: boolean;
  /** The mode in effect in a namespace (its archcheck.dev/mode label, else the configured mode). */
  modeOf(namespace: string): Mode;
}

/**
 * Whether the webhook should have written a decision on this pod and did not. Only mode `mutate` writes decisions
 * (warn/audit/off never do), and excluded namespaces, mirror pods and opted-out pods are left alone at admission
 * too. Finished and terminating pods no longer matter.
 */
export function isEscaped(pod: ObservedPod, scope: EscapeScope): boolean {
  const metadata = pod.metadata ?? {};
  const annotations = metadata.annotations ?? {};
  const namespace = metadata.namespace ?? '';
  if (annotations[ANNOTATION_DECISION] !== undefined) return false;
  if (metadata.deletionTimestamp) return false;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  if (annotations[MIRROR_POD_ANNOTATION] !== undefined) return false;
  if (scope.podOptOut && annotations[ANNOTATION_SKIP] === 'true') return false;
  if (scope.excludedNamespaces.includes(namespace)) return false;
  return scope.modeOf(namespace) === 'mutate';
}

export interface EscapedPodFacts {
  spec: PodSpec;
  /** The `kubernetes.io/arch` of the node the pod is bound to (undefined: unbound, or the node is unknown). */
  nodeArch: string | undefined;
  images: readonly ImageArchFacts[];
  /** The cluster's nodes, for where an unbound pod may still land. */
  nodes: NodeSet;
}

export interface EscapedPodFinding {
  status: EscapedStatus;
  /** One sentence for the Event and the log: what is wrong and what to do. */
  message: string;
}

const list = (images: readonly string[]): string => images.join(', ');

function boundFinding(facts: EscapedPodFacts, nodeName: string): EscapedPodFinding {
  const { nodeArch, images } = facts;
  if (nodeArch === undefined) return { status: 'unknown', message: `archcheck: this pod was never checked by archcheck and its node ${nodeName} has no kubernetes.io/arch label (or is gone).` };
  const lacking = imagesLacking(images, nodeArch);
  if (lacking.length > 0) {
    return {
      status: 'broken',
      message: `archcheck: this pod was never checked by archcheck and runs on ${nodeArch} node ${nodeName}, which image(s) ${list(lacking)} have no build for (exec format error). Fix: delete the pod so its controller recreates it under archcheck, or set reconcileEvictBroken.`,
    };
  }
  return unresolvedOr(images, { status: 'ok', message: `archcheck: never checked by archcheck, but its images run on ${nodeArch} node ${nodeName}.` });
}

function unresolvedOr(images: readonly ImageArchFacts[], finding: EscapedPodFinding): EscapedPodFinding {
  const unresolved = images.filter((i) => !i.resolved).map((i) => i.image);
  if (unresolved.length === 0) return finding;
  return { status: 'unknown', message: `archcheck: this pod was never checked by archcheck and the architectures of ${list([...new Set(unresolved)])} could not be read from the registry; it is checked again next period.` };
}

/**
 * broken: bound to a node whose arch one of its resolved images lacks. at-risk: not bound yet, and the scheduler
 * may still put it on such an arch (the same rule as the audit's at-risk). unknown: an image could not be
 * resolved (and nothing resolved proves it broken), or the node's arch is unknown. ok: otherwise.
 */
export function classifyEscapedPod(facts: EscapedPodFacts): EscapedPodFinding {
  const nodeName = facts.spec.nodeName;
  if (typeof nodeName === 'string' && nodeName !== '') return boundFinding(facts, nodeName);
  const risks = assessPlacement(facts.spec, facts.images, facts.nodes).risks;
  if (risks.length > 0) {
    const what = risks.map((r) => `${r.arch} (${list(r.images)} lack it)`).join('; ');
    return {
      status: 'at-risk',
      message: `archcheck: this pod was never checked by archcheck and may be scheduled on ${what}. Fix: delete the pod so its controller recreates it under archcheck, or add a kubernetes.io/arch node affinity.`,
    };
  }
  return unresolvedOr(facts.images, { status: 'ok', message: 'archcheck: never checked by archcheck, but every node it may land on runs its images.' });
}

/** A restarting container: waiting in CrashLoopBackOff, or failed with a non-zero exit at least three times. */
export function isCrashLooping(pod: ObservedPod): boolean {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff' || ((s.restartCount ?? 0) >= 3 && (s.lastState?.terminated?.exitCode ?? 0) !== 0));
}

/**
 * Evict only what comes back under the webhook: a broken pod that is crash-looping (it is not serving anyway) and
 * has a controller to recreate it. A bare pod evicted would be gone for good, so it is only reported.
 */
export function shouldEvict(pod: ObservedPod, finding: EscapedPodFinding, evictBroken: boolean): boolean {
  if (!evictBroken || finding.status !== 'broken') return false;
  const controlled = (pod.metadata?.ownerReferences ?? []).some((o) => o.controller === true);
  return controlled && isCrashLooping(pod);
}
