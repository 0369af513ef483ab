import { AUDIT_API_VERSION, WORKLOAD_STATUSES, type AuditReport, type WorkloadStatus } from '../audit/report.js';
import type { KubeFailure } from '../kube/kube-errors.js';

/**
 * The fleet output (`kubectl archcheck fleet -o json|yaml`), documented by docs/fleet-output.schema.json.
 * Fields may be added; none is renamed or removed without a new apiVersion.
 */

/** Whether a cluster could be audited, and if not, why — in the terms a user acts on. */
export type ClusterState = 'audited' | 'unreachable' | 'timed-out' | 'forbidden' | 'unauthorized' | 'config-error' | 'error';
export const CLUSTER_STATES: readonly ClusterState[] = ['audited', 'unreachable', 'timed-out', 'forbidden', 'unauthorized', 'config-error', 'error'];

export function clusterState(failure: KubeFailure | undefined): ClusterState {
  switch (failure) {
    case 'unreachable':
      return 'unreachable';
    case 'timeout':
      return 'timed-out';
    case 'forbidden':
    case 'not-found':
      return 'forbidden';
    case 'unauthorized':
      return 'unauthorized';
    case 'config':
      return 'config-error';
    default:
      return 'error';
  }
}

export interface FleetCluster {
  /** The context name, or the kubeconfig file's name (--kubeconfig-dir). */
  name: string;
  context: string;
  /** '' when the kubeconfig could not be used. */
  server: string;
  state: ClusterState;
  /** Why it could not be audited (one line), null when audited. */
  error: string | null;
  /** The cluster's full audit (the `kubectl archcheck -o json` object); null when not audited. */
  report: AuditReport | null;
}

/** An image that keeps workloads off the target arch, across the fleet. */
export interface FleetBlockingImage {
  image: string;
  /** Workloads it blocks, over all clusters. */
  workloads: number;
  /** Clusters where it blocks some workload, with how many. */
  clusters: Array<{ cluster: string; workloads: number }>;
}

/** A workload that needs attention (broken, at-risk or unknown), and where. */
export interface FleetFinding {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  status: Exclude<WorkloadStatus, 'ok'>;
  reason: string;
}

export interface FleetSummary {
  clusters: number;
  audited: number;
  /** Clusters per state (every state, 0 when none). */
  byState: Record<ClusterState, number>;
  workloads: number;
  byStatus: Record<WorkloadStatus, number>;
  targetArch: string;
  targetReady: number;
  /** 0–100, one decimal, over the audited clusters' workloads. */
  targetReadyPercent: number;
  /** Distinct image lookups for the whole fleet (each image once per credential set, whatever the cluster count). */
  imageLookups: number;
}

export interface FleetReport {
  apiVersion: typeof AUDIT_API_VERSION;
  kind: 'FleetReport';
  summary: FleetSummary;
  clusters: FleetCluster[];
  blockingImages: FleetBlockingImage[];
  findings: FleetFinding[];
}

const FINDING_ORDER: readonly WorkloadStatus[] = ['broken', 'at-risk', 'unknown'];

function canonicalOf(w: AuditReport['workloads'][number], image: string): string {
  return w.images.find((i) => i.image === image)?.canonical ?? image;
}

/** Every image blocking the target arch anywhere, most workloads blocked first. */
export function fleetBlockingImages(clusters: readonly FleetCluster[]): FleetBlockingImage[] {
  const byImage = new Map<string, Map<string, number>>();
  for (const c of clusters) {
    if (!c.report) continue;
    for (const w of c.report.workloads) {
      for (const image of new Set(w.target.blockingImages.map((i) => canonicalOf(w, i)))) {
        const perCluster = byImage.get(image) ?? new Map<string, number>();
        perCluster.set(c.name, (perCluster.get(c.name) ?? 0) + 1);
        byImage.set(image, perCluster);
      }
    }
  }
  return [...byImage]
    .map(([image, perCluster]) => ({
      image,
      workloads: [...perCluster.values()].reduce((a, b) => a + b, 0),
      clusters: [...perCluster].map(([cluster, workloads]) => ({ cluster, workloads })).sort((a, b) => b.workloads - a.workloads || a.cluster.localeCompare(b.cluster)),
    }))
    .sort((a, b) => b.workloads - a.workloads || a.image.localeCompare(b.image));
}

/** Broken first, then at-risk, then unknown; by cluster, namespace and name within a status. */
export function fleetFindings(clusters: readonly FleetCluster[]): FleetFinding[] {
  const out: FleetFinding[] = [];
  for (const c of clusters) {
    for (const w of c.report?.workloads ?? []) {
      if (w.status === 'ok') continue;
      out.push({ cluster: c.name, namespace: w.namespace, kind: w.kind, name: w.name, status: w.status, reason: w.reason });
    }
  }
  const rank = (f: FleetFinding): number => FINDING_ORDER.indexOf(f.status);
  return out.sort((a, b) => rank(a) - rank(b) || a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** The roll-up of every cluster's audit. */
export function fleetReport(clusters: FleetCluster[], targetArch: string, imageLookups: number): FleetReport {
  const byState = Object.fromEntries(CLUSTER_STATES.map((s) => [s, 0])) as Record<ClusterState, number>;
  const byStatus = Object.fromEntries(WORKLOAD_STATUSES.map((s) => [s, 0])) as Record<WorkloadStatus, number>;
  let workloads = 0;
  let targetReady = 0;
  for (const c of clusters) {
    byState[c.state]++;
    if (!c.report) continue;
    workloads += c.report.summary.workloads;
    targetReady += c.report.summary.targetReady;
    for (const s of WORKLOAD_STATUSES) byStatus[s] += c.report.summary.byStatus[s];
  }
  return {
    apiVersion: AUDIT_API_VERSION,
    kind: 'FleetReport',
    summary: {
      clusters: clusters.length,
      audited: byState.audited,
      byState,
      workloads,
      byStatus,
      targetArch,
      targetReady,
      targetReadyPercent: workloads === 0 ? 0 : Math.round((targetReady / workloads) * 1000) / 10,
      imageLookups,
    },
    clusters,
    blockingImages: fleetBlockingImages(clusters),
    findings: fleetFindings(clusters),
  };
}
