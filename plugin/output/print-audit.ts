import type { AuditReport } from '../audit/report.js';
import { warn, type CommandContext } from '../cli-io.js';
import { failsOn, type FailCondition, type OutputFormat } from '../flags/output-flags.js';
import { renderAuditSummary, renderAuditTable } from './audit-table.js';
import { palette, shouldColor } from './color.js';
import { renderStructured } from './structured.js';

/** Prints the report in the chosen format, warnings on stderr, and sets exit code 1 when --fail-on trips. */
export function printAuditReport(
  report: AuditReport,
  options: { format: OutputFormat; showNamespace: boolean; failOn: readonly FailCondition[] },
  ctx: CommandContext,
): void {
  const { io } = ctx;
  for (const w of report.warnings) warn(io, w);
  if (options.format === 'json' || options.format === 'yaml') {
    io.stdout(renderStructured(report, options.format));
  } else {
    const colors = palette(shouldColor(io.stdoutIsTTY === true, io.env ?? process.env));
    io.stdout(renderAuditTable(report, { wide: options.format === 'wide', showNamespace: options.showNamespace, palette: colors }));
    io.stdout(renderAuditSummary(report));
  }
  const failing = report.workloads.filter((w) => failsOn(w, options.failOn));
  if (failing.length > 0) ctx.setExitCode(1);
}
