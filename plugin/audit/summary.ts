import { WORKLOAD_STATUSES, type AuditSummary, type BlockingImage, type UnresolvedImage, type WorkloadReport, type WorkloadStatus } from './report.js';

export const TOP_BLOCKING_IMAGES = 5;

function canonicalOf(w: WorkloadReport, image: string): string {
  return w.images.find((i) => i.image === image)?.canonical ?? image;
}

/** Images that keep the most workloads off the target arch first (a shared base image before a one-off). */
export function topBlockingImages(workloads: readonly WorkloadReport[], limit = TOP_BLOCKING_IMAGES): BlockingImage[] {
  const counts = new Map<string, number>();
  for (const w of workloads) {
    for (const image of new Set(w.target.blockingImages.map((i) => canonicalOf(w, i)))) counts.set(image, (counts.get(image) ?? 0) + 1);
  }
  return [...counts]
    .map(([image, n]) => ({ image, workloads: n }))
    .sort((a, b) => b.workloads - a.workloads || a.image.localeCompare(b.image))
    .slice(0, limit);
}

export function summarize(workloads: readonly WorkloadReport[], targetArch: string): AuditSummary {
  const byStatus = Object.fromEntries(WORKLOAD_STATUSES.map((s) => [s, 0])) as Record<WorkloadStatus, number>;
  for (const w of workloads) byStatus[w.status]++;
  const targetReady = workloads.filter((w) => w.target.ready === true).length;
  const percent = workloads.length === 0 ? 0 : Math.round((targetReady / workloads.length) * 1000) / 10;
  return {
    workloads: workloads.length,
    byStatus,
    targetArch,
    targetReady,
    targetReadyPercent: percent,
    topBlockingImages: topBlockingImages(workloads),
  };
}

/** Every image that could not be resolved, once, with how many workloads use it. */
export function unresolvedImages(workloads: readonly WorkloadReport[]): UnresolvedImage[] {
  const byImage = new Map<string, UnresolvedImage>();
  for (const w of workloads) {
    for (const i of w.images) {
      if (!i.error) continue;
      const entry = byImage.get(i.canonical) ?? { image: i.canonical, error: i.error, workloads: 0 };
      entry.workloads++;
      byImage.set(i.canonical, entry);
    }
  }
  return [...byImage.values()].sort((a, b) => b.workloads - a.workloads || a.image.localeCompare(b.image));
}
