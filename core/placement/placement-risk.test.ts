import { describe, expect, it } from 'vitest';
import type { NodeSet } from './node-reachability.js';
import { assessPlacement, placementRisks, type ImageArchFacts } from './placement-risk.js';

const img = (image: string, archs: string[] | 'any', resolved = true): ImageArchFacts => ({ image, archs, resolved });

describe('placementRisks', () => {
  const cases: { name: string; reachable: string[]; images: ImageArchFacts[]; risky: Record<string, string[]> }[] = [
    { name: 'multi-arch images: none', reachable: ['amd64', 'arm64'], images: [img('a', ['amd64', 'arm64'])], risky: {} },
    { name: 'amd64-only image reachable on arm64', reachable: ['amd64', 'arm64'], images: [img('a', ['amd64']), img('b', ['amd64', 'arm64'])], risky: { arm64: ['a'] } },
    { name: 'unreachable arch is no risk', reachable: ['amd64'], images: [img('a', ['amd64'])], risky: {} },
    { name: 'unresolved images never count', reachable: ['arm64'], images: [img('a', [], false)], risky: {} },
    { name: 'an any override runs everywhere', reachable: ['arm64', 's390x'], images: [img('a', 'any')], risky: {} },
    { name: 'each image once', reachable: ['arm64'], images: [img('a', ['amd64']), img('a', ['amd64'])], risky: { arm64: ['a'] } },
  ];
  it.each(cases)('$name', ({ reachable, images, risky }) => {
    expect(Object.fromEntries(placementRisks(reachable, images).map((r) => [r.arch, r.images]))).toEqual(risky);
  });

  it('assessPlacement answers reachability and risk together', () => {
    const nodes: NodeSet = { kind: 'assumed', archs: ['amd64', 'arm64'], archTaints: [] };
    const a = assessPlacement({ containers: [] }, [img('legacy', ['amd64'])], nodes);
    expect(a.reachable).toEqual(['amd64', 'arm64']);
    expect(a.risks).toEqual([{ arch: 'arm64', images: ['legacy'] }]);
  });
});
