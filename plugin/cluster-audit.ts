import { FALLBACK_ARCHS } from '../core/placement/index.js';
import type { ImageResolver } from '../core/resolver.js';
import { runAudit } from './audit/audit.js';
import { AssumedPlacement, ClusterPlacement, type PlacementModel } from './audit/arch-reachability.js';
import { EarlyLookups } from './audit/early-lookups.js';
import type { ImageLookups, ProgressListener } from './audit/image-lookup.js';
import { WorkloadPullSecrets } from './audit/pull-secrets.js';
import type { AuditReport } from './audit/report.js';
import { rollUpWorkloads, type Workload } from './audit/workloads.js';
import { warn, type CommandContext } from './cli-io.js';
import type { CacheFlags } from './flags/cache-flags.js';
import { checkNamespaceFlags, kubeConnectionOptions, labelSelector, namespaceScope, type KubeFlags } from './flags/kube-flags.js';
import { openImageResolver } from './image-resolver.js';
import { readClusterInventory, type InventoryObserver, type NamespaceScope } from './inventory/cluster-inventory.js';
import { gapWarnings } from './inventory/gap-warnings.js';
import type { ClusterNode } from './inventory/inventory.js';
import { connectKube, type KubeReader } from './kube/kube-client.js';
import { matchesLabels, type LabelRequirement } from './kube/label-selector.js';
import { createProgress } from './output/progress.js';
import type { RegistryFlags } from './registry-flags.js';
import { ResolverOpening } from './resolver-opening.js';

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

/** `os/arch` of the nodes, or of the fallback archs when the nodes are unreadable. */
function nodePlatformsOf(nodes: ClusterNode[] | undefined): string[] {
  return nodes ? [...new Set(nodes.map((n) => `${n.os}/${n.arch}`))] : FALLBACK_ARCHS.map((a) => `linux/${a}`);
}

/** What watches the cluster being read (early lookups), and the pull secrets it reads with, shared with the audit. */
export interface ReadWatch {
  observer?: InventoryObserver;
  secrets?: WorkloadPullSecrets;
}

/**
 * Reads the cluster (paged lists; what is forbidden is skipped and reported) and rolls pods up to workloads.
 * Throws a KubeAccessError when the cluster cannot be used (unreachable, timed out, nothing readable).
 */
export async function readClusterForAudit(kube: KubeReader, scope: NamespaceScope, selector: readonly LabelRequirement[], watch: ReadWatch = {}): Promise<ClusterRead> {
  const inventory = await readClusterInventory(kube, scope, watch.observer);
  const warnings = gapWarnings(inventory.gaps);
  let placement: PlacementModel;
  // When nodes cannot be read, decisions are made against the fallback archs without taints (and a warning says so).
  if (inventory.nodes) placement = new ClusterPlacement(inventory.nodes);
  else {
    placement = new AssumedPlacement(FALLBACK_ARCHS);
    warnings.push(`node archs and taints unknown: judged against ${FALLBACK_ARCHS.join(', ')} nodes without taints`);
  }
  const workloads = rollUpWorkloads(inventory.objects, inventory.pods, kube.namespace).filter((w) => matchesLabels(selector, w.labels));
  const secrets = watch.secrets ?? new WorkloadPullSecrets(kube);
  return { kube, scope, workloads, placement, nodes: inventory.nodes ?? null, nodePlatforms: nodePlatformsOf(inventory.nodes), warnings, secrets };
}

export interface JudgeOptions {
  onProgress?: ProgressListener;
  /** Lookups started while the cluster was read (they go through `resolver`). */
  lookups?: ImageLookups;
}

/** Resolves every image of a read cluster once with its workloads' pull secrets and judges each workload. */
export function judgeCluster(read: ClusterRead, resolver: ImageResolver, targetArch: string, options: JudgeOptions = {}): Promise<AuditReport> {
  return runAudit({
    workloads: read.workloads,
    placement: read.placement,
    resolver,
    targetArch,
    source: 'cluster',
    credentialsFor: (w) => read.secrets.credentialsFor(w),
    warnings: read.warnings,
    ...(options.onProgress && { onProgress: options.onProgress }),
    ...(options.lookups && { lookups: options.lookups }),
  });
}

/**
 * Reads the cluster while looking up its workload templates' images: the registry client opens once the nodes are
 * read, and each workload list starts the lookups of its templates while the pods (many pages) are still being
 * read. Throws what reading throws (having closed the client), then what opening the client throws.
 */
async function readWhileLookingUp(kube: KubeReader, scope: NamespaceScope, selector: readonly LabelRequirement[], opening: ResolverOpening): Promise<ClusterRead> {
  const secrets = new WorkloadPullSecrets(kube);
  const early = new EarlyLookups(opening.lookups, secrets, selector, kube.namespace);
  const observer: InventoryObserver = { nodes: (nodes) => void opening.openFor(nodePlatformsOf(nodes)).catch(() => undefined), workloads: (objects) => early.add(objects) };
  try {
    return await readClusterForAudit(kube, scope, selector, { observer, secrets });
  } catch (e) {
    await opening.abandon();
    throw e;
  }
}

/**
 * Reads the cluster, resolves every image once with the workloads' pull secrets (starting with the workload
 * templates' while the pods are still being read), and judges each workload against the real nodes.
 */
export async function auditCluster(flags: ClusterAuditFlags, targetArch: string, ctx: CommandContext): Promise<ClusterAudit> {
  const selector = labelSelector(flags);
  checkNamespaceFlags(flags);
  const connection = kubeConnectionOptions(flags, ctx.io.env);
  const kube = await connectKube(connection);
  const scope = namespaceScope(flags, kube.namespace);
  // Say which cluster is audited before anything else: a wrong context is then seen at once, not after the table.
  ctx.io.stderr(`${auditTarget(scope, kube)}\n`);
  const opening = new ResolverOpening((platforms) => openImageResolver(flags, (s) => warn(ctx.io, s), platforms));
  const read = await readWhileLookingUp(kube, scope, selector, opening);
  const { handle, lookups } = await opening.openFor(read.nodePlatforms);
  const progress = createProgress({ isTTY: ctx.io.stderrIsTTY === true, write: ctx.io.stderr }, 'resolving images');
  try {
    const report = await judgeCluster(read, handle.resolver, targetArch, { onProgress: (done, total) => progress.update(done, total), lookups });
    const where = scope.all ? 'any namespace' : `namespace "${scope.namespace}"`;
    return { report, nodes: read.nodes, allNamespaces: scope.all, scope: where + (flags.selector ? ` matching -l ${flags.selector}` : ''), context: kube.context };
  } finally {
    progress.finish();
    await handle.close();
  }
}
