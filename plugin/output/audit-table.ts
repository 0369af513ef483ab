import type { AuditReport, AuditSummary, TargetReadiness, WorkloadReport, WorkloadStatus } from '../audit/report.js';
import type { Palette } from './color.js';
import { reasonCode } from './reason-code.js';
import { renderTable } from './table.js';

/** kubectl's `-o name` resource for each workload kind, e.g. `deployment.apps/web`. */
const RESOURCE_NAMES: Readonly<Record<string, string>> = {
  Deployment: 'deployment.apps',
  StatefulSet: 'statefulset.apps',
  DaemonSet: 'daemonset.apps',
  ReplicaSet: 'replicaset.apps',
  Job: 'job.batch',
  CronJob: 'cronjob.batch',
  ReplicationController: 'replicationcontroller',
  Pod: 'pod',
};

/** `-o name`: one `resource/name` per line, as kubectl prints it (pipe it to kubectl). */
export function renderAuditNames(report: AuditReport): string {
  return report.workloads.map((w) => `${RESOURCE_NAMES[w.kind] ?? w.kind.toLowerCase()}/${w.name}\n`).join('');
}

export interface AuditTableOptions {
  wide: boolean;
  showNamespace: boolean;
  palette: Palette;
  noHeaders?: boolean;
}

function statusCell(status: WorkloadStatus, p: Palette): string {
  switch (status) {
    case 'ok':
      return p.green(status);
    case 'at-risk':
      return p.yellow(status);
    case 'broken':
      return p.red(status);
    case 'unknown':
      return p.magenta(status);
  }
}

export function readinessCell(t: TargetReadiness): string {
  if (t.ready === true) return 'ready';
  if (t.ready === null) return 'unknown';
  return 'blocked';
}

function imagesCell(w: WorkloadReport): string {
  return w.images.map((i) => `${i.image}=${i.error ? i.error.code : i.archs.join('+') || 'none'}`).join(' ');
}

function nodesCell(w: WorkloadReport): string {
  return w.nodes.map((n) => `${n.node}(${n.arch ?? '?'})${n.incompatible ? '!' : ''}`).join(',') || '<none>';
}

function tolerationsCell(w: WorkloadReport): string {
  return w.tolerations.map((t) => `${t.key ?? '*'}${t.operator === 'Exists' ? '' : `=${t.value ?? ''}`}${t.effect ? `:${t.effect}` : ''}`).join(',') || '<none>';
}

function row(w: WorkloadReport, o: AuditTableOptions, clusterArchs: readonly string[]): string[] {
  return [
    ...(o.showNamespace ? [w.namespace] : []),
    `${w.kind}/${w.name}`,
    statusCell(w.status, o.palette),
    w.sharedArchs.join(',') || '<none>',
    readinessCell(w.target),
    ...(o.wide ? [w.schedulableArchs.join(',') || '<none>', w.archConstraint ?? '<none>', tolerationsCell(w), nodesCell(w), imagesCell(w)] : []),
    // The full sentence is wide; the default table keeps to a short code so it fits a terminal.
    o.wide ? w.reason : reasonCode(w, clusterArchs),
  ];
}

/** The workload table, kubectl style; statuses colored when the palette has colors. */
export function renderAuditTable(report: AuditReport, o: AuditTableOptions): string {
  if (report.workloads.length === 0) return '';
  const target = report.summary.targetArch.toUpperCase();
  const headers = [
    ...(o.showNamespace ? ['NAMESPACE'] : []),
    'WORKLOAD',
    'STATUS',
    'ARCHS',
    target,
    ...(o.wide ? ['SCHEDULABLE', 'ARCH-CONSTRAINT', 'TOLERATIONS', 'NODES', 'IMAGES'] : []),
    'REASON',
  ];
  return renderTable(headers, report.workloads.map((w) => row(w, o, report.clusterArchs)), o.noHeaders === true);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(s: AuditSummary): string {
  const statuses = (['ok', 'at-risk', 'broken', 'unknown'] as const).map((k) => `${s.byStatus[k]} ${k}`).join(', ');
  return `${plural(s.workloads, 'workload')}: ${statuses}; ${s.targetArch}-ready: ${s.targetReady}/${s.workloads} (${s.targetReadyPercent}%)`;
}

/** The summary under the table: counts, readiness, the images blocking most workloads, images that could not be read. */
export function renderAuditSummary(report: AuditReport): string {
  const lines = ['', summaryLine(report.summary)];
  const top = report.summary.topBlockingImages;
  if (top.length > 0) {
    lines.push(`top images blocking ${report.summary.targetArch}: ${top.map((b) => `${b.image} (${plural(b.workloads, 'workload')})`).join(', ')}`);
  }
  if (report.unresolvedImages.length > 0) {
    lines.push(`could not resolve ${plural(report.unresolvedImages.length, 'image')}:`);
    for (const u of report.unresolvedImages) lines.push(`  ${u.image}: ${u.error.code}: ${u.error.message}`);
  }
  return `${lines.join('\n')}\n`;
}
