import { imagesLacking, placementRisks, type ArchReachability, type ImageArchFacts } from '../../core/placement/index.js';
import type { ImageReport, WorkloadStatus } from './report.js';

/** One pod of the workload on a node whose arch is known. */
export interface PodPlacement {
  pod: string;
  node: string;
  nodeArch: string;
  /** The pod's own images (resolved) that have no build for the node's arch. */
  lackingImages: string[];
  /** `CrashLoopBackOff`, `ImagePullBackOff`… when a container is waiting. */
  waitingReason?: string;
}

export interface StatusInput {
  /** The template's images, init containers included. */
  images: readonly ImageReport[];
  reachability: ArchReachability;
  placements: readonly PodPlacement[];
}

export interface StatusVerdict {
  status: WorkloadStatus;
  reason: string;
}

/** `a, b and 3 more` */
export function listShort(items: readonly string[], max = 2): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** An image as core's placement rules see it: resolved when the registry answered. */
export function reportFacts(images: readonly ImageReport[]): ImageArchFacts[] {
  return images.map((i) => ({ image: i.image, archs: i.archs, resolved: i.error === null }));
}

function lacking(images: readonly ImageReport[], arch: string): string[] {
  return imagesLacking(reportFacts(images), arch);
}

function brokenReason(bad: readonly PodPlacement[]): string {
  const first = bad[0]!;
  const waiting = first.waitingReason ? `, ${first.waitingReason}` : '';
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more pod${bad.length === 2 ? '' : 's'})` : '';
  return `pod ${first.pod} runs on ${first.node} (${first.nodeArch}${waiting}) but ${listShort(first.lackingImages)} has no ${first.nodeArch} build${more}`;
}

function atRiskReason(risky: ReadonlyArray<{ arch: string; images: string[] }>): string {
  return risky.map(({ arch, images }) => `can be scheduled onto ${arch} nodes, but ${listShort(images)} has no ${arch} build`).join('; ');
}

function unknownReason(images: readonly ImageReport[]): string {
  const failed = images.filter((i) => i.error !== null);
  const codes = [...new Set(failed.map((i) => i.error!.code))].join(', ');
  return `cannot resolve ${listShort([...new Set(failed.map((i) => i.image))])} (${codes})`;
}

function okReason(images: readonly ImageReport[], reachability: ArchReachability): string {
  const { present, reachable, excluded } = reachability;
  if (present.length === 0) return 'no nodes of its OS to check against';
  if (reachable.length === 0) return `no node admits it (${excluded.map((e) => `${e.arch}: ${e.reasons.join('; ')}`).join('; ')})`;
  const unsupported = excluded.filter((e) => lacking(images, e.arch).length > 0);
  // Not at risk, so every reachable arch runs the images; with nothing unsupported out of reach, all archs do.
  if (unsupported.length === 0) return `images run on every node arch (${present.join(', ')})`;
  return unsupported.map((e) => `no ${e.arch} build, but kept off ${e.arch} nodes: ${e.reasons.join('; ')}`).join('; ');
}

/**
 * The audit's status rule, strongest evidence first:
 *  1. broken  — a pod runs (or crash-loops) on a node whose arch one of its own resolved images lacks;
 *  2. at-risk — the template can be scheduled onto a node arch that a resolved image lacks (core's placementRisks:
 *               the same answer the webhook's /validate gives; docs/placement-rules.md, "At risk");
 *  3. unknown — an image could not be resolved (and nothing above is certain);
 *  4. ok      — every arch it can be scheduled onto runs all its images; the arch an image lacks is out of reach
 *               (affinity excludes it, or every node of it has a taint the pod does not tolerate).
 */
export function workloadStatus(input: StatusInput): StatusVerdict {
  const bad = input.placements.filter((p) => p.lackingImages.length > 0);
  if (bad.length > 0) return { status: 'broken', reason: brokenReason(bad) };
  const risky = placementRisks(input.reachability.reachable, reportFacts(input.images));
  if (risky.length > 0) return { status: 'at-risk', reason: atRiskReason(risky) };
  if (input.images.some((i) => i.error !== null)) return { status: 'unknown', reason: unknownReason(input.images) };
  return { status: 'ok', reason: okReason(input.images, input.reachability) };
}
