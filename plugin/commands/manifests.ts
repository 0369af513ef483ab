import type { Command } from 'commander';
import type { CommandContext } from '../cli-io.js';
import { addCacheFlags } from '../flags/cache-flags.js';
import { addAuditFlags, addOutputFlag, AUDIT_FORMATS, failConditions, outputFormat, targetArch, type OutputFlags } from '../flags/output-flags.js';
import { auditManifests, type ManifestsAuditFlags } from '../manifests-audit.js';
import { printAuditReport } from '../output/print-audit.js';
import { addRegistryFlags } from '../registry-flags.js';
import { STATUS_HELP } from './audit.js';

export interface ManifestsCommandOptions extends ManifestsAuditFlags, OutputFlags {
  targetArch: string;
  failOn?: string[];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addManifestSourceFlags(cmd: Command): Command {
  return cmd
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable); multi-document YAML, Lists, helm template output', collect, [])
    .option('-R, --recursive', 'also read subdirectories of -f directories')
    .option('-n, --namespace <namespace>', 'namespace for objects that name none', 'default')
    .option('-l, --selector <selector>', 'only workloads whose labels match');
}

export function registerManifestsCommand(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('manifests')
    .description('audit manifests before deploy (CI, GitOps repos): the same statuses, against the archs the cluster will have')
    .addHelpText(
      'after',
      `
Offline, the cluster is what the flags say: --cluster-archs (default amd64,arm64) and the taints every node
of an arch carries (--arch-taint, e.g. arm64=kubernetes.io/arch=arm64:NoSchedule, as AKS arm64 pools have).
Only kubernetes.io/arch constraints and those taints decide where a workload may go; no pods run, so nothing
is "broken".
${STATUS_HELP}

Examples:
  helm template my-chart | kubectl archcheck manifests -f -
  kubectl archcheck manifests -f k8s/ -R --fail-on at-risk,unknown
  kubectl archcheck manifests -f app.yaml --arch-taint arm64=kubernetes.io/arch=arm64:NoSchedule -o json
`,
    );
  addManifestSourceFlags(cmd)
    .option('--cluster-archs <archs>', 'node archs the target cluster has', 'amd64,arm64')
    .option('--arch-taint <arch=key[=value]:effect>', 'a taint every node of that arch carries (repeatable)', collect, []);
  addOutputFlag(cmd, AUDIT_FORMATS);
  addAuditFlags(cmd);
  addRegistryFlags(cmd);
  addCacheFlags(cmd);
  cmd.action(async (opts: ManifestsCommandOptions) => {
    const format = outputFormat(opts.output, AUDIT_FORMATS);
    const failOn = failConditions(opts.failOn);
    const report = await auditManifests(opts, targetArch(opts.targetArch), ctx);
    const namespaces = new Set(report.workloads.map((w) => w.namespace));
    const scope = opts.filename.map((f) => (f === '-' ? 'stdin' : f)).join(', ') + (opts.selector ? ` matching -l ${opts.selector}` : '');
    printAuditReport(report, { format, showNamespace: namespaces.size > 1, failOn, scope, noHeaders: opts.headers === false }, ctx);
  });
}
