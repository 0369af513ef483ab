import type { AuditReport, WorkloadReport } from '../audit/report.js';

/**
 * The REASON column of the default table: a short code read from the report's own fields, so a table of a real
 * cluster fits 100 columns. The full sentence is in `-o wide`, JSON and YAML (`reason`).
 *
 *   runs-on-ARCH      broken: a pod runs on an ARCH node one of its images has no build for
 *   may-run-on-ARCH   at-risk: it can be scheduled onto ARCH nodes an image has no build for
 *   CODE              unknown: the registry error codes (UNAUTHORIZED, NOT_FOUND, …)
 *   all-archs         ok: its images run on every node arch of the cluster
 *   kept-off-ARCH     ok: an image lacks ARCH, but taints or affinity keep it off those nodes
 *   unschedulable     ok: no node admits it
 */
export function reasonCode(w: WorkloadReport, clusterArchs: readonly string[]): string {
  const lacks = (arch: string): boolean => w.images.some((i) => i.error === null && !i.archs.includes(arch));
  switch (w.status) {
    case 'broken':
      return unique(w.nodes.filter((n) => n.incompatible).map((n) => `runs-on-${n.arch ?? 'unknown'}`)).join(',') || 'broken';
    case 'at-risk':
      return unique(w.schedulableArchs.filter(lacks).map((a) => `may-run-on-${a}`)).join(',') || 'at-risk';
    case 'unknown':
      return unique(w.images.flatMap((i) => (i.error ? [i.error.code] : []))).join(',') || 'unknown';
    case 'ok': {
      if (w.schedulableArchs.length === 0 && clusterArchs.length > 0) return 'unschedulable';
      const keptOff = clusterArchs.filter(lacks);
      return keptOff.length === 0 ? 'all-archs' : keptOff.map((a) => `kept-off-${a}`).join(',');
    }
    default:
      return String(w.status);
  }
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

export function reasonCodes(report: AuditReport): Map<WorkloadReport, string> {
  return new Map(report.workloads.map((w) => [w, reasonCode(w, report.clusterArchs)]));
}
