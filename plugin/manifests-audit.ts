import { parseArchTaint, type ArchTaint } from '../core/placement/index.js';
import { runAudit } from './audit/audit.js';
import { AssumedPlacement } from './audit/arch-reachability.js';
import type { AuditReport } from './audit/report.js';
import { rollUpWorkloads } from './audit/workloads.js';
import { warn, type CommandContext } from './cli-io.js';
import type { CacheFlags } from './flags/cache-flags.js';
import { labelSelector } from './flags/kube-flags.js';
import { openImageResolver } from './image-resolver.js';
import { manifestInventory, readManifestSources } from './inventory/manifest-inventory.js';
import { matchesLabels } from './kube/label-selector.js';
import { createProgress } from './output/progress.js';
import type { RegistryFlags } from './registry-flags.js';
import { UsageError } from './usage-error.js';

export interface ManifestsAuditFlags extends RegistryFlags, CacheFlags {
  filename: string[];
  recursive?: boolean;
  namespace?: string;
  selector?: string;
  clusterArchs: string;
  archTaint: string[];
}

export function clusterArchs(value: string): string[] {
  const archs = [...new Set(value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))];
  if (archs.length === 0 || archs.some((a) => !/^[a-z0-9_]+$/.test(a))) {
    throw new UsageError(`--cluster-archs ${value}: expected a comma-separated list such as amd64,arm64`);
  }
  return archs;
}

export function archTaints(values: readonly string[]): ArchTaint[] {
  return values.map((v) => {
    try {
      return parseArchTaint(v);
    } catch (e) {
      throw new UsageError(`--arch-taint ${(e as Error).message}`);
    }
  });
}

/** The same audit as the cluster's, before deploy: workloads from manifests, nodes assumed from the flags. */
export async function auditManifests(flags: ManifestsAuditFlags, targetArch: string, ctx: CommandContext): Promise<AuditReport> {
  if (flags.filename.length === 0) throw new UsageError('manifests needs -f PATH (a file, a directory, or - for stdin)');
  const selector = labelSelector(flags);
  const archs = clusterArchs(flags.clusterArchs);
  const placement = new AssumedPlacement(archs, archTaints(flags.archTaint));
  const sources = await readManifestSources(flags.filename, flags.recursive === true, ctx.io.readStdin);
  const inventory = manifestInventory(sources, flags.namespace ?? 'default');
  const workloads = rollUpWorkloads(inventory.objects, inventory.pods).filter((w) => matchesLabels(selector, w.labels));
  const handle = await openImageResolver(flags, (s) => warn(ctx.io, s), archs.map((a) => `linux/${a}`));
  const progress = createProgress({ isTTY: ctx.io.stderrIsTTY === true, write: ctx.io.stderr }, 'resolving images');
  try {
    return await runAudit({
      workloads,
      placement,
      resolver: handle.resolver,
      targetArch,
      source: 'manifests',
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.finish();
    await handle.close();
  }
}
