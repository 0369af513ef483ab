import { FALLBACK_ARCHS } from '../core/placement/index.js';
import type { ImageResolver } from '../core/resolver.js';
import { runAudit } from './audit/audit.js';
import { AssumedPlacement, ClusterPlacement, type PlacementModel } from './audit/arch-reachability.js';
import { WorkloadPullSecrets } from './audit/pull-secrets.js';
import type { AuditReport } from './audit/report.js';
import type { ProgressListener } from './audit/image-lookup.js';
import { rollUpWorkloads, type Workload } from './audit/workloads.js';
import { warn, type CommandContext } from './cli-io.js';
import type { CacheFlags } from './flags/cache-flags.js';
import { checkNamespaceFlags, kubeConnectionOptions, labelSelector, namespaceScope, type KubeFlags } from './flags/kube-flags.js';
import { openImageResolver } from './image-resolver.js';
import { readClusterInventory, type NamespaceScope } from './inventory/cluster-inventory.js';
import { gapWarnings } from './inventory/gap-warnings.js';
import type { ClusterNode } from './inventory/inventory.js';
import { connectKube, type KubeReader } from './kube/kube-client.js';
import { matchesLabels, type LabelRequirement } from './kube/label-selector.js';
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
  /** The kubeconfig context ('' when only --server named the cluster). */
  context: string;
}

/** `auditing namespace "shop" of context "prod" (https://10.0.0.1:6443)` */
export function auditTarget(scope: NamespaceScope, kube: Pick<KubeReader, 'context' | 'server'>): string {
  const where = scope.all ? 'all namespaces' : `namespace "${scope.namespace}"`;
  const context = kube.context ? `context "${kube.context}"` : 'no context';
  return `auditing ${where} of ${context} (${kube.server})`;
}

/** A cluster read and ready to judge: its workloads, the placement model of its nodes, its pull secrets. */
export interface ClusterRead {
  kube: KubeReader;
  scope: NamespaceScope;
  workloads: Workload[];
  placement: PlacementModel;
  nodes: ClusterNode[] | null;
  /** `os/arch` of its nodes (the fallback archs when nodes are unreadable): what platform verification checks. */
  nodePlatforms: string[];
  warnings: string[];
  secrets: WorkloadPullSecrets;
}

/**
 * Reads the cluster (paged lists; what is forbidden is skipped and reported) and rolls pods up to workloads.
 * Throws a KubeAccessError when the cluster cannot be used (unreachable, timed out, nothing readable).
 */
export async function readClusterForAudit(kube: KubeReader, scope: NamespaceScope, selector: readonly LabelRequirement[]): Promise<ClusterRead> {
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
  return { kube, scope, workloads, placement, nodes: inventory.nodes ?? null, nodePlatforms, warnings, secrets: new WorkloadPullSecrets(kube) };
}

/** Resolves every image of a read cluster once with its workloads' pull secrets and judges each workload. */
export function judgeCluster(read: ClusterRead, resolver: ImageResolver, targetArch: string, onProgress?: ProgressListener): Promise<AuditReport> {
  return runAudit({
    workloads: read.workloads,
    placement: read.placement,
    resolver,
    targetArch,
    source: 'cluster',
    credentialsFor: (w) => read.secrets.credentialsFor(w),
    warnings: read.warnings,
    ...(onProgress && { onProgress }),
  });
}

/**
 * Reads the cluster, resolves every image once with the workloads' pull secrets, and judges each workload against
 * the real nodes.
 */
export async function auditCluster(flags: ClusterAuditFlags, targetArch: string, ctx: CommandContext): Promise<ClusterAudit> {
  const selector = labelSelector(flags);
  checkNamespaceFlags(flags);
  const connection = kubeConnectionOptions(flags, ctx.io.env);
  const kube = await connectKube(connection);
  const scope = namespaceScope(flags, kube.namespace);
  // Say which cluster is audited before anything else: a wrong context is then seen at once, not after the table.
  ctx.io.stderr(`${auditTarget(scope, kube)}\n`);
  const read = await readClusterForAudit(kube, scope, selector);
  const handle = await openImageResolver(flags, (s) => warn(ctx.io, s), read.nodePlatforms);
  const progress = createProgress({ isTTY: ctx.io.stderrIsTTY === true, write: ctx.io.stderr }, 'resolving images');
  try {
    const report = await judgeCluster(read, handle.resolver, targetArch, (done, total) => progress.update(done, total));
    const where = scope.all ? 'any namespace' : `namespace "${scope.namespace}"`;
    return { report, nodes: read.nodes, allNamespaces: scope.all, scope: where + (flags.selector ? ` matching -l ${flags.selector}` : ''), context: kube.context };
  } finally {
    progress.finish();
    await handle.close();
  }
}
