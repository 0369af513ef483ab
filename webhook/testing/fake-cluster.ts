import type { KeyedCredential } from '../../core/credentials.js';
import type { ArchTaint, PlacementNode } from '../../core/placement/index.js';
import type { ClusterFacts } from '../cluster-facts.js';

export interface FakeClusterState {
  /** Node name → arch; each becomes a Linux node labelled with its arch and hostname. */
  nodes?: Record<string, string>;
  /** Nodes with their own labels and taints (instead of `nodes`). */
  nodeList?: PlacementNode[];
  archTaints?: ArchTaint[];
  /** Taints every node of the arch carries (for `nodes`). */
  poolTaints?: ArchTaint[];
  namespaces?: Record<string, Record<string, string>>;
  /** namespace/name → credentials */
  secrets?: Record<string, KeyedCredential[]>;
  serviceAccounts?: Record<string, string[]>;
}

function placementNodes(state: FakeClusterState): PlacementNode[] {
  if (state.nodeList) return state.nodeList;
  return Object.entries(state.nodes ?? {}).map(([name, arch]) => ({
    name,
    arch,
    os: 'linux',
    labels: { 'kubernetes.io/arch': arch, 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name },
    taints: (state.poolTaints ?? []).filter((t) => t.arch === arch).map((t) => t.taint),
  }));
}

/** ClusterFacts from plain data, as the API would give them. */
export function fakeCluster(state: FakeClusterState): ClusterFacts & { secretReads: string[] } {
  const secretReads: string[] = [];
  const nodes = placementNodes(state);
  const nodeArchs = nodes.map((n) => n.arch);
  return {
    secretReads,
    nodeArchs: () => (nodeArchs.length > 0 ? [...new Set(nodeArchs)].sort() : undefined),
    discoveredArchTaints: () => state.archTaints ?? [],
    nodes: () => (nodes.length > 0 ? nodes : undefined),
    nodeArch: (name) => Promise.resolve(nodes.find((n) => n.name === name)?.arch),
    namespaceLabels: (ns) => Promise.resolve(state.namespaces?.[ns]),
    serviceAccountPullSecretNames: (ns, sa) => Promise.resolve(state.serviceAccounts?.[`${ns}/${sa}`] ?? []),
    pullSecrets: (ns, names) => {
      secretReads.push(...names.map((n) => `${ns}/${n}`));
      return Promise.resolve(names.flatMap((n) => state.secrets?.[`${ns}/${n}`] ?? []));
    },
  };
}
