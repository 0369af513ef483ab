import type { Toleration } from '../../core/placement/index.js';

/**
 * The stable audit output (`-o json|yaml`), documented by docs/audit-output.schema.json.
 * Fields may be added; none is renamed or removed without a new apiVersion.
 */
export const AUDIT_API_VERSION = 'archcheck.io/v1alpha1';

export type WorkloadStatus = 'ok' | 'at-risk' | 'broken' | 'unknown';
export const WORKLOAD_STATUSES: readonly WorkloadStatus[] = ['ok', 'at-risk', 'broken', 'unknown'];

export interface ImageError {
  code: string;
  message: string;
}

export interface ImageReport {
  container: string;
  containerType: 'initContainer' | 'container';
  /** As written in the pod template. */
  image: string;
  /** Fully qualified; equals `image` when it could not be parsed. */
  canonical: string;
  digest: string | null;
  /** Every runnable platform, e.g. `linux/arm/v7`. */
  platforms: string[];
  /** `kubernetes.io/arch` values it runs on for the pod's OS. Empty when unresolved. */
  archs: string[];
  error: ImageError | null;
}

export interface NodeReport {
  node: string;
  /** Null when the node is unknown (deleted, or nodes unreadable). */
  arch: string | null;
  pods: number;
  /** True when an image of a pod on it has no build for the node's arch. */
  incompatible: boolean;
}

export interface TargetReadiness {
  arch: string;
  /** Null when some image could not be resolved and none is known to block. */
  ready: boolean | null;
  /** Images with no build for the target arch. */
  blockingImages: string[];
  /** Images that could not be resolved. */
  unresolvedImages: string[];
}

export interface CpuRequests {
  /** Current pods' requests (cluster), or replicas × the template's request (manifests). */
  millicores: number;
  /** Cluster only: millicores by the arch of the node each pod runs on (`unscheduled` for pending pods). */
  byArch?: Record<string, number>;
}

export interface WorkloadReport {
  kind: string;
  namespace: string;
  name: string;
  status: WorkloadStatus;
  reason: string;
  images: ImageReport[];
  /** Archs every resolved image (init containers included) runs on; an upper bound when an image is unresolved. */
  sharedArchs: string[];
  /** The nodeSelector/required affinity on kubernetes.io/arch, in words; null when it says nothing about arch. */
  archConstraint: string | null;
  tolerations: Toleration[];
  /** Node archs its pods can be scheduled onto (selector, affinity and taints considered). */
  schedulableArchs: string[];
  nodes: NodeReport[];
  pods: number;
  cpuRequests: CpuRequests;
  target: TargetReadiness;
  /** Cluster only, when some exist: pods waiting behind archcheck's scheduling gate, and why (the webhook's reason). */
  gatedPods?: GatedPodReport[];
}

export interface GatedPodReport {
  pod: string;
  /** `gated`, or `denied:<reason>` for a late denial kept gated. */
  decision: string;
  reason: string;
}

export interface BlockingImage {
  image: string;
  /** How many workloads it keeps off the target arch. */
  workloads: number;
}

export interface AuditSummary {
  workloads: number;
  byStatus: Record<WorkloadStatus, number>;
  targetArch: string;
  targetReady: number;
  /** 0–100, one decimal; 0 when there are no workloads. */
  targetReadyPercent: number;
  topBlockingImages: BlockingImage[];
}

export interface UnresolvedImage {
  image: string;
  error: ImageError;
  workloads: number;
}

export interface AuditReport {
  apiVersion: typeof AUDIT_API_VERSION;
  kind: 'AuditReport';
  source: 'cluster' | 'manifests';
  /** Node archs (linux) the decisions were made against. */
  clusterArchs: string[];
  workloads: WorkloadReport[];
  summary: AuditSummary;
  /** Images that could not be read, and why. */
  unresolvedImages: UnresolvedImage[];
  /** What could not be read from the cluster (partial permissions), and other caveats. */
  warnings: string[];
}
