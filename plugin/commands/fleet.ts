import type { Command } from 'commander';
import type { CommandContext } from '../cli-io.js';
import { addCacheFlags } from '../flags/cache-flags.js';
import { addAuditFlags, failConditions, failsOn, outputFormat, targetArch, type FailCondition, type OutputFlags, type OutputFormat } from '../flags/output-flags.js';
import { auditFleet, type FleetAuditFlags } from '../fleet/fleet-audit.js';
import type { FleetReport } from '../fleet/fleet-report.js';
import { fleetTargets } from '../fleet/fleet-targets.js';
import { DEFAULT_ENVIRONMENT } from '../kube/kubeconfig-load.js';
import { renderFleetMarkdown, renderFleetTable } from '../output/fleet-output.js';
import { renderStructured } from '../output/structured.js';
import { addRegistryFlags } from '../registry-flags.js';
import { renderHtmlReport } from '../report/html-page.js';
import { fleetReportData } from '../report/report-data.js';
import { savingsSectionHtml } from '../report/savings-section.js';
import { addReportFlag, checkReportPath, writeReport } from '../report/write-report.js';
import { UsageError } from '../usage-error.js';

export const FLEET_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml', 'markdown'];
const DEFAULT_CONCURRENCY = 8;
/** Prices differ per cluster (region, agreement), so a fleet report does not estimate savings. */
const FLEET_SAVINGS_HINT = 'Savings are estimated per cluster, with that cluster\'s prices: <code>kubectl archcheck -A --context NAME --report r.html --price amd64=X --price arm64=Y</code>.';

interface FleetCommandOptions extends FleetAuditFlags, OutputFlags {
  contexts?: string[];
  allContexts?: boolean;
  kubeconfigDir?: string;
  maxConcurrency: string;
  targetArch: string;
  failOn?: string[];
  report?: string;
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** --fail-on for a fleet: the audit's conditions, any cluster, plus `unreachable` (a cluster that could not be audited). */
function fleetFailConditions(values: readonly string[] = []): { workloads: FailCondition[]; unreachable: boolean } {
  const unreachable = values.includes('unreachable');
  try {
    return { workloads: failConditions(values.filter((v) => v !== 'unreachable')), unreachable };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}, unreachable`);
  }
}

function concurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--max-concurrency ${value}: expected a whole number from 1 to 64`);
  return n;
}

function render(report: FleetReport, format: OutputFormat, noHeaders: boolean): string {
  if (format === 'json' || format === 'yaml') return renderStructured(report, format);
  if (format === 'markdown') return renderFleetMarkdown(report);
  return renderFleetTable(report, noHeaders);
}

async function runFleetCommand(opts: FleetCommandOptions, ctx: CommandContext): Promise<void> {
  const format = outputFormat(opts.output, FLEET_FORMATS);
  const failOn = fleetFailConditions(opts.failOn);
  const arch = targetArch(opts.targetArch);
  const limit = concurrency(opts.maxConcurrency);
  const targets = fleetTargets(
    { ...(opts.contexts && { contexts: opts.contexts }), ...(opts.allContexts && { allContexts: true }), ...(opts.kubeconfigDir !== undefined && { kubeconfigDir: opts.kubeconfigDir }), ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }) },
    ctx.io.env && { ...DEFAULT_ENVIRONMENT, env: ctx.io.env },
  );
  await checkReportPath(opts.report);
  ctx.io.stderr(`auditing ${targets.length} cluster${targets.length === 1 ? '' : 's'} (${limit} at a time)\n`);
  const report = await auditFleet({ targets, flags: opts, targetArch: arch, concurrency: limit }, ctx);
  ctx.io.stdout(render(report, format, opts.headers === false));
  if (opts.report) {
    const title = `${arch} readiness of ${targets.length} cluster${targets.length === 1 ? '' : 's'}`;
    await writeReport(opts.report, renderHtmlReport(fleetReportData(report, title, new Date()), savingsSectionHtml(undefined, FLEET_SAVINGS_HINT)), ctx.io.stderr);
  }
  if (report.summary.audited === 0) {
    ctx.io.stderr('error: no cluster could be audited\n');
    ctx.setExitCode(2);
    return;
  }
  const workloads = report.clusters.flatMap((c) => c.report?.workloads ?? []);
  if (workloads.some((w) => failsOn(w, failOn.workloads)) || (failOn.unreachable && report.summary.audited < report.summary.clusters)) ctx.setExitCode(1);
}

export function registerFleetCommand(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('fleet')
    .description('audit many clusters at once: per-cluster state, images blocking arm64 and where, workloads at risk or broken and where')
    .addHelpText(
      'after',
      `
Clusters: --contexts a,b,c (contexts of the kubeconfig kubectl reads, or of --kubeconfig), --all-contexts, or
--kubeconfig-dir DIR (every file in DIR is one cluster, with its current-context; named after the file).
Every namespace is audited unless -n. Clusters are read --max-concurrency at a time; each image is looked up once
for the whole fleet (per set of pull-secret credentials), then judged against each cluster's own nodes.

A cluster that cannot be audited gets a state instead of counts: unreachable, timed-out (--request-timeout),
forbidden, unauthorized, config-error, error. Progress: one line per cluster on stderr.

Exit codes: 0 no --fail-on condition met, 1 a workload in some cluster meets one (or, with --fail-on unreachable,
some cluster could not be audited), 2 bad flags or no cluster could be audited.

Examples:
  kubectl archcheck fleet --all-contexts
  kubectl archcheck fleet --contexts edge-001,edge-002 -o json --fail-on broken,unreachable
  kubectl archcheck fleet --kubeconfig-dir ./clusters -o markdown >> "$GITHUB_STEP_SUMMARY"
`,
    )
    .option('--contexts <names>', 'kubeconfig contexts to audit (comma-separated or repeated)', collectList)
    .option('--all-contexts', 'audit every context of the kubeconfig')
    .option('--kubeconfig-dir <dir>', 'audit one cluster per kubeconfig file in DIR (its current-context)')
    .option('--kubeconfig <path>', 'kubeconfig file for --contexts/--all-contexts (default: $KUBECONFIG or ~/.kube/config)')
    .option('-n, --namespace <namespace>', 'audit only this namespace in every cluster (default: all namespaces)')
    .option('-l, --selector <selector>', 'only workloads whose labels match')
    .option('--request-timeout <duration>', 'time allowed per API server request (wall clock)', '30s')
    .option('--max-concurrency <n>', 'clusters read and judged at once', String(DEFAULT_CONCURRENCY))
    .option('-o, --output <format>', `output format: ${FLEET_FORMATS.join('|')}`, 'table')
    .option('--no-headers', 'table: the cluster rows only');
  addAuditFlags(cmd, '; unreachable: some cluster could not be audited');
  addRegistryFlags(cmd);
  addCacheFlags(cmd);
  addReportFlag(cmd);
  cmd.action(async (opts: FleetCommandOptions) => runFleetCommand(opts, ctx));
}
