import type { ResolvedPodImage } from '../../core/placement/index.js';
import type { PlatformMismatch } from '../policy/messages.js';

const PLATFORM_MISMATCH = 'platform-mismatch:';

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
