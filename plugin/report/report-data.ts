import type { AuditReport, WorkloadReport } from '../audit/report.js';
import { topBlockingImages } from '../audit/summary.js';
import type { FleetReport } from '../fleet/fleet-report.js';

/**
 * What the HTML report shows, made from an audit or a fleet: the page only draws it. Each workload falls in one
 * readiness category for the chart:
 *   broken / at-risk / unknown   its audit status (most urgent first)
 *   ready                        ok, and every image has a build for the target arch
 *   blocked                      ok today, but an image has no build for the target arch
 */
export type ReadinessCategory = 'ready' | 'blocked' | 'at-risk' | 'broken' | 'unknown';
export const READINESS_CATEGORIES: readonly ReadinessCategory[] = ['ready', 'blocked', 'at-risk', 'broken', 'unknown'];

export interface ReportRow {
  group: string;
  namespace: string;
  workload: string;
  status: string;
  category: ReadinessCategory;
  archs: string;
  target: string;
  reason: string;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  targetArch: string;
  /** What the chart's bars are: namespaces (audit) or clusters (fleet). */
  groupBy: 'namespace' | 'cluster';
  groups: Array<{ name: string; counts: Record<ReadinessCategory, number> }>;
  blockingImages: Array<{ image: string; workloads: number; where: string }>;
  rows: ReportRow[];
  /** Lines under the summary: clusters not audited, warnings. */
  notes: string[];
}

export function readinessCategory(w: WorkloadReport): ReadinessCategory {
  if (w.status !== 'ok') return w.status;
  return w.target.ready === true ? 'ready' : 'blocked';
}

function targetCell(w: WorkloadReport): string {
  return w.target.ready === true ? 'ready' : w.target.ready === null ? 'unknown' : 'blocked';
}

function row(group: string, w: WorkloadReport): ReportRow {
  return { group, namespace: w.namespace, workload: `${w.kind}/${w.name}`, status: w.status, category: readinessCategory(w), archs: w.sharedArchs.join(', '), target: targetCell(w), reason: w.reason };
}

function groupCounts(rows: readonly ReportRow[]): ReportData['groups'] {
  const groups = new Map<string, Record<ReadinessCategory, number>>();
  for (const r of rows) {
    const counts = groups.get(r.group) ?? (Object.fromEntries(READINESS_CATEGORIES.map((c) => [c, 0])) as Record<ReadinessCategory, number>);
    counts[r.category]++;
    groups.set(r.group, counts);
  }
  return [...groups].map(([name, counts]) => ({ name, counts }));
}

export function auditReportData(report: AuditReport, title: string, now: Date): ReportData {
  const rows = report.workloads.map((w) => row(w.namespace, w));
  return {
    title,
    generatedAt: now.toISOString(),
    targetArch: report.summary.targetArch,
    groupBy: 'namespace',
    groups: groupCounts(rows),
    blockingImages: topBlockingImages(report.workloads, Number.MAX_SAFE_INTEGER).map((b) => ({ ...b, where: '' })),
    rows,
    notes: report.warnings,
  };
}

export function fleetReportData(report: FleetReport, title: string, now: Date): ReportData {
  const rows = report.clusters.flatMap((c) => (c.report?.workloads ?? []).map((w) => row(c.name, w)));
  return {
    title,
    generatedAt: now.toISOString(),
    targetArch: report.summary.targetArch,
    groupBy: 'cluster',
    groups: groupCounts(rows),
    blockingImages: report.blockingImages.map((b) => ({ image: b.image, workloads: b.workloads, where: b.clusters.map((c) => `${c.cluster} (${c.workloads})`).join(', ') })),
    rows,
    notes: report.clusters.filter((c) => c.error).map((c) => `${c.name} not audited: ${c.state}: ${c.error}`),
  };
}
