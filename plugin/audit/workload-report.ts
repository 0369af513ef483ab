import type { ImageInfo } from '../../core/image-info.js';
import {
  archConstraint,
  describeArchConstraint,
  imagesLacking,
  podArchitectures,
  podImages,
  podOS,
  type PodSpec,
  type ResolvedPodImage,
} from '../../core/placement/index.js';
import type { ClusterPod } from '../inventory/inventory.js';
import type { PlacementModel } from './arch-reachability.js';
import { podCpuRequestMillis } from './cpu-requests.js';
import { schedulingSpec } from './daemonset-tolerations.js';
import { gatedPods, gatedReason } from './gated-pods.js';
import type { CpuRequests, ImageReport, NodeReport, WorkloadReport } from './report.js';
import { targetReadiness } from './target-readiness.js';
import type { Workload } from './workloads.js';
import { reportFacts, workloadStatus, type PodPlacement } from './workload-status.js';

/** What the registry said about an image, as seen from one workload (its pull secrets decide the answer). */
export type ImageAnswer = (image: string) => ImageInfo | undefined;

export interface ReportContext {
  placement: PlacementModel;
  targetArch: string;
  source: 'cluster' | 'manifests';
}

const NO_ANSWER = { code: 'TIMEOUT', message: 'no answer from the registry' };

function resolvedImages(spec: PodSpec, answer: ImageAnswer): ResolvedPodImage[] {
  return podImages(spec).map((i) => {
    const info = answer(i.image);
    return info ? { ...i, info } : i;
  });
}

/** Per-image detail via core's podArchitectures (archs for the pod's OS), plus the archs they all share. */
export function imageReports(spec: PodSpec, answer: ImageAnswer): { images: ImageReport[]; sharedArchs: string[] } {
  const resolved = resolvedImages(spec, answer);
  const allArchs = [...new Set(resolved.flatMap((i) => i.info?.platforms.map((p) => p.architecture) ?? []))];
  const result = podArchitectures(resolved, [], allArchs, podOS(spec));
  const images = result.images.map((detail, n): ImageReport => {
    const info = resolved[n]!.info;
    return {
      container: detail.container,
      containerType: detail.kind === 'initContainer' ? 'initContainer' : 'container',
      image: detail.image,
      canonical: info?.canonical ?? detail.image,
      digest: info?.digest ?? null,
      platforms: info?.platformStrings ?? [],
      archs: detail.archs === 'any' ? [] : detail.archs,
      error: detail.source === 'unresolved' ? (detail.error ?? NO_ANSWER) : null,
    };
  });
  return { images, sharedArchs: images.length === 0 ? [] : result.archs };
}

function waitingReason(pod: ClusterPod): string | undefined {
  return pod.status?.containerStatuses?.map((s) => s.state?.waiting?.reason).find((r) => r);
}

/** Where the workload's pods run, judged with each pod's own images (a rollout may run older ones). */
function podPlacements(pods: readonly ClusterPod[], answer: ImageAnswer, placement: PlacementModel): PodPlacement[] {
  const out: PodPlacement[] = [];
  // Pods of one ReplicaSet share their images: judge each image list once.
  const byImages = new Map<string, ImageReport[]>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    const nodeArch = node ? placement.nodeArch(node) : undefined;
    if (!node || !nodeArch) continue;
    const key = podImages(pod.spec).map((i) => `${i.kind}:${i.image}`).join('\n') + `|${podOS(pod.spec)}`;
    let images = byImages.get(key);
    if (!images) {
      images = imageReports(pod.spec, answer).images;
      byImages.set(key, images);
    }
    const lackingImages = imagesLacking(reportFacts(images), nodeArch);
    const reason = waitingReason(pod);
    out.push({ pod: pod.metadata?.name ?? '', node, nodeArch, lackingImages, ...(reason && { waitingReason: reason }) });
  }
  return out;
}

function nodeReports(pods: readonly ClusterPod[], placements: readonly PodPlacement[], placement: PlacementModel): NodeReport[] {
  const byNode = new Map<string, NodeReport>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    if (!node) continue;
    const entry = byNode.get(node) ?? { node, arch: placement.nodeArch(node) ?? null, pods: 0, incompatible: false };
    entry.pods++;
    byNode.set(node, entry);
  }
  for (const p of placements) if (p.lackingImages.length > 0) byNode.get(p.node)!.incompatible = true;
  return [...byNode.values()].sort((a, b) => a.node.localeCompare(b.node));
}

const FINISHED = new Set(['Succeeded', 'Failed']);

function cpuRequests(workload: Workload, ctx: ReportContext): CpuRequests {
  if (ctx.source === 'manifests') return { millicores: workload.desiredPods * podCpuRequestMillis(workload.template) };
  const byArch: Record<string, number> = {};
  let millicores = 0;
  for (const pod of workload.pods) {
    if (FINISHED.has(pod.status?.phase ?? '')) continue;
    const cpu = podCpuRequestMillis(pod.spec);
    const arch = (pod.spec.nodeName && ctx.placement.nodeArch(pod.spec.nodeName)) || 'unscheduled';
    byArch[arch] = (byArch[arch] ?? 0) + cpu;
    millicores += cpu;
  }
  return { millicores, byArch };
}

/** Everything the audit says about one workload. Pure: the images were resolved beforehand. */
export function workloadReport(workload: Workload, answer: ImageAnswer, ctx: ReportContext): WorkloadReport {
  const { images, sharedArchs } = imageReports(workload.template, answer);
  const reachability = ctx.placement.reachability(schedulingSpec(workload.kind, workload.template));
  const placements = podPlacements(workload.pods, answer, ctx.placement);
  const verdict = workloadStatus({ images, reachability, placements });
  const constraint = archConstraint(workload.template);
  const gated = gatedPods(workload.pods);
  return {
    kind: workload.kind,
    namespace: workload.namespace,
    name: workload.name,
    status: verdict.status,
    reason: verdict.reason + gatedReason(gated),
    images,
    sharedArchs,
    archConstraint: constraint === null ? null : describeArchConstraint(constraint),
    tolerations: workload.template.tolerations ?? [],
    schedulableArchs: reachability.reachable,
    nodes: nodeReports(workload.pods, placements, ctx.placement),
    pods: workload.pods.length,
    cpuRequests: cpuRequests(workload, ctx),
    target: targetReadiness(images, ctx.targetArch),
    ...(gated.length > 0 && { gatedPods: gated }),
  };
}
