import { imagesLacking } from '../../core/placement/index.js';
import type { ImageReport, TargetReadiness } from './report.js';
import { reportFacts } from './workload-status.js';

/**
 * Whether a workload can move to `arch`: every image (init containers included) has a build for it.
 * `ready: null` when nothing known blocks it but some image could not be resolved.
 */
export function targetReadiness(images: readonly ImageReport[], arch: string): TargetReadiness {
  const blockingImages = imagesLacking(reportFacts(images), arch);
  const unresolvedImages = [...new Set(images.filter((i) => i.error !== null).map((i) => i.image))];
  const ready = blockingImages.length > 0 ? false : unresolvedImages.length > 0 ? null : true;
  return { arch, ready, blockingImages, unresolvedImages };
}
