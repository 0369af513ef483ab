import type { KeyedCredential } from '../../core/credentials.js';
import type { ArchTaint } from '../../core/placement/index.js';
import type { ClusterFacts } from '../cluster-facts.js';

export interface FakeClusterState {
  nodes?: Record<string, string>;
  archTaints?: ArchTaint[];
  poolTaints?: ArchTaint[];
  namespaces?: Record<string, Record<string, string>>;
  /** namespace/name → credentials */
  secrets?: Record<string, KeyedCredential[]>;
  serviceAccounts?: Record<string, string[]>;
}

/** ClusterFacts from plain data, as the API would give them. */
export function fakeCluster(state: FakeClusterState): ClusterFacts & { secretReads: string[] } {
  const secretReads: string[] = [];
  const nodeArchs = Object.values(state.nodes ?? {});
  return {
    secretReads,
    nodeArchs: () => (nodeArchs.length > 0 ? [...new Set(nodeArchs)].sort() : undefined),
    discoveredArchTaints: () => state.archTaints ?? [],
    poolTaints: () => state.poolTaints ?? [],
    nodeArch: (name) => Promise.resolve(state.nodes?.[name]),
    namespaceLabels: (ns) => Promise.resolve(state.namespaces?.[ns]),
    serviceAccountPullSecretNames: (ns, sa) => Promise.resolve(state.serviceAccounts?.[`${ns}/${sa}`] ?? []),
    pullSecrets: (ns, names) => {
      secretReads.push(...names.map((n) => `${ns}/${n}`));
      return Promise.resolve(names.flatMap((n) => state.secrets?.[`${ns}/${n}`] ?? []));
    },
  };
}
