import type { Pod } from '../../core/placement/index.js';
import { withFields } from '../../core/with-fields.js';
import { ANNOTATION_ARCHS, ANNOTATION_DECISION, ANNOTATION_REASON } from './settings.js';

/**
 * What archcheck writes on a pod it admits in mutate mode, so `kubectl get pod -o yaml` answers "why did this pod
 * get (or not get) this placement" (decision 0014): `archcheck.dev/decision` (`injected`, `kept`, `unresolved`,
 * `gated`, `skipped`) and `archcheck.dev/reason` in words; `archcheck.dev/archs` when it was placed.
 */
export function annotateDecision(pod: Pod, decision: string, reason: string, archs?: readonly string[]): Pod {
  const metadata = pod.metadata ?? {};
  // withFields is `{ ...o, ...fields }` without the cost of a spread followed by new keys (core/with-fields.ts).
  const annotations = withFields<Record<string, string>>(metadata.annotations, { [ANNOTATION_DECISION]: decision, [ANNOTATION_REASON]: reason });
  if (archs) annotations[ANNOTATION_ARCHS] = archs.join(',');
  return withFields(pod, { metadata: withFields(metadata, { annotations }) });
}

export const placedReason = (decision: 'injected' | 'kept', archs: readonly string[]): string =>
  decision === 'kept'
    ? `its images run on ${archs.join(',')} and its own node selection already keeps it there`
    : `its images run on ${archs.join(',')}: required node affinity kubernetes.io/arch in [${archs.join(',')}] added`;

/**
 * The skips recorded on the pod. Not `mirror-pod` (kubelet owns mirror pods and recreates one that differs), not
 * `excluded-namespace` (system pods are never touched) and not `mode-off` (off changes nothing).
 */
const SKIP_REASONS: Readonly<Record<string, string>> = {
  'skipped:has-node-name': 'created bound to a node: the scheduler does not place it',
  'skipped:daemonset-pod': 'a DaemonSet pod: placed through its DaemonSet template',
  'skipped:opted-out': 'opted out with annotation archcheck.dev/skip: "true"',
};

/**
 * The pod with the skip recorded, or undefined when this skip is not recorded or the pod already carries a decision
 * (a DaemonSet pod inherits its template's `injected`; a pod archcheck saw before keeps what it said then).
 */
export function annotateSkip(pod: Pod, decision: string): Pod | undefined {
  const reason = SKIP_REASONS[decision];
  if (!reason || pod.metadata?.annotations?.[ANNOTATION_DECISION] !== undefined) return undefined;
  return annotateDecision(pod, 'skipped', `${decision.slice('skipped:'.length)}: ${reason}`);
}
