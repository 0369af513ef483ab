import type { AuditReport } from '../audit/report.js';
import { warn, type CommandContext } from '../cli-io.js';
import { judgeCluster, readClusterForAudit, type ClusterRead } from '../cluster-audit.js';
import type { CacheFlags } from '../flags/cache-flags.js';
import { kubeConnectionOptions, labelSelector, type KubeConnectionFlags } from '../flags/kube-flags.js';
import { openImageResolver } from '../image-resolver.js';
import { connectKube } from '../kube/kube-client.js';
import { isKubeAccessError } from '../kube/kube-errors.js';
import type { RegistryFlags } from '../registry-flags.js';
import type { FleetTarget } from './fleet-targets.js';
import { clusterState, fleetReport, type FleetCluster, type FleetReport } from './fleet-report.js';
import { FleetSharedResolver } from './shared-resolver.js';

export interface FleetAuditFlags extends KubeConnectionFlags, RegistryFlags, CacheFlags {
  selector?: string;
}

export interface FleetAuditInput {
  targets: readonly FleetTarget[];
  flags: FleetAuditFlags;
  targetArch: string;
  /** Clusters read and judged at once. */
  concurrency: number;
}

/** Runs `fn` over the items, at most `limit` at a time, results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const n = next++;
      out[n] = await fn(items[n]!, n);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface TargetRead {
  cluster: FleetCluster;
  read?: ClusterRead;
}

/**
 * Connects to one cluster and reads it. Any failure is this cluster's state (unreachable, timed out, forbidden…),
 * never the fleet's: one dead edge site must not stop the audit of the others.
 */
async function readTarget(target: FleetTarget, input: FleetAuditInput, ctx: CommandContext): Promise<TargetRead> {
  const cluster: FleetCluster = { name: target.name, context: target.context ?? '', server: '', state: 'audited', error: null, report: null };
  try {
    const flags = { ...input.flags, ...(target.kubeconfig && { kubeconfig: target.kubeconfig }), ...(target.context && { context: target.context }) };
    const kube = await connectKube(kubeConnectionOptions(flags, ctx.io.env));
    cluster.context = kube.context;
    cluster.server = kube.server;
    const scope = input.flags.namespace ? { all: false as const, namespace: input.flags.namespace } : { all: true as const };
    return { cluster, read: await readClusterForAudit(kube, scope, labelSelector(input.flags)) };
  } catch (e) {
    cluster.state = clusterState(isKubeAccessError(e) ? e.failure : undefined);
    cluster.error = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    return { cluster };
  }
}

function progressLine(c: FleetCluster, done: number, total: number): string {
  const where = `[${done}/${total}] ${c.name}${c.server ? ` (${c.server})` : ''}`;
  if (!c.report) return `${where}: ${c.state}: ${c.error}\n`;
  const s = c.report.summary;
  return `${where}: audited, ${s.workloads} workloads, ${s.targetArch}-ready ${s.targetReady}/${s.workloads}\n`;
}

/**
 * The fleet audit: every cluster read concurrently (bounded), then one registry client and one answer per image
 * (and credential set) for all of them, then each cluster judged against its own nodes. Progress on stderr, one
 * line per cluster as it is done.
 */
export async function auditFleet(input: FleetAuditInput, ctx: CommandContext): Promise<FleetReport> {
  let done = 0;
  const report = (c: FleetCluster): void => {
    done++;
    ctx.io.stderr(progressLine(c, done, input.targets.length));
  };
  const reads = await mapBounded(input.targets, input.concurrency, async (t) => {
    const r = await readTarget(t, input, ctx);
    if (!r.read) report(r.cluster);
    return r;
  });
  const readable = reads.filter((r): r is Required<TargetRead> => r.read !== undefined);
  // Platform verification checks the children of every platform some cluster's nodes have.
  const platforms = [...new Set(readable.flatMap((r) => r.read.nodePlatforms))];
  const handle = readable.length > 0 ? await openImageResolver(input.flags, (s) => warn(ctx.io, s), platforms) : undefined;
  const shared = handle ? new FleetSharedResolver(handle.resolver) : undefined;
  try {
    await mapBounded(readable, input.concurrency, async (r) => {
      const audit: AuditReport = await judgeCluster(r.read, shared!, input.targetArch);
      r.cluster.report = audit;
      report(r.cluster);
    });
  } finally {
    await handle?.close();
  }
  return fleetReport(reads.map((r) => r.cluster), input.targetArch, shared?.lookups ?? 0);
}
