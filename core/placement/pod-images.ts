import type { Container, PodSpec } from './k8s-types.js';

export type ContainerKind = 'initContainer' | 'container' | 'ephemeralContainer';

/** One image a pod runs, with the container that runs it. */
export interface PodImage {
  container: string;
  kind: ContainerKind;
  image: string;
}

function imagesOf(containers: Container[] | undefined, kind: ContainerKind): PodImage[] {
  return (containers ?? [])
    .filter((c) => typeof c.image === 'string' && c.image.trim() !== '')
    .map((c) => ({ container: c.name, kind, image: (c.image as string).trim() }));
}

/**
 * The images that decide where a pod can run: init containers, then containers.
 * Ephemeral containers are left out (they are added to running pods and checked against the pod's node),
 * unless `includeEphemeral` is set. Containers without an image are skipped.
 */
export function podImages(spec: PodSpec, options: { includeEphemeral?: boolean } = {}): PodImage[] {
  const images = [...imagesOf(spec.initContainers, 'initContainer'), ...imagesOf(spec.containers, 'container')];
  if (options.includeEphemeral) images.push(...imagesOf(spec.ephemeralContainers, 'ephemeralContainer'));
  return images;
}

/** The distinct image strings of a list, in first-seen order (resolve each once). */
export function distinctImages(images: PodImage[]): string[] {
  return [...new Set(images.map((i) => i.image))];
}

/** The OS the pod's containers run on: `spec.os.name`, linux when absent. */
export function podOS(spec: PodSpec): string {
  const name = spec.os?.name;
  return typeof name === 'string' && name !== '' ? name.toLowerCase() : 'linux';
}
