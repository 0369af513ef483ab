/** What each audited tool concluded, in one table cell, read from its own output. */
import type { AuditReport } from '../../plugin/audit/report.js';

/** `kubectl archcheck -o json`: workloads by status, distinct images, and images it could not read. */
export function summarizeArchcheck(stdout: string): string {
  const report = JSON.parse(stdout) as AuditReport;
  const b = report.summary.byStatus;
  const images = new Set(report.workloads.flatMap((w) => w.images.map((i) => i.image)));
  return `${report.workloads.length} workloads (${b.ok} ok, ${b['at-risk']} at-risk, ${b.broken} broken, ${b.unknown} unknown), ${images.size} images, ${report.unresolvedImages.length} unresolved`;
}

// kubearchinspect's legend icons (cmd/images.go), one line per image after the legend.
const ICONS: ReadonlyArray<[string, string]> = [
  ['\u2705', 'arm64 ok'],
  ['\u{1F199}', 'arm64 after update'],
  ['\u274C', 'no arm64'],
  ['\u{1F6AB}', 'error'],
];

/** kubearchinspect's `images` output: images per verdict (the legend's own lines are not counted). */
export function summarizeKubearchinspect(stdout: string): string {
  const lines = stdout.split('\n').filter((l) => / \S+/.test(l) && !l.includes(' - '));
  const counts = ICONS.map(([icon, label]) => [label, lines.filter((l) => l.startsWith(`${icon} `)).length] as const);
  const images = counts.reduce((n, [, c]) => n + c, 0);
  return `${images} images (${counts.map(([label, c]) => `${c} ${label}`).join(', ')})`;
}
