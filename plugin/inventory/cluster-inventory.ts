import { isKubeAccessError, KubeAccessError } from '../kube/kube-errors.js';
import type { KubeReader } from '../kube/kube-client.js';
import { listAll, type ListTarget } from '../kube/list-all.js';
import type { ClusterNode, ClusterPod, Inventory, KubeObject, ReadGap } from './inventory.js';
import { clusterNode } from './node-info.js';

/** The namespaces to read: one, or all (kubectl's -n / -A). */
export type NamespaceScope = { all: true } | { all: false; namespace: string };

interface WorkloadResource {
  groupVersion: string;
  resource: string;
  kind: string;
}

/** Everything that owns pods, plus pods themselves (bare pods are workloads too). */
export const WORKLOAD_RESOURCES: readonly WorkloadResource[] = [
  { groupVersion: '/apis/apps/v1', resource: 'deployments', kind: 'Deployment' },
  { groupVersion: '/apis/apps/v1', resource: 'statefulsets', kind: 'StatefulSet' },
  { groupVersion: '/apis/apps/v1', resource: 'daemonsets', kind: 'DaemonSet' },
  { groupVersion: '/apis/apps/v1', resource: 'replicasets', kind: 'ReplicaSet' },
  { groupVersion: '/apis/batch/v1', resource: 'jobs', kind: 'Job' },
  { groupVersion: '/apis/batch/v1', resource: 'cronjobs', kind: 'CronJob' },
  { groupVersion: '/api/v1', resource: 'replicationcontrollers', kind: 'ReplicationController' },
  { groupVersion: '/api/v1', resource: 'pods', kind: 'Pod' },
];

/** Told of parts of the inventory as they are read, before the whole of it is (the pods come last, in many pages). Must not throw. */
export interface InventoryObserver {
  /** The nodes (undefined: not readable). */
  nodes?(nodes: ClusterNode[] | undefined): void;
  /** One workload resource's objects other than pods, with `kind` set, once its list is complete. */
  workloads?(objects: KubeObject[]): void;
}

/** Failures that stop the audit: nothing can be read, or what is read cannot be trusted. */
function isFatal(e: unknown): boolean {
  return !isKubeAccessError(e) || !['forbidden', 'not-found'].includes(e.failure);
}

interface ResourceResult {
  kind: string;
  items: KubeObject[];
  /** How many lists (cluster-wide or per namespace) could be read. */
  readable: number;
  gaps: ReadGap[];
}

/**
 * Reads workloads, pods and nodes. Lists are paged. With -A, a forbidden cluster-wide list falls back to one list
 * per namespace, so a user allowed only some namespaces still gets an audit of those; what could not be read is
 * returned in `gaps`. Throws a KubeAccessError when nothing in scope is readable or the server cannot be used.
 */
export async function readClusterInventory(kube: KubeReader, scope: NamespaceScope, observer: InventoryObserver = {}): Promise<Inventory> {
  const namespaces = new NamespaceLister(kube);
  const [nodes, ...results] = await Promise.all([
    readNodes(kube).then((n) => {
      observer.nodes?.(n.nodes);
      return n;
    }),
    ...WORKLOAD_RESOURCES.map((r) =>
      readResource(kube, r, scope, namespaces).then((result) => {
        if (result.kind !== 'Pod') {
          result.items = withKind(result);
          observer.workloads?.(result.items);
        }
        return result;
      }),
    ),
  ]);
  const gaps = [...nodes.gaps, ...namespaces.gaps, ...results.flatMap((r) => r.gaps)];
  if (results.every((r) => r.readable === 0)) {
    const where = scope.all ? 'any namespace' : `namespace ${scope.namespace}`;
    const first = results.find((r) => r.gaps.length > 0)?.gaps[0]?.message ?? 'forbidden';
    throw new KubeAccessError('forbidden', `cannot read workloads or pods in ${where}: ${first}`, 403);
  }
  const objects = results.filter((r) => r.kind !== 'Pod').flatMap((r) => r.items);
  const pods = withKind(results.find((r) => r.kind === 'Pod') ?? { kind: 'Pod', items: [] }) as ClusterPod[];
  return { objects, pods, nodes: nodes.nodes, gaps };
}

/** List items carry no kind: set it, the roll-up keys workloads by it. */
function withKind(result: Pick<ResourceResult, 'kind' | 'items'>): KubeObject[] {
  return result.items.map((o) => ({ ...o, kind: result.kind }));
}

async function readNodes(kube: KubeReader): Promise<{ nodes: ClusterNode[] | undefined; gaps: ReadGap[] }> {
  try {
    const nodes = await listAll<KubeObject>(kube, { groupVersion: '/api/v1', resource: 'nodes' });
    return { nodes: nodes.map(clusterNode), gaps: [] };
  } catch (e) {
    if (isFatal(e)) throw e;
    return { nodes: undefined, gaps: [{ what: 'nodes', namespace: null, message: (e as Error).message }] };
  }
}

async function readResource(kube: KubeReader, resource: WorkloadResource, scope: NamespaceScope, namespaces: NamespaceLister): Promise<ResourceResult> {
  const base = { groupVersion: resource.groupVersion, resource: resource.resource };
  if (!scope.all) return readInNamespaces(kube, resource, [scope.namespace]);
  try {
    return { kind: resource.kind, items: await listAll<KubeObject>(kube, base), readable: 1, gaps: [] };
  } catch (e) {
    if (isFatal(e)) throw e;
  }
  // Not allowed cluster-wide: try each namespace the user can see.
  return readInNamespaces(kube, resource, await namespaces.list());
}

async function readInNamespaces(kube: KubeReader, resource: WorkloadResource, namespaces: string[]): Promise<ResourceResult> {
  const result: ResourceResult = { kind: resource.kind, items: [], readable: 0, gaps: [] };
  await forEachLimited(namespaces, 8, async (namespace) => {
    const target: ListTarget = { groupVersion: resource.groupVersion, resource: resource.resource, namespace };
    try {
      result.items.push(...(await listAll<KubeObject>(kube, target)));
      result.readable++;
    } catch (e) {
      if (isFatal(e)) throw e;
      result.gaps.push({ what: resource.resource, namespace, message: (e as Error).message });
    }
  });
  return result;
}

/** Lists namespaces once, when a cluster-wide list was forbidden; falls back to the context's namespace. */
class NamespaceLister {
  readonly gaps: ReadGap[] = [];
  private names: Promise<string[]> | undefined;

  constructor(private readonly kube: KubeReader) {}

  list(): Promise<string[]> {
    this.names ??= this.read();
    return this.names;
  }

  private async read(): Promise<string[]> {
    try {
      const items = await listAll<KubeObject>(this.kube, { groupVersion: '/api/v1', resource: 'namespaces' });
      return items.map((n) => n.metadata?.name ?? '').filter(Boolean);
    } catch (e) {
      if (isFatal(e)) throw e;
      this.gaps.push({ what: `namespaces (auditing only namespace ${this.kube.namespace})`, namespace: null, message: (e as Error).message });
      return [this.kube.namespace];
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
