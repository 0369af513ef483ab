import type { KeyedCredential } from '../core/credentials.js';
import type { ArchTaint, PlacementNode } from '../core/placement/index.js';

/**
 * What admission needs to know about the cluster. With API access it comes from watches and cached reads
 * (webhook/kube); without, from `noClusterFacts` (no discovery, no pull secrets, no namespace modes).
 */
export interface ClusterFacts {
  /** Archs of the cluster's nodes; undefined while unknown (no API access, or the first list has not finished). */
  nodeArchs(): string[] | undefined;
  /** `kubernetes.io/arch`-keyed taints found on nodes (AKS arm64 pools), by the arch of the node carrying them. */
  discoveredArchTaints(): ArchTaint[];
  /** The nodes with an arch label, as placement sees them (labels, taints); undefined while unknown, like nodeArchs. */
  nodes(): readonly PlacementNode[] | undefined;
  /** `kubernetes.io/arch` label of a node. */
  nodeArch(nodeName: string): Promise<string | undefined>;
  /** Labels of a namespace (for `archcheck.dev/mode`). */
  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined>;
  /** imagePullSecrets of a ServiceAccount (for pod templates: the ServiceAccount admission plugin only merges them into pods). */
  serviceAccountPullSecretNames(namespace: string, serviceAccount: string): Promise<string[]>;
  /** Credentials from the named pull secrets of a namespace; missing or unreadable secrets are skipped (as kubelet does). */
  pullSecrets(namespace: string, names: readonly string[]): Promise<KeyedCredential[]>;
}

export const noClusterFacts: ClusterFacts = {
  nodeArchs: () => undefined,
  discoveredArchTaints: () => [],
  nodes: () => undefined,
  nodeArch: () => Promise.resolve(undefined),
  namespaceLabels: () => Promise.resolve(undefined),
  serviceAccountPullSecretNames: () => Promise.resolve([]),
  pullSecrets: () => Promise.resolve([]),
};
