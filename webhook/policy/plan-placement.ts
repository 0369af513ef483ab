import {
  addPreferences,
  addTolerations,
  allowedByConstraint,
  archConstraint,
  describeArchConstraint,
  mergeArchAffinity,
  tolerationsFor,
  type ImageArchitectures,
  type Pod,
  type PodArchitectures,
  type PodSpec,
} from '../../core/placement/index.js';
import { archConflictMessage, noCommonArchMessage, platformMismatchMessage, singleArchMessage, unresolvedMessage, warn, type PlatformMismatch, type StaleImage } from './messages.js';
import { annotateDecision, placedReason } from './pod-annotations.js';
import { sameJson } from './same-json.js';
import { ANNOTATION_ARCHS, ANNOTATION_DECISION, type PolicySettings } from './settings.js';
import type { DenyReason, PlacementPlan } from './verdict.js';

export type { PlacementPlan } from './verdict.js';

/** The pod's archs plus the resolver's platform-mismatch findings (`--verify-platforms`) on its images. */
export type PlannedArchitectures = PodArchitectures & { mismatches?: readonly PlatformMismatch[]; stale?: readonly StaleImage[] };

export type PlanSettings = Pick<PolicySettings, 'singleArch' | 'onUnresolved' | 'archTaints' | 'prefer' | 'allowedArchs' | 'podOptOut'>;

/**
 * Whether archcheck placed this pod before for the same archs (annotations `decision: injected`, `archs: a,b`).
 * Its requirement is then part of the pod's constraint and implies the archs; the decision stays `injected` so the
 * webhook on its own output changes nothing. Archcheck's earlier requirement is never removed: a later webhook that
 * adds a sidecar only narrows the archs (the new requirement is ANDed), and removing requirements could also remove
 * an identical one the user wrote.
 */
function placedBefore(pod: Pod, archs: readonly string[]): boolean {
  const annotations = pod.metadata?.annotations ?? {};
  return annotations[ANNOTATION_DECISION] === 'injected' && annotations[ANNOTATION_ARCHS] === archs.join(',');
}

function shortImages(images: readonly ImageArchitectures[]): string {
  return images.map((i) => `${i.image}: ${i.archs === 'any' ? 'any' : i.archs.join(',') || i.error?.code || 'none'}`).join('; ');
}

function deny(reason: DenyReason, archs: string[], message: string, images: readonly ImageArchitectures[]): PlacementPlan {
  return { kind: 'deny', decision: `denied:${reason}`, reason, archs, message, warning: warn.wouldDeny(`${reason}: ${shortImages(images)}`) };
}

/** Denials and unresolved answers that do not depend on the pod's own constraint (docs/placement-rules.md: "No common arch", "Unresolved images", "Single-arch policy"). */
function imagePolicyVerdict(podArchs: PlannedArchitectures, settings: PlanSettings): PlacementPlan | undefined {
  const { archs, images, unresolved, singleArch } = podArchs;
  if (archs.length === 0) return deny('no-common-arch', archs, noCommonArchMessage(images, settings.allowedArchs, settings.podOptOut), images);
  if (unresolved.length > 0) {
    if (settings.onUnresolved === 'deny') return deny('unresolved', archs, unresolvedMessage(unresolved, settings.podOptOut), unresolved);
    return { kind: 'unresolved', decision: 'unresolved', archs, warning: warn.unresolved(unresolved) };
  }
  // An index that lies is at least as bad as a single-arch image: the strict policy refuses it too.
  const mismatches = podArchs.mismatches ?? [];
  if (mismatches.length > 0 && settings.singleArch === 'deny') {
    const named = new Set(mismatches.map((m) => m.image));
    return deny('platform-mismatch', archs, platformMismatchMessage(mismatches, settings.podOptOut), images.filter((i) => named.has(i.image)));
  }
  if (singleArch.length > 0 && settings.singleArch === 'deny') return deny('single-arch', archs, singleArchMessage(singleArch, settings.podOptOut), singleArch);
  return undefined;
}

function describeChanges(before: PodSpec, after: PodSpec, archs: string[]): string {
  const parts: string[] = [];
  const required = (x: PodSpec): unknown => x.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null;
  if (!sameJson(required(before), required(after))) parts.push(`node affinity kubernetes.io/arch in [${archs.join(',')}]`);
  const added = (after.tolerations?.length ?? 0) - (before.tolerations?.length ?? 0);
  if (added > 0) parts.push(`${added} toleration${added > 1 ? 's' : ''}`);
  const pref = (x: PodSpec): number => x.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0;
  if (pref(after) > pref(before)) parts.push('arch preference');
  return parts.join(' + ');
}

/**
 * Decides where a pod (or a pod template shaped as a pod) may run and returns the placed pod (docs/placement-rules.md, "Arch conflict" and "Placing a pod"):
 * deny when no allowed arch runs every image or the pod's own arch constraint allows none of them; otherwise AND
 * `kubernetes.io/arch In [archs]` into every required term unless the pod's constraint already implies it, add
 * tolerations for the arch taints and `--prefer` weights of the archs it may land on, and annotate the decision.
 * Pure and idempotent: planning the placed pod again yields the same pod.
 *
 * `nodeArchs` are the archs of the cluster's nodes (may be empty when unknown); a user constraint that allows a
 * node arch outside the pod's archs is narrowed, never replaced.
 */
export function planPlacement(pod: Pod, podArchs: PlannedArchitectures, settings: PlanSettings, nodeArchs: readonly string[]): PlacementPlan {
  const early = imagePolicyVerdict(podArchs, settings);
  if (early) return early;
  const { archs } = podArchs;
  const spec = pod.spec;
  const constraint = archConstraint(spec);
  const compatible = allowedByConstraint(constraint, archs);
  if (compatible.length === 0) {
    const message = archConflictMessage(describeArchConstraint(constraint), archs, podArchs.images, settings.podOptOut);
    return deny('arch-conflict', archs, message, podArchs.images);
  }
  const universe = [...new Set([...nodeArchs, ...settings.allowedArchs, ...archs])];
  const implied = constraint !== null && allowedByConstraint(constraint, universe).every((a) => archs.includes(a));
  let placed = implied ? spec : mergeArchAffinity(spec, archs);
  placed = addTolerations(placed, tolerationsFor(compatible, settings.archTaints));
  if (compatible.length > 1) placed = addPreferences(placed, settings.prefer.filter((p) => compatible.includes(p.arch)));
  const decision = implied && !placedBefore(pod, archs) ? 'kept' : 'injected';
  const warnings = [
    ...(podArchs.mismatches ?? []).map(warn.platformMismatch),
    ...(settings.singleArch === 'warn' ? podArchs.singleArch.map(warn.singleArch) : []),
    ...(podArchs.stale ?? []).map(warn.stale),
  ];
  const changes = describeChanges(pod.spec, placed, archs);
  return { kind: 'place', decision, archs, placed: annotateDecision({ ...pod, spec: placed }, decision, placedReason(decision, archs), archs), changes, warnings };
}
