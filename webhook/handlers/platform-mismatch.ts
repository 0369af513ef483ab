import type { ResolvedPodImage } from '../../core/placement/index.js';
import type { PlatformMismatch, StaleImage } from '../policy/messages.js';

const PLATFORM_MISMATCH = 'platform-mismatch:';

/** Images answered stale because the registry failed (stale-if-error), once per image; empty almost always. */
export function staleImages(resolved: readonly ResolvedPodImage[]): StaleImage[] {
  const out: StaleImage[] = [];
  for (const { image, info } of resolved) {
    if (info?.stale && !out.some((s) => s.image === image)) out.push({ image, since: info.stale.since, code: info.stale.error.code });
  }
  return out;
}

/** The resolver's `platform-mismatch:` findings (`--verify-platforms`), once per image. */
export function platformMismatches(resolved: readonly ResolvedPodImage[]): PlatformMismatch[] {
  const seen = new Set<string>();
  const out: PlatformMismatch[] = [];
  for (const { image, info } of resolved) {
    if (!info || info.error || seen.has(image)) continue;
    seen.add(image);
    for (const finding of info.findings ?? []) if (finding.startsWith(PLATFORM_MISMATCH)) out.push({ image, finding });
  }
  return out;
}
