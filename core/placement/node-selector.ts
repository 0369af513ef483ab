import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from './k8s-types.js';

/** The node fields a pod's scheduling constraints look at. */
export interface NodeIdentity {
  name: string;
  labels: Readonly<Record<string, string>>;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number.parseInt(value ?? '', 10);
      const bound = Number.parseInt(values[0] ?? '', 10);
      if (Number.isNaN(n) || Number.isNaN(bound)) return false;
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/** One ORed term: every expression on labels and every field (`metadata.name`) must hold; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, node: NodeIdentity): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  return (
    expressions.every((r) => requirementMatches(r, node.labels[r.key])) &&
    fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.name : undefined))
  );
}

/**
 * Whether the scheduler's NodeAffinity filter lets this pod onto this node: `nodeName` (when set), every
 * `nodeSelector` label, and at least one required node affinity term. Preferred affinity never excludes a node.
 */
export function nodeSelectorAdmits(spec: PodSpec, node: NodeIdentity): boolean {
  if (spec.nodeName && spec.nodeName !== node.name) return false;
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (node.labels[k] !== v) return false;
  }
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => termMatches(t, node));
}
