import type { FleetCluster, FleetReport } from '../fleet/fleet-report.js';
import { mdCell, mdCode, mdTable, plural } from './markdown.js';
import { renderTable } from './table.js';

/** How many blocking images and findings the table and markdown list; JSON and YAML have them all. */
export const FLEET_LIST_LIMIT = 20;

function clusterCells(c: FleetCluster): string[] {
  const s = c.report?.summary;
  if (!s) return [c.state, '-', '-', '-', '-', '-', '-'];
  const b = s.byStatus;
  return [c.state, String(s.workloads), String(b.ok), String(b['at-risk']), String(b.broken), String(b.unknown), `${s.targetReady}/${s.workloads} (${s.targetReadyPercent}%)`];
}

function clusterHeaders(r: FleetReport): string[] {
  return ['CLUSTER', 'STATE', 'WORKLOADS', 'OK', 'AT-RISK', 'BROKEN', 'UNKNOWN', `${r.summary.targetArch.toUpperCase()}-READY`];
}

function summaryLine(r: FleetReport): string {
  const s = r.summary;
  const statuses = (['ok', 'at-risk', 'broken', 'unknown'] as const).map((k) => `${s.byStatus[k]} ${k}`).join(', ');
  return `${s.audited}/${plural(s.clusters, 'cluster')} audited; ${plural(s.workloads, 'workload')}: ${statuses}; ${s.targetArch}-ready: ${s.targetReady}/${s.workloads} (${s.targetReadyPercent}%); ${plural(s.imageLookups, 'image lookup')}`;
}

function more(n: number, shown: number, what: string): string[] {
  return n > shown ? [`… and ${n - shown} more ${what} (-o json has them all)`] : [];
}

/**
 * `-o table`: one row per cluster (its state, or its counts), the images blocking the target arch across the fleet
 * and where, the workloads that need attention and where, then why clusters could not be audited.
 */
export function renderFleetTable(r: FleetReport, noHeaders = false): string {
  const clusters = renderTable(clusterHeaders(r), r.clusters.map((c) => [c.name, ...clusterCells(c)]), noHeaders);
  if (noHeaders) return clusters;
  const lines = [clusters.trimEnd(), '', summaryLine(r)];
  const images = r.blockingImages.slice(0, FLEET_LIST_LIMIT);
  if (images.length > 0) {
    const rows = images.map((i) => [i.image, String(i.workloads), i.clusters.map((c) => `${c.cluster}(${c.workloads})`).join(',')]);
    lines.push('', renderTable([`IMAGES BLOCKING ${r.summary.targetArch.toUpperCase()}`, 'WORKLOADS', 'CLUSTERS'], rows).trimEnd(), ...more(r.blockingImages.length, images.length, 'images'));
  }
  const findings = r.findings.slice(0, FLEET_LIST_LIMIT);
  if (findings.length > 0) {
    const rows = findings.map((f) => [f.cluster, f.namespace, `${f.kind}/${f.name}`, f.status]);
    lines.push('', renderTable(['CLUSTER', 'NAMESPACE', 'WORKLOAD', 'STATUS'], rows).trimEnd(), ...more(r.findings.length, findings.length, 'workloads'));
  }
  const failed = r.clusters.filter((c) => c.error);
  if (failed.length > 0) lines.push('', 'Not audited:', ...failed.map((c) => `  ${c.name}: ${c.state}: ${c.error}`));
  return `${lines.join('\n')}\n`;
}

/** `-o markdown`: the same for a CI job summary, with full reasons. */
export function renderFleetMarkdown(r: FleetReport): string {
  const s = r.summary;
  const lines = [`### archcheck fleet: ${s.targetArch} readiness of ${plural(s.clusters, 'cluster')}`, '', `**${summaryLine(r)}**`, ''];
  const headers = clusterHeaders(r).map((h) => h.toLowerCase());
  lines.push(mdTable(headers, r.clusters.map((c) => [mdCode(c.name), ...clusterCells(c).map(mdCell)]), [2, 3, 4, 5, 6, 7]), '');
  const images = r.blockingImages.slice(0, FLEET_LIST_LIMIT);
  if (images.length > 0) {
    lines.push(`Images blocking ${s.targetArch} (fix these first):`, '');
    const rows = images.map((i) => [mdCode(i.image), String(i.workloads), mdCell(i.clusters.map((c) => `${c.cluster} (${c.workloads})`).join(', '))]);
    lines.push(mdTable(['image', 'workloads blocked', 'clusters'], rows, [1]), ...more(r.blockingImages.length, images.length, 'images'), '');
  }
  const findings = r.findings.slice(0, FLEET_LIST_LIMIT);
  if (findings.length > 0) {
    const rows = findings.map((f) => [mdCode(f.cluster), mdCode(f.namespace), mdCode(`${f.kind}/${f.name}`), `**${f.status}**`, mdCell(f.reason)]);
    lines.push(mdTable(['cluster', 'namespace', 'workload', 'status', 'reason'], rows), ...more(r.findings.length, findings.length, 'workloads'), '');
  }
  const failed = r.clusters.filter((c) => c.error);
  if (failed.length > 0) lines.push('Not audited:', '', ...failed.map((c) => `- ${mdCode(c.name)}: ${c.state}: ${mdCell(c.error ?? '')}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}
