import type { PodSpec } from './k8s-types.js';
import { archReachability, type ArchReachability, type NodeSet } from './node-reachability.js';
import type { ImageArchitectures } from './pod-architectures.js';

/** What placement needs to know about one image: the archs it runs on (`any`: an operator override), or that nobody knows. */
export interface ImageArchFacts {
  image: string;
  archs: readonly string[] | 'any';
  /** False when the registry gave no answer: such an image is never counted as lacking an arch. */
  resolved: boolean;
}

/** A reachable arch, and the resolved images that have no build for it. */
export interface PlacementRisk {
  arch: string;
  images: string[];
}

export function imageArchFacts(image: ImageArchitectures): ImageArchFacts {
  return { image: image.image, archs: image.archs, resolved: image.source !== 'unresolved' };
}

/** The distinct resolved images with no build for `arch`. */
export function imagesLacking(images: readonly ImageArchFacts[], arch: string): string[] {
  return [...new Set(images.filter((i) => i.resolved && i.archs !== 'any' && !i.archs.includes(arch)).map((i) => i.image))];
}

/**
 * The reachable archs some resolved image cannot run on (docs/placement-rules.md, "At risk"). Unresolved images
 * never make an arch risky: what they lack is unknown, and callers report them separately.
 */
export function placementRisks(reachable: readonly string[], images: readonly ImageArchFacts[]): PlacementRisk[] {
  return reachable.map((arch) => ({ arch, images: imagesLacking(images, arch) })).filter((r) => r.images.length > 0);
}

export interface PlacementAssessment extends ArchReachability {
  risks: PlacementRisk[];
}

/** Which nodes can this pod land on, and can its images run there: the one placement question, answered once. */
export function assessPlacement(spec: PodSpec, images: readonly ImageArchFacts[], nodes: NodeSet): PlacementAssessment {
  const reachability = archReachability(spec, nodes);
  return { ...reachability, risks: placementRisks(reachability.reachable, images) };
}
