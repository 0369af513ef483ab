import type { AuditReport } from '../audit/report.js';
import { warn, type CommandContext } from '../cli-io.js';
import { failsOn, type FailCondition, type OutputFormat } from '../flags/output-flags.js';
import { renderAuditMarkdown } from './audit-markdown.js';
import { renderAuditNames, renderAuditSummary, renderAuditTable } from './audit-table.js';
import { palette, shouldColor } from './color.js';
import { renderStructured } from './structured.js';

export interface PrintAuditOptions {
  format: OutputFormat;
  showNamespace: boolean;
  failOn: readonly FailCondition[];
  /** What was audited, for "No workloads found in …": `namespace "shop"`, `any namespace`, `app.yaml`. */
  scope: string;
  noHeaders?: boolean;
}

/**
 * Prints the report in the chosen format, warnings on stderr, and sets exit code 1 when --fail-on trips.
 * An empty table says so on stderr (markdown: in the summary itself), naming what was searched (as kubectl's "No resources found in X namespace.").
 */
export function printAuditReport(report: AuditReport, options: PrintAuditOptions, ctx: CommandContext): void {
  const { io } = ctx;
  for (const w of report.warnings) warn(io, w);
  if (options.format === 'json' || options.format === 'yaml') {
    io.stdout(renderStructured(report, options.format));
  } else if (options.format === 'markdown') {
    // A job summary says "no workloads" itself: stdout goes to the summary, stderr only to the log.
    io.stdout(renderAuditMarkdown(report, { scope: options.scope, showNamespace: options.showNamespace }));
  } else if (report.workloads.length === 0) {
    io.stderr(`No workloads found in ${options.scope}.\n`);
  } else if (options.format === 'name') {
    io.stdout(renderAuditNames(report));
  } else {
    const colors = palette(shouldColor(io.stdoutIsTTY === true, io.env ?? process.env));
    const noHeaders = options.noHeaders === true;
    io.stdout(renderAuditTable(report, { wide: options.format === 'wide', showNamespace: options.showNamespace, palette: colors, noHeaders }));
    if (!noHeaders) io.stdout(renderAuditSummary(report));
  }
  const failing = report.workloads.filter((w) => failsOn(w, options.failOn));
  if (failing.length > 0) ctx.setExitCode(1);
}
