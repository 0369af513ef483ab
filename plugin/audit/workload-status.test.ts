import { describe, expect, it } from 'vitest';
import type { ArchReachability } from './arch-reachability.js';
import type { ImageReport } from './report.js';
import { workloadStatus, type PodPlacement } from './workload-status.js';

function image(name: string, archs: string[] | 'error'): ImageReport {
  const failed = archs === 'error';
  return {
    container: name,
    containerType: 'container',
    image: name,
    canonical: name,
    digest: null,
    platforms: failed ? [] : archs.map((a) => `linux/${a}`),
    archs: failed ? [] : archs,
    error: failed ? { code: 'UNAUTHORIZED', message: 'registry wants credentials' } : null,
  };
}

const BOTH: ArchReachability = { present: ['amd64', 'arm64'], reachable: ['amd64', 'arm64'], excluded: [] };
const AMD_ONLY_REACHABLE: ArchReachability = {
  present: ['amd64', 'arm64'],
  reachable: ['amd64'],
  excluded: [{ arch: 'arm64', reasons: ['taint kubernetes.io/arch=arm64:NoSchedule not tolerated (2 nodes)'] }],
};
const NOTHING_REACHABLE: ArchReachability = { present: ['amd64', 'arm64'], reachable: [], excluded: [{ arch: 'amd64', reasons: ['x'] }, { arch: 'arm64', reasons: ['y'] }] };
const onArm = (lacking: string[], waitingReason?: string): PodPlacement => ({ pod: 'web-1', node: 'arm-0', nodeArch: 'arm64', lackingImages: lacking, ...(waitingReason && { waitingReason }) });

describe('workloadStatus', () => {
  const cases: Array<{ name: string; images: ImageReport[]; reach: ArchReachability; placements?: PodPlacement[]; status: string; reason: RegExp }> = [
    { name: 'multi-arch images, both archs reachable', images: [image('app', ['amd64', 'arm64'])], reach: BOTH, status: 'ok', reason: /every node arch \(amd64, arm64\)/ },
    { name: 'amd64-only image, arm64 reachable', images: [image('app', ['amd64'])], reach: BOTH, status: 'at-risk', reason: /scheduled onto arm64 nodes, but app has no arm64 build/ },
    {
      name: 'amd64-only image, arm64 nodes tainted and not tolerated',
      images: [image('app', ['amd64'])],
      reach: AMD_ONLY_REACHABLE,
      status: 'ok',
      reason: /no arm64 build, but kept off arm64 nodes: taint kubernetes.io\/arch=arm64:NoSchedule not tolerated/,
    },
    { name: 'init container lacks arm64', images: [image('init', ['amd64']), image('app', ['amd64', 'arm64'])], reach: BOTH, status: 'at-risk', reason: /init has no arm64 build/ },
    { name: 'arm64-only image, amd64 reachable', images: [image('app', ['arm64'])], reach: BOTH, status: 'at-risk', reason: /amd64 nodes, but app has no amd64 build/ },
    {
      name: 'pod on an arch its image lacks',
      images: [image('app', ['amd64'])],
      reach: AMD_ONLY_REACHABLE,
      placements: [onArm(['app'], 'CrashLoopBackOff')],
      status: 'broken',
      reason: /pod web-1 runs on arm-0 \(arm64, CrashLoopBackOff\) but app has no arm64 build/,
    },
    { name: 'broken beats unknown', images: [image('app', ['amd64']), image('priv', 'error')], reach: BOTH, placements: [onArm(['app'])], status: 'broken', reason: /web-1/ },
    { name: 'at-risk beats unknown', images: [image('app', ['amd64']), image('priv', 'error')], reach: BOTH, status: 'at-risk', reason: /app has no arm64/ },
    { name: 'unresolved image only', images: [image('priv', 'error'), image('app', ['amd64', 'arm64'])], reach: BOTH, status: 'unknown', reason: /cannot resolve priv \(UNAUTHORIZED\)/ },
    { name: 'pod on a compatible node', images: [image('app', ['amd64', 'arm64'])], reach: BOTH, placements: [onArm([])], status: 'ok', reason: /every node arch/ },
    { name: 'no node admits it', images: [image('app', ['amd64'])], reach: NOTHING_REACHABLE, status: 'ok', reason: /no node admits it/ },
    { name: 'no nodes at all', images: [image('app', ['amd64'])], reach: { present: [], reachable: [], excluded: [] }, status: 'ok', reason: /no nodes/ },
    { name: 'no images', images: [], reach: BOTH, status: 'ok', reason: /every node arch/ },
  ];
  it.each(cases)('$name → $status', ({ images, reach, placements, status, reason }) => {
    const verdict = workloadStatus({ images, reachability: reach, placements: placements ?? [] });
    expect(verdict.status).toBe(status);
    expect(verdict.reason).toMatch(reason);
  });

  it('counts the other broken pods', () => {
    const v = workloadStatus({ images: [image('app', ['amd64'])], reachability: BOTH, placements: [onArm(['app']), onArm(['app']), onArm(['app'])] });
    expect(v.reason).toMatch(/and 2 more pods/);
  });
});
