import { withFields } from '../with-fields.js';
import { ARCH_LABEL, type NodeAffinity, type NodeSelectorRequirement, type NodeSelectorTerm, type PodSpec } from './k8s-types.js';

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
  return withFields(term, { matchExpressions: [...expressions, archRequirement(archs)] });
}

/**
 * Restricts a pod to nodes whose `kubernetes.io/arch` is one of `archs`: ANDs `kubernetes.io/arch In [archs]` into
 * EVERY required nodeSelectorTerm (terms are ORed, so one unrestricted term would let the pod land anywhere),
 * creating the required node affinity when absent. User terms are kept; nothing is removed or reordered.
 * Idempotent: a term that already has the exact requirement is left alone, and a spec whose every term has it is
 * returned itself (so a caller sees "unchanged" by identity). Otherwise returns a new spec.
 */
export function mergeArchAffinity(spec: PodSpec, archs: readonly string[]): PodSpec {
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const given = required?.nodeSelectorTerms;
  const terms = given?.length ? given.map((t) => withRequirement(t, archs)) : [{ matchExpressions: [archRequirement(archs)] }];
  if (given?.length && terms.every((t, i) => t === given[i])) return spec;
  return withNodeAffinity(spec, { requiredDuringSchedulingIgnoredDuringExecution: withFields(required, { nodeSelectorTerms: terms }) });
}

/**
 * A copy of the spec with these node affinity fields set, the rest of its affinity kept. withFields is
 * `{ ...o, ...fields }` without the cost of a spread followed by new keys (core/with-fields.ts).
 */
export function withNodeAffinity(spec: PodSpec, fields: Partial<NodeAffinity>): PodSpec {
  const affinity = spec.affinity ?? {};
  return withFields(spec, { affinity: withFields(affinity, { nodeAffinity: withFields(affinity.nodeAffinity ?? {}, fields) }) });
}
