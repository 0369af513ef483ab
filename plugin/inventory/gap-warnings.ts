import type { ReadGap } from './inventory.js';

/** Everything a namespace-scoped audit lists; when all are missing, the warning says so in two words. */
const NAMESPACED_LISTS = ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs', 'replicationcontrollers', 'pods'];

function describeMissing(what: readonly string[]): string {
  if (NAMESPACED_LISTS.every((r) => what.includes(r))) {
    return ['workloads or pods', ...what.filter((w) => !NAMESPACED_LISTS.includes(w))].join(', ');
  }
  return what.join(', ');
}

/**
 * One line per namespace (or cluster-scoped read) that could not be read fully, naming what was missing and the
 * API server's reason: `namespace team-b: cannot list deployments, pods (… is forbidden: User "…" cannot list …)`.
 */
export function gapWarnings(gaps: readonly ReadGap[]): string[] {
  const byWhere = new Map<string, { what: string[]; message: string }>();
  for (const g of gaps) {
    const where = g.namespace === null ? '' : `namespace ${g.namespace}: `;
    const entry = byWhere.get(where) ?? { what: [], message: g.message };
    if (!entry.what.includes(g.what)) entry.what.push(g.what);
    byWhere.set(where, entry);
  }
  return [...byWhere].map(([where, { what, message }]) => `${where}cannot read ${describeMissing(what)} (${message})`);
}
