import type { ImageArchitectures } from '../../core/placement/index.js';

/** Texts users see. Deny messages say what is wrong and what to do; warnings are short (clamped to 120 later). */

const MAX_LISTED = 8;

function archsOf(image: ImageArchitectures): string {
  if (image.archs === 'any') return 'any arch (override)';
  if (image.source === 'unresolved') return `unresolved: ${image.error?.code ?? 'unknown'}`;
  if (image.archs.length === 0) return image.platforms.length > 0 ? `only ${image.platforms.join(', ')}` : 'no platforms';
  return image.archs.join(',');
}

/** `container app: nginx:1.27 (amd64), init setup: busybox (amd64,arm64)`. */
export function describeImages(images: readonly ImageArchitectures[]): string {
  const listed = images.slice(0, MAX_LISTED).map((i) => `${i.kind === 'initContainer' ? 'init ' : ''}${i.container}: ${i.image} (${archsOf(i)})`);
  const more = images.length > MAX_LISTED ? `, and ${images.length - MAX_LISTED} more` : '';
  return `${listed.join(', ')}${more}`;
}

function optOutHint(podOptOut: boolean): string {
  return podOptOut ? ', or opt the pod out with annotation archcheck.dev/skip: "true"' : '';
}

export function noCommonArchMessage(images: readonly ImageArchitectures[], allowedArchs: readonly string[], podOptOut: boolean): string {
  return (
    `archcheck: no allowed CPU architecture (${allowedArchs.join(',')}) runs every image of this pod: ${describeImages(images)}. ` +
    `Fix: use images built for a common architecture (multi-arch: docker buildx build --platform linux/amd64,linux/arm64), ` +
    `add an --image-override for an image whose manifest is wrong or that holds only data${optOutHint(podOptOut)}.`
  );
}

export function archConflictMessage(constraint: string, archs: readonly string[], images: readonly ImageArchitectures[], podOptOut: boolean): string {
  return (
    `archcheck: this pod's node selection (${constraint}) allows none of the architectures its images run on (${archs.join(',')}): ` +
    `${describeImages(images)}. Fix: select nodes with kubernetes.io/arch in [${archs.join(',')}], or use images built for the ` +
    `architecture you selected (multi-arch images run everywhere)${optOutHint(podOptOut)}.`
  );
}

export function singleArchMessage(images: readonly ImageArchitectures[], podOptOut: boolean): string {
  return (
    `archcheck: single-architecture images are not allowed here (single-arch policy: deny): ${describeImages(images)}. ` +
    `Fix: publish multi-arch images (docker buildx build --platform linux/amd64,linux/arm64), or add an --image-override ` +
    `for images that are single-arch on purpose${optOutHint(podOptOut)}.`
  );
}

/** One `platform-mismatch:` finding of the resolver on an image (its index labels a child with the wrong platform). */
export interface PlatformMismatch {
  image: string;
  /** `platform-mismatch: index says linux/arm64, image config says linux/amd64` */
  finding: string;
}

/** An image answered from its tag's last known digest because the registry failed (stale-if-error, decision 0053). */
export interface StaleImage {
  image: string;
  /** When the tag → digest was last confirmed (ISO time). */
  since: string;
  /** The registry's failure (`TIMEOUT`, `UNREACHABLE`, …). */
  code: string;
}

/** When a stale answer was last confirmed, to the second: `2026-12-07T19:02:03Z`. */
export const staleAsOf = (s: StaleImage): string => `${s.since.slice(0, 19)}Z`;

const mismatchDetail = (m: PlatformMismatch): string => m.finding.replace(/^platform-mismatch:\s*/, '');

export function platformMismatchMessage(mismatches: readonly PlatformMismatch[], podOptOut: boolean): string {
  const listed = mismatches.slice(0, MAX_LISTED).map((m) => `${m.image} (${mismatchDetail(m)})`);
  const more = mismatches.length > MAX_LISTED ? `, and ${mismatches.length - MAX_LISTED} more` : '';
  return (
    `archcheck: the image index lies about its platforms (an entry's label contradicts the image config) and the single-arch ` +
    `policy is deny: ${listed.join('; ')}${more}. Fix: republish the index with correct platforms (docker buildx build ` +
    `--platform linux/amd64,linux/arm64), or add an --image-override with the archs the image really runs on${optOutHint(podOptOut)}.`
  );
}

export function unresolvedMessage(images: readonly ImageArchitectures[], podOptOut: boolean): string {
  const reasons = images.slice(0, MAX_LISTED).map((i) => `${i.image} (${i.error?.code ?? 'unknown'}: ${i.error?.message ?? ''})`);
  return (
    `archcheck: could not find which CPU architectures these images run on, and the unresolved-image policy is deny: ` +
    `${reasons.join('; ')}. Fix: check the image names and the pod's imagePullSecrets, retry when the registry answers, ` +
    `or add an --image-override${optOutHint(podOptOut)}.`
  );
}

export function unreachableArchMessage(badArchs: readonly string[], archs: readonly string[], images: readonly ImageArchitectures[], podOptOut: boolean): string {
  return (
    `archcheck: this pod can be scheduled on ${badArchs.join(',')} nodes, but not all of its images run there: ${describeImages(images)}. ` +
    `Fix: add nodeSelector kubernetes.io/arch (one of ${archs.join(',') || 'none'}) or let the archcheck mutating webhook place it, ` +
    `or use multi-arch images${optOutHint(podOptOut)}.`
  );
}

export function ephemeralArchMessage(container: string, image: string, imageArchs: readonly string[], node: string, nodeArch: string): string {
  return (
    `archcheck: ephemeral container ${container} uses ${image}, which runs on ${imageArchs.join(',') || 'no linux architecture'}, ` +
    `but the pod runs on node ${node} (${nodeArch}). Fix: use an image built for ${nodeArch} (e.g. a multi-arch image such as busybox).`
  );
}

/** `arch of reg/app:1 unknown (TIMEOUT: no answer before the admission deadline); admitted unchanged`, for the pod's reason annotation. */
export function unresolvedReason(images: readonly ImageArchitectures[]): string {
  const listed = images.slice(0, MAX_LISTED).map((i) => `${i.image} (${i.error?.code ?? 'TIMEOUT'}${i.error?.message ? `: ${i.error.message}` : ''})`);
  return `arch of ${listed.join('; ')} unknown; admitted unchanged`;
}

/** Short texts for admission warnings. */
export const warn = {
  wouldAdd: (changes: string): string => `archcheck: would add ${changes}`,
  wouldDeny: (reason: string): string => `archcheck: would deny (${reason})`,
  singleArch: (image: ImageArchitectures): string => `archcheck: ${image.image} runs only on ${archsOf(image)}; pod pinned to it`,
  unresolved: (images: readonly ImageArchitectures[]): string =>
    `archcheck: arch of ${images.map((i) => i.image).join(', ')} unknown (${images[0]?.error?.code ?? 'TIMEOUT'}); admitted unchanged`,
  unreachable: (badArchs: readonly string[]): string => `archcheck: pod could land on ${badArchs.join(',')} nodes its images do not support`,
  /** Image first, so clamping to 120 characters never loses which image it is. */
  platformMismatch: (m: PlatformMismatch): string => `archcheck: ${m.image}: index lies: ${mismatchDetail(m)}`,
  nodeUnknown: (container: string): string => `archcheck: could not check ephemeral container ${container}: node arch unknown`,
  /** Image first, so clamping to 120 characters never loses which image it is. */
  stale: (s: StaleImage): string => `archcheck: ${s.image}: registry ${s.code}; placed by its arch as of ${staleAsOf(s)}`,
};
