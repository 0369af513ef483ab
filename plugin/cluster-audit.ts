import { FALLBACK_ARCHS } from '../core/placement/index.js';
import { runAudit } from './audit/audit.js';
import { AssumedPlacement, ClusterPlacement, type PlacementModel } from './audit/arch-reachability.js';
import { WorkloadPullSecrets } from './audit/pull-secrets.js';
import type { AuditReport } from './audit/report.js';
import { rollUpWorkloads } from './audit/workloads.js';
import { warn, type CommandContext } from './cli-io.js';
import type { CacheFlags } from './flags/cache-flags.js';
import { checkNamespaceFlags, kubeConnectionOptions, labelSelector, namespaceScope, type KubeFlags } from './flags/kube-flags.js';
import { openImageResolver } from './image-resolver.js';
import { readClusterInventory, type NamespaceScope } from './inventory/cluster-inventory.js';
import { gapWarnings } from './inventory/gap-warnings.js';
import type { ClusterNode } from './inventory/inventory.js';
import { connectKube, type KubeReader } from './kube/kube-client.js';
import { matchesLabels } from './kube/label-selector.js';
import { createProgress } from './output/progress.js';
import type { RegistryFlags } from './registry-flags.js';

export type ClusterAuditFlags = KubeFlags & RegistryFlags & CacheFlags;

export interface ClusterAudit {
  report: AuditReport;
  /** Null when the nodes could not be read. */
  nodes: ClusterNode[] | null;
  allNamespaces: boolean;
  /** What was audited, for "No workloads found in …". */
  scope: string;
}

/** `auditing namespace "shop" of context "prod" (https://10.0.0.1:6443)` */
export function auditTarget(scope: NamespaceScope, kube: Pick<KubeReader, 'context' | 'server'>): string {
  const where = scope.all ? 'all namespaces' : `namespace "${scope.namespace}"`;
  const context = kube.context ? `context "${kube.context}"` : 'no context';
  return `auditing ${where} of ${context} (${kube.server})`;
}

/**
 * Reads the cluster (paged lists; what is forbidden is skipped and reported), rolls pods up to workloads, resolves
 * every image once with the workloads' pull secrets, and judges each workload against the real nodes.
 */
export async function auditCluster(flags: ClusterAuditFlags, targetArch: string, ctx: CommandContext): Promise<ClusterAudit> {
  const selector = labelSelector(flags);
  checkNamespaceFlags(flags);
  const connection = kubeConnectionOptions(flags, ctx.io.env);
  const kube = await connectKube(connection);
  const scope = namespaceScope(flags, kube.namespace);
  // Say which cluster is audited before anything else: a wrong context is then seen at once, not after the table.
  ctx.io.stderr(`${auditTarget(scope, kube)}\n`);
  const inventory = await readClusterInventory(kube, scope);
  const warnings = gapWarnings(inventory.gaps);
  let placement: PlacementModel;
  // When nodes cannot be read, decisions are made against the fallback archs without taints (and a warning says so).
  if (inventory.nodes) placement = new ClusterPlacement(inventory.nodes);
  else {
    placement = new AssumedPlacement(FALLBACK_ARCHS);
    warnings.push(`node archs and taints unknown: judged against ${FALLBACK_ARCHS.join(', ')} nodes without taints`);
  }
  const workloads = rollUpWorkloads(inventory.objects, inventory.pods, kube.namespace).filter((w) => matchesLabels(selector, w.labels));
  const nodePlatforms = inventory.nodes ? [...new Set(inventory.nodes.map((n) => `${n.os}/${n.arch}`))] : FALLBACK_ARCHS.map((a) => `linux/${a}`);
  const handle = await openImageResolver(flags, (s) => warn(ctx.io, s), nodePlatforms);
  const progress = createProgress({ isTTY: ctx.io.stderrIsTTY === true, write: ctx.io.stderr }, 'resolving images');
  const secrets = new WorkloadPullSecrets(kube);
  try {
    const report = await runAudit({
      workloads,
      placement,
      resolver: handle.resolver,
      targetArch,
      source: 'cluster',
      credentialsFor: (w) => secrets.credentialsFor(w),
      warnings,
      onProgress: (done, total) => progress.update(done, total),
    });
    const where = scope.all ? 'any namespace' : `namespace "${scope.namespace}"`;
    return { report, nodes: inventory.nodes ?? null, allNamespaces: scope.all, scope: where + (flags.selector ? ` matching -l ${flags.selector}` : '') };
  } finally {
    progress.finish();
    await handle.close();
  }
}
