import type { Command } from 'commander';
import type { AuditReport } from '../audit/report.js';
import type { CommandContext } from '../cli-io.js';
import { auditCluster, type ClusterAuditFlags } from '../cluster-audit.js';
import { addCacheFlags } from '../flags/cache-flags.js';
import { addKubeFlags } from '../flags/kube-flags.js';
import { addOutputFlag, outputFormat, targetArch } from '../flags/output-flags.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { auditManifests, type ManifestsAuditFlags } from '../manifests-audit.js';
import { renderSavings } from '../output/savings-table.js';
import { renderStructured } from '../output/structured.js';
import { addRegistryFlags } from '../registry-flags.js';
import { archPrices, readPriceInputs } from '../savings/price-inputs.js';
import { poolSavings } from '../savings/pool-savings.js';
import { computeSavings } from '../savings/savings.js';

interface SavingsCommandOptions extends ClusterAuditFlags {
  price: string[];
  priceFile?: string;
  targetArch: string;
  fromArch: string;
  filename: string[];
  recursive?: boolean;
  output: string;
  headers?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function audit(opts: SavingsCommandOptions, arch: string, ctx: CommandContext): Promise<{ report: AuditReport; nodes: ClusterNode[] | null; showNamespace: boolean }> {
  if (opts.filename.length > 0) {
    const flags: ManifestsAuditFlags = { ...opts, clusterArchs: `${opts.fromArch},${arch}`, archTaint: [] };
    const report = await auditManifests(flags, arch, ctx);
    return { report, nodes: null, showNamespace: new Set(report.workloads.map((w) => w.namespace)).size > 1 };
  }
  const { report, nodes, allNamespaces } = await auditCluster(opts, arch, ctx);
  return { report, nodes, showNamespace: allNamespaces };
}

export function registerSavingsCommand(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('savings')
    .description('yearly saving of moving arm64-ready workloads\' CPU requests to arm64, and monthly per node pool, with the arithmetic')
    .addHelpText(
      'after',
      `
Saving per workload = (price per vCPU-hour where its pods run − target price) × requested vCPU × 24 × 365.
Per node pool (cluster only) = (pool's price per vCPU-hour − target price) × vCPU the ready workloads request
on it × 730 hours a month; a pool is priced from its instance type in --price-file, else from its arch.
Only workloads whose every image has a build for the target arch count; CPU requests are those of the pods
running now (with -f: replicas × the template's requests; Jobs and CronJobs count 0).

Prices: --price ARCH=PRICE per vCPU-hour, or --price-file with instance types, e.g.
  instanceTypes:
    Standard_D16_v3:   { arch: amd64, vcpus: 16, hourly: 0.768 }
    Standard_D16ps_v6: { arch: arm64, vcpus: 16, hourly: 0.562 }
An arch the cluster runs is priced from its nodes' instance types listed in the file (mean per vCPU over the
nodes); otherwise from the file's cheapest type of that arch. --price wins over the file.

Examples:
  kubectl archcheck savings -A --price amd64=0.048 --price arm64=0.035125
  kubectl archcheck savings -A --price-file prices.yaml -o json
  kubectl archcheck savings -f k8s/ -R --price amd64=0.048 --price arm64=0.035
`,
    )
    .option('--price <arch=price>', 'price per vCPU-hour for an arch (repeatable)', collect, [])
    .option('--price-file <path>', 'YAML price table per instance type (see below)')
    .option('--target-arch <arch>', 'the arch to move to', 'arm64')
    .option('-f, --filename <path>', 'price manifests instead of the cluster (file, directory or -; repeatable)', collect, [])
    .option('-R, --recursive', 'also read subdirectories of -f directories')
    .option('--from-arch <arch>', 'with -f: the arch the workloads run on today', 'amd64');
  addKubeFlags(cmd);
  addOutputFlag(cmd);
  addRegistryFlags(cmd);
  addCacheFlags(cmd);
  cmd.action(async (opts: SavingsCommandOptions) => {
    const format = outputFormat(opts.output);
    const arch = targetArch(opts.targetArch);
    const priceInputs = await readPriceInputs(opts.price, opts.priceFile, arch);
    const { report, nodes, showNamespace } = await audit(opts, arch, ctx);
    const prices = archPrices(priceInputs, nodes);
    const savings = computeSavings(report, prices, opts.fromArch);
    if (nodes) savings.byPool = poolSavings(report, nodes, prices, priceInputs.file);
    for (const w of report.warnings) ctx.io.stderr(`warning: ${w}\n`);
    if (format === 'json' || format === 'yaml') ctx.io.stdout(renderStructured(savings, format));
    else ctx.io.stdout(renderSavings(savings, showNamespace, opts.headers === false));
  });
}
