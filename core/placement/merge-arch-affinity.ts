import { ARCH_LABEL, type NodeSelectorRequirement, type NodeSelectorTerm, type PodSpec } from './k8s-types.js';

/** The requirement archcheck ANDs into node selector terms: `kubernetes.io/arch In [archs]` (sorted). */
export function archRequirement(archs: readonly string[]): NodeSelectorRequirement {
  return { key: ARCH_LABEL, operator: 'In', values: [...new Set(archs)].sort() };
}

function sameValues(a: readonly string[] | undefined, b: readonly string[]): boolean {
  const sa = [...new Set(a ?? [])].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}

/** Whether `r` is exactly `kubernetes.io/arch In [archs]` (order and duplicates ignored). */
export function isArchRequirement(r: NodeSelectorRequirement, archs: readonly string[]): boolean {
  return r.key === ARCH_LABEL && r.operator === 'In' && sameValues(r.values, archs);
}

function isEmptyTerm(term: NodeSelectorTerm): boolean {
  return (term.matchExpressions ?? []).length === 0 && (term.matchFields ?? []).length === 0;
}

function withRequirement(term: NodeSelectorTerm, archs: readonly string[]): NodeSelectorTerm {
  // An empty term matches no node; adding a requirement would widen it, so it stays as the user wrote it.
  if (isEmptyTerm(term)) return term;
  const expressions = term.matchExpressions ?? [];
  if (expressions.some((r) => isArchRequirement(r, archs))) return term;
  return { ...term, matchExpressions: [...expressions, archRequirement(archs)] };
}

/**
 * Restricts a pod to nodes whose `kubernetes.io/arch` is one of `archs`: ANDs `kubernetes.io/arch In [archs]` into
 * EVERY required nodeSelectorTerm (terms are ORed, so one unrestricted term would let the pod land anywhere),
 * creating the required node affinity when absent. User terms are kept; nothing is removed or reordered.
 * Idempotent: a term that already has the exact requirement is left alone. Returns a new spec.
 */
export function mergeArchAffinity(spec: PodSpec, archs: readonly string[]): PodSpec {
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required?.nodeSelectorTerms?.length ? required.nodeSelectorTerms.map((t) => withRequirement(t, archs)) : [{ matchExpressions: [archRequirement(archs)] }];
  return {
    ...spec,
    affinity: { ...affinity, nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { ...required, nodeSelectorTerms: terms } } },
  };
}

/**
 * Undoes `mergeArchAffinity(spec, archs)`: removes `kubernetes.io/arch In [archs]` from every term, drops terms
 * that only held it, and the required affinity / node affinity / affinity objects that become empty.
 * Used to re-place a pod archcheck already placed (its annotation names the archs it injected) after another
 * webhook changed its images. Returns a new spec.
 */
export function removeArchRequirement(spec: PodSpec, archs: readonly string[]): PodSpec {
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required?.nodeSelectorTerms) return spec;
  const terms = required.nodeSelectorTerms.flatMap((term): NodeSelectorTerm[] => {
    const expressions = term.matchExpressions ?? [];
    if (!expressions.some((r) => isArchRequirement(r, archs))) return [term];
    const kept = expressions.filter((r) => !isArchRequirement(r, archs));
    const { matchExpressions: _dropped, ...rest } = term;
    const next: NodeSelectorTerm = kept.length > 0 ? { ...rest, matchExpressions: kept } : rest;
    return isEmptyTerm(next) ? [] : [next];
  });
  return withRequiredTerms(spec, terms);
}

function withRequiredTerms(spec: PodSpec, terms: NodeSelectorTerm[]): PodSpec {
  const affinity = { ...spec.affinity };
  const nodeAffinity = { ...affinity.nodeAffinity };
  if (terms.length > 0) {
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { ...nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, nodeSelectorTerms: terms };
  } else {
    delete nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  }
  if (Object.keys(nodeAffinity).length > 0) affinity.nodeAffinity = nodeAffinity;
  else delete affinity.nodeAffinity;
  const next: PodSpec = { ...spec, affinity };
  if (Object.keys(affinity).length === 0) delete next.affinity;
  return next;
}
