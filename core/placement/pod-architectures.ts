import type { ImageInfo } from '../image-info.js';
import { nodeArchitectures } from '../platform.js';
import { findImageOverride, type ImageOverride } from './image-override.js';
import type { PodImage } from './pod-images.js';

/** A pod image with what the resolver said about it; `info` is undefined when no answer came in time. */
export interface ResolvedPodImage extends PodImage {
  info?: ImageInfo;
}

export type ImageArchSource = 'registry' | 'override' | 'unresolved';

/** Where one image can run, and why we think so. */
export interface ImageArchitectures extends PodImage {
  /** `kubernetes.io/arch` values for the pod's OS (sorted); `any` for an `any` override; empty when unresolved. */
  archs: string[] | 'any';
  source: ImageArchSource;
  /** All platforms the registry listed (`linux/arm/v7`, `windows/amd64`), for messages. */
  platforms: string[];
  /** Why it is unresolved (`TIMEOUT`, `NOT_FOUND`, …). */
  error?: { code: string; message: string };
}

export interface PodArchitectures {
  /**
   * Archs every resolved image runs on, within the allowed archs, sorted. With `unresolved` images this is only
   * an upper bound (the unresolved ones may narrow it further).
   */
  archs: string[];
  images: ImageArchitectures[];
  /** Images with no answer (error or deadline): the pod's archs are then unknown. */
  unresolved: ImageArchitectures[];
  /** Images the registry lists for exactly one arch of the pod's OS (overrides are the operator's word and never count). */
  singleArch: ImageArchitectures[];
}

/**
 * The image's PodImage fields with what is known of it. Written out rather than `{ ...podImage, archs, … }`: on
 * Node 20 a spread followed by new keys costs ≈ 1 µs per object (decision 0042), and this runs per image per admission.
 */
function imageWith(image: PodImage, archs: string[] | 'any', source: ImageArchSource, platforms: string[], error?: { code: string; message: string }): ImageArchitectures {
  const out: ImageArchitectures = { container: image.container, kind: image.kind, image: image.image, archs, source, platforms };
  if (error) out.error = error;
  return out;
}

function imageArchitectures(image: ResolvedPodImage, overrides: readonly ImageOverride[], os: string): ImageArchitectures {
  const info = image.info;
  const platforms = info?.platformStrings ?? [];
  const override = findImageOverride(overrides, image.image);
  if (override) return imageWith(image, override.archs === 'any' ? 'any' : [...override.archs], 'override', platforms);
  if (info === undefined) return imageWith(image, [], 'unresolved', platforms, { code: 'TIMEOUT', message: 'no answer before the admission deadline' });
  if (info.error) return imageWith(image, [], 'unresolved', platforms, { ...info.error });
  return imageWith(image, nodeArchitectures(info.platforms, os), 'registry', platforms);
}

function uniqueSorted(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out.sort();
}

/**
 * The CPU architectures a pod can run on (docs/placement-rules.md, "Pod archs": the intersection over its images' archs for the pod's OS, after
 * image overrides, within `allowedArchs`), with per-image detail for messages.
 *
 * Callers decide what to do with unresolved images; with none, an empty `archs` is a real conflict
 * (no allowed arch runs every image).
 */
export function podArchitectures(
  images: readonly ResolvedPodImage[],
  overrides: readonly ImageOverride[],
  allowedArchs: readonly string[],
  os = 'linux',
): PodArchitectures {
  const detail = images.map((i) => imageArchitectures(i, overrides, os));
  // Arrays, not Sets: a handful of archs at most, and this runs per admission (a Set and its spread per image were
  // ≈ 1 KB of garbage each).
  let archs = uniqueSorted(allowedArchs);
  for (const image of detail) {
    if (image.archs === 'any' || image.source === 'unresolved') continue;
    const runnable = image.archs;
    archs = archs.filter((a) => runnable.includes(a));
  }
  return {
    archs,
    images: detail,
    unresolved: detail.filter((i) => i.source === 'unresolved'),
    singleArch: detail.filter((i) => i.source === 'registry' && i.archs !== 'any' && i.archs.length === 1),
  };
}
