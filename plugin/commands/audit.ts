import type { Command } from 'commander';
import type { CommandContext } from '../cli-io.js';
import { auditCluster, type ClusterAuditFlags } from '../cluster-audit.js';
import { addCacheFlags } from '../flags/cache-flags.js';
import { addKubeFlags } from '../flags/kube-flags.js';
import { addAuditFlags, addOutputFlag, AUDIT_FORMATS, failConditions, outputFormat, targetArch, type OutputFlags } from '../flags/output-flags.js';
import { printAuditReport } from '../output/print-audit.js';
import { addRegistryFlags } from '../registry-flags.js';
import { renderHtmlReport } from '../report/html-page.js';
import { auditReportData } from '../report/report-data.js';
import { savingsSectionHtml } from '../report/savings-section.js';
import { addReportFlag, checkReportPath, writeReport } from '../report/write-report.js';
import type { AuditReport } from '../audit/report.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { archPrices, readPriceInputs, type PriceInputs } from '../savings/price-inputs.js';
import { poolSavings } from '../savings/pool-savings.js';
import { computeSavings, type SavingsReport } from '../savings/savings.js';
import { UsageError } from '../usage-error.js';

export interface AuditCommandOptions extends ClusterAuditFlags, OutputFlags {
  targetArch: string;
  failOn?: string[];
  report?: string;
  price: string[];
  priceFile?: string;
}

export const STATUS_HELP = `
Statuses (strongest evidence first):
  broken    a pod runs (or crash-loops) on a node whose arch one of its images has no build for
  at-risk   the scheduler may place it on a node arch one of its images lacks: some node of that arch
            matches its nodeSelector/required affinity and carries no NoSchedule/NoExecute taint it does
            not tolerate (PreferNoSchedule taints and preferred affinity do not keep it off)
  unknown   an image could not be resolved (auth, not found, rate limit…), and nothing above is certain
  ok        every node arch it can be scheduled onto runs all its images (init containers included);
            an arch its images lack is out of reach (excluded by affinity, or every node of that arch
            has a taint it does not tolerate)

The ARM64 column (named after --target-arch): ready, blocked (an image has no build for that arch), or
unknown. The summary counts workloads by status, the share ready for the target arch, and the images that
block the most workloads.

Exit codes: 0 no --fail-on condition met, 1 a workload meets one, 2 error (bad flags, unreadable kubeconfig,
unreachable API server, nothing readable in the namespace).`;

/** The savings the report shows: per workload and year, and per node pool and month when the nodes are known. */
function reportSavings(report: AuditReport, nodes: ClusterNode[] | null, pricing: PriceInputs): SavingsReport {
  const prices = archPrices(pricing, nodes);
  const savings = computeSavings(report, prices);
  if (nodes) savings.byPool = poolSavings(report, nodes, prices, pricing.file);
  return savings;
}

/** Cluster audit output shows the NAMESPACE column only when several namespaces are audited, as kubectl does. */
export async function runAuditCommand(opts: AuditCommandOptions, ctx: CommandContext): Promise<void> {
  const format = outputFormat(opts.output, AUDIT_FORMATS);
  const failOn = failConditions(opts.failOn);
  const arch = targetArch(opts.targetArch);
  await checkReportPath(opts.report);
  const pricing = opts.price.length > 0 || opts.priceFile ? await readPriceInputs(opts.price, opts.priceFile, arch) : undefined;
  if (pricing && !opts.report) throw new UsageError('--price and --price-file price the --report; for prices alone use kubectl archcheck savings');
  const { report, allNamespaces, scope, context, nodes } = await auditCluster(opts, arch, ctx);
  printAuditReport(report, { format, showNamespace: allNamespaces, failOn, scope, noHeaders: opts.headers === false }, ctx);
  if (opts.report) {
    const title = `${arch} readiness of ${scope}${context ? ` in ${context}` : ''}`;
    const savings = pricing ? reportSavings(report, nodes, pricing) : undefined;
    await writeReport(opts.report, renderHtmlReport(auditReportData(report, title, new Date()), savingsSectionHtml(savings)), ctx.io.stderr);
  }
}

export function registerAuditCommand(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('audit', { isDefault: true })
    .description('audit every workload in the cluster: image archs, where its pods run and may run, arm64 readiness')
    .addHelpText('after', `${STATUS_HELP}\n\nExamples:\n  kubectl archcheck -A\n  kubectl archcheck -n shop -o wide\n  kubectl archcheck -A -o json --fail-on broken,at-risk\n`);
  addKubeFlags(cmd);
  addOutputFlag(cmd, AUDIT_FORMATS);
  addAuditFlags(cmd);
  addRegistryFlags(cmd);
  addCacheFlags(cmd);
  addReportFlag(cmd)
    .option('--price <arch=price>', 'with --report: price per vCPU-hour for an arch, for its savings estimate (repeatable)', (v: string, prev: string[] = []) => [...prev, v], [])
    .option('--price-file <path>', 'with --report: YAML price table per instance type (see kubectl archcheck savings --help)');
  cmd.action(async (opts: AuditCommandOptions) => runAuditCommand(opts, ctx));
}
