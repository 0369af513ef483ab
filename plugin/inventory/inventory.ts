import type { ObjectMeta, Pod, PodSpec, Taint } from '../../core/placement/index.js';

/** A Kubernetes object as plain JSON, with the fields the audit reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta & { uid?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A pod as the API returns it: placement's Pod plus the status fields the audit reads. */
export interface ClusterPod extends Pod {
  metadata?: ObjectMeta & { uid?: string };
  spec: PodSpec & { nodeName?: string; serviceAccountName?: string; overhead?: Record<string, string> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name: string; restartCount?: number; state?: { waiting?: { reason?: string } } }>;
  };
}

/** A node, reduced to what placement and the node report need. */
export interface ClusterNode {
  name: string;
  /** `kubernetes.io/arch` (falls back to status.nodeInfo.architecture). */
  arch: string;
  os: string;
  labels: Record<string, string>;
  taints: Taint[];
  allocatableCpuMillis: number;
  allocatableMemoryBytes: number;
  unschedulable: boolean;
}

/** Everything an audit reads, from a cluster or from manifests. */
export interface Inventory {
  /** Workload objects (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, ReplicationControllers) and pods. */
  objects: KubeObject[];
  pods: ClusterPod[];
  /** Undefined when the nodes could not be read (or offline). */
  nodes: ClusterNode[] | undefined;
  /** What could not be read. */
  gaps: ReadGap[];
}

/** Something the audit could not read, and why. */
export interface ReadGap {
  /** `cronjobs`, `nodes`, `secret shop/regcred` */
  what: string;
  /** Null for cluster-scoped reads. */
  namespace: string | null;
  /** The API server's own message (it names the user and the verb). */
  message: string;
}
