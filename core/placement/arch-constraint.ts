import { ARCH_LABELS, type NodeSelectorRequirement, type NodeSelectorTerm, type PodSpec } from './k8s-types.js';

/**
 * What one ORed node selector term allows of `kubernetes.io/arch`.
 * `in: null` means any arch except those in `notIn`; otherwise exactly `in` (never overlapping `notIn`).
 */
export interface ArchTermConstraint {
  in: string[] | null;
  notIn: string[];
}

/**
 * Which `kubernetes.io/arch` values a pod's nodeSelector and required node affinity allow: a node's arch must
 * satisfy at least one term. No terms means no node can match.
 */
export interface ArchConstraint {
  terms: ArchTermConstraint[];
}

const ANY: ArchTermConstraint = { in: null, notIn: [] };
const NONE: ArchTermConstraint = { in: [], notIn: [] };

function isArchKey(key: string): boolean {
  return ARCH_LABELS.includes(key);
}

function intersect(a: string[] | null, b: string[]): string[] {
  return a === null ? [...b] : a.filter((x) => b.includes(x));
}

/** ANDs one requirement into a term's constraint. Every node carries the arch label, which settles Exists/DoesNotExist. */
function andRequirement(term: ArchTermConstraint, r: NodeSelectorRequirement): ArchTermConstraint {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return { in: intersect(term.in, values), notIn: term.notIn };
    case 'NotIn':
      return { in: term.in, notIn: [...new Set([...term.notIn, ...values])] };
    case 'Exists':
      return term;
    default:
      // DoesNotExist, Gt/Lt (arch values are not integers) and unknown operators match no node.
      return NONE;
  }
}

function normalizeTerm(term: ArchTermConstraint): ArchTermConstraint {
  if (term.in === null) return { in: null, notIn: [...term.notIn].sort() };
  return { in: [...new Set(term.in.filter((a) => !term.notIn.includes(a)))].sort(), notIn: [] };
}

function isEmptyTerm(term: NodeSelectorTerm): boolean {
  return (term.matchExpressions ?? []).length === 0 && (term.matchFields ?? []).length === 0;
}

function nodeSelectorRequirements(spec: PodSpec): NodeSelectorRequirement[] {
  return Object.entries(spec.nodeSelector ?? {})
    .filter(([key]) => isArchKey(key))
    .map(([key, value]) => ({ key, operator: 'In', values: [value] }));
}

function termConstraint(term: NodeSelectorTerm, base: NodeSelectorRequirement[]): ArchTermConstraint {
  if (isEmptyTerm(term)) return NONE; // an empty term matches no node
  const requirements = [...base, ...(term.matchExpressions ?? []).filter((r) => isArchKey(r.key))];
  return normalizeTerm(requirements.reduce(andRequirement, ANY));
}

function isUnconstrained(term: ArchTermConstraint): boolean {
  return term.in === null && term.notIn.length === 0;
}

/**
 * Which `kubernetes.io/arch` (or `beta.kubernetes.io/arch`) values the pod's `nodeSelector` and
 * `requiredDuringSchedulingIgnoredDuringExecution` node affinity already allow; `null` when they say nothing about
 * arch (some term allows every arch). Terms are ORed, each ANDed with the nodeSelector. Operators: `In`, `NotIn`,
 * `Exists` (every node has the label), `DoesNotExist`/`Gt`/`Lt` (no node matches); an empty term matches nothing.
 * Preferred affinity is ignored: it never prevents placement.
 */
export function archConstraint(spec: PodSpec): ArchConstraint | null {
  const base = nodeSelectorRequirements(spec);
  const requiredTerms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  // An empty term list is rejected by the API server; treat it like no required affinity (as mergeArchAffinity does).
  const terms = requiredTerms?.length
    ? requiredTerms.map((t) => termConstraint(t, base))
    : [normalizeTerm(base.reduce(andRequirement, ANY))];
  if (terms.some(isUnconstrained)) return null;
  return { terms };
}

/** Whether a node of this arch can satisfy the constraint (`null` allows everything). */
export function constraintAllows(constraint: ArchConstraint | null, arch: string): boolean {
  if (constraint === null) return true;
  return constraint.terms.some((t) => (t.in === null || t.in.includes(arch)) && !t.notIn.includes(arch));
}

/** The candidates the constraint allows, in candidate order. */
export function allowedByConstraint(constraint: ArchConstraint | null, candidates: readonly string[]): string[] {
  return candidates.filter((a) => constraintAllows(constraint, a));
}

/** `kubernetes.io/arch in [arm64]`, `kubernetes.io/arch not in [amd64]`, `no node (empty or impossible terms)`. */
export function describeArchConstraint(constraint: ArchConstraint | null): string {
  if (constraint === null) return 'any kubernetes.io/arch';
  const parts = constraint.terms
    .filter((t) => t.in === null || t.in.length > 0)
    .map((t) => (t.in === null ? `kubernetes.io/arch not in [${t.notIn.join(',')}]` : `kubernetes.io/arch in [${t.in.join(',')}]`));
  return parts.length === 0 ? 'no node (arch terms match nothing)' : [...new Set(parts)].join(' or ');
}
