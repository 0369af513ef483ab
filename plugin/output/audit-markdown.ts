import type { AuditReport, WorkloadReport, WorkloadStatus } from '../audit/report.js';
import { readinessCell } from './audit-table.js';
import { mdCell, mdCode, mdTable, plural } from './markdown.js';

/** The statuses in the order a reader acts on them: what is failing now first. */
const STATUS_ORDER: readonly WorkloadStatus[] = ['broken', 'at-risk', 'unknown', 'ok'];

/** Status words with a marker that reads in any renderer (no emoji font needed, no color). */
export function statusMark(status: WorkloadStatus): string {
  switch (status) {
    case 'broken':
      return '**broken**';
    case 'at-risk':
      return '**at-risk**';
    case 'unknown':
      return '_unknown_';
    case 'ok':
      return 'ok';
  }
}

export interface AuditMarkdownOptions {
  /** What was audited, e.g. `namespace "shop"`, `any namespace`, `k8s/`. */
  scope: string;
  showNamespace: boolean;
}

function summarySection(report: AuditReport): string[] {
  const s = report.summary;
  const counts = STATUS_ORDER.map((k) => `${s.byStatus[k]} ${k}`).join(', ');
  const lines = [`**${plural(s.workloads, 'workload')}**: ${counts}. **${s.targetArch}-ready: ${s.targetReady}/${s.workloads} (${s.targetReadyPercent}%)**`, ''];
  if (s.topBlockingImages.length > 0) {
    lines.push(`Images blocking ${s.targetArch} (fix these first):`, '');
    lines.push(mdTable(['image', 'workloads blocked'], s.topBlockingImages.map((b) => [mdCode(b.image), String(b.workloads)]), [1]), '');
  }
  return lines;
}

function workloadRow(w: WorkloadReport, showNamespace: boolean): string[] {
  return [
    ...(showNamespace ? [mdCode(w.namespace)] : []),
    mdCode(`${w.kind}/${w.name}`),
    statusMark(w.status),
    mdCell(w.sharedArchs.join(', ') || 'none'),
    readinessCell(w.target),
    mdCell(w.reason),
  ];
}

function workloadsSection(report: AuditReport, showNamespace: boolean): string[] {
  // Most urgent first; within a status, the report's own order (namespace, then as read).
  const rank = (w: WorkloadReport): number => STATUS_ORDER.indexOf(w.status);
  const rows = [...report.workloads].sort((a, b) => rank(a) - rank(b)).map((w) => workloadRow(w, showNamespace));
  const headers = [...(showNamespace ? ['namespace'] : []), 'workload', 'status', 'archs', report.summary.targetArch, 'reason'];
  return [mdTable(headers, rows)];
}

function caveatsSection(report: AuditReport): string[] {
  const lines: string[] = [];
  if (report.unresolvedImages.length > 0) {
    lines.push(`Could not resolve ${plural(report.unresolvedImages.length, 'image')}:`, '');
    for (const u of report.unresolvedImages) lines.push(`- ${mdCode(u.image)}: ${mdCell(`${u.error.code}: ${u.error.message}`)}`);
    lines.push('');
  }
  if (report.warnings.length > 0) {
    lines.push('Warnings:', '');
    for (const w of report.warnings) lines.push(`- ${mdCell(w)}`);
    lines.push('');
  }
  return lines;
}

/**
 * `-o markdown`: the audit for a CI job summary (`>> $GITHUB_STEP_SUMMARY`): the counts and readiness, the images to
 * fix first, every workload (most urgent first, full reasons), then what could not be read.
 */
export function renderAuditMarkdown(report: AuditReport, o: AuditMarkdownOptions): string {
  const what = report.source === 'manifests' ? 'manifests' : 'cluster';
  const lines = [`### archcheck: ${report.summary.targetArch} readiness of ${mdCell(o.scope)} (${what})`, ''];
  if (report.workloads.length === 0) lines.push(`No workloads found in ${mdCell(o.scope)}.`, '');
  else lines.push(...summarySection(report), ...workloadsSection(report, o.showNamespace), '');
  lines.push(...caveatsSection(report));
  return `${lines.join('\n').trimEnd()}\n`;
}
