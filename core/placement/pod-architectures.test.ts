import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../image-info.js';
import { parsePlatformString } from '../platform.js';
import { podArchitectures, type ResolvedPodImage } from './pod-architectures.js';
import { podImages, podOS } from './pod-images.js';

function info(reference: string, platforms: string[]): ImageInfo {
  const ps = platforms.map(parsePlatformString);
  return { reference, canonical: reference, platforms: ps, platformStrings: platforms, multiArch: new Set(ps.map((p) => p.architecture)).size > 1, error: null };
}
function failed(reference: string, code: 'NOT_FOUND' | 'TIMEOUT'): ImageInfo {
  return { reference, canonical: reference, platforms: [], platformStrings: [], multiArch: false, error: { code, message: code } };
}
const img = (image: string, i?: ImageInfo): ResolvedPodImage => ({ container: image, kind: 'container', image, ...(i && { info: i }) });
const BOTH = ['amd64', 'arm64'];

describe('podArchitectures', () => {
  const cases: { name: string; images: ResolvedPodImage[]; allowed?: string[]; os?: string; archs: string[]; unresolved?: number; singleArch?: number }[] = [
    { name: 'multi-arch', images: [img('a', info('a', ['linux/amd64', 'linux/arm64']))], archs: BOTH },
    { name: 'intersection', images: [img('a', info('a', ['linux/amd64', 'linux/arm64'])), img('b', info('b', ['linux/arm64']))], archs: ['arm64'], singleArch: 1 },
    { name: 'empty intersection', images: [img('a', info('a', ['linux/amd64'])), img('b', info('b', ['linux/arm64']))], archs: [], singleArch: 2 },
    { name: 'allowed archs cut', images: [img('a', info('a', ['linux/amd64', 'linux/arm64', 'linux/s390x']))], allowed: ['amd64', 's390x'], archs: ['amd64', 's390x'] },
    { name: 'variants collapse to the node label', images: [img('a', info('a', ['linux/arm/v7', 'linux/arm64']))], allowed: ['arm', 'arm64'], archs: ['arm', 'arm64'] },
    { name: 'other OS ignored', images: [img('a', info('a', ['windows/amd64', 'linux/arm64']))], archs: ['arm64'], singleArch: 1 },
    { name: 'windows pod', os: 'windows', images: [img('a', info('a', ['windows/amd64', 'linux/arm64']))], archs: ['amd64'], singleArch: 1 },
    { name: 'override replaces the registry', images: [img('busybox', info('busybox', ['linux/amd64']))], archs: BOTH },
    { name: 'any override never narrows', images: [img('registry.example.com/data/m:1', info('x', ['linux/amd64'])), img('b', info('b', ['linux/arm64']))], archs: ['arm64'], singleArch: 1 },
    { name: 'unresolved: upper bound from the rest', images: [img('a', failed('a', 'NOT_FOUND')), img('b', info('b', ['linux/arm64', 'linux/amd64']))], archs: BOTH, unresolved: 1 },
    { name: 'no answer in time', images: [img('a')], archs: BOTH, unresolved: 1 },
    { name: 'no images', images: [], archs: BOTH },
    { name: 'allowed archs unsorted, repeated', images: [img('a', info('a', ['linux/arm64', 'linux/amd64', 'linux/s390x']))], allowed: ['s390x', 'arm64', 'amd64', 'arm64'], archs: ['amd64', 'arm64', 's390x'] },
    { name: 'no images, allowed archs unsorted', images: [], allowed: ['arm64', 'amd64'], archs: BOTH },
  ];
  const overrides = [
    { pattern: 'busybox', archs: ['amd64', 'arm64'] },
    { pattern: 'registry.example.com/data/*', archs: 'any' as const },
  ];
  it.each(cases)('$name', ({ images, allowed, os, archs, unresolved, singleArch }) => {
    const result = podArchitectures(images, overrides, allowed ?? BOTH, os);
    expect(result.archs).toEqual(archs);
    expect(result.unresolved).toHaveLength(unresolved ?? 0);
    expect(result.singleArch).toHaveLength(singleArch ?? 0);
    expect(result.images).toHaveLength(images.length);
  });

  it('reports the reason of unresolved images', () => {
    const r = podArchitectures([img('a'), img('b', failed('b', 'NOT_FOUND'))], [], BOTH);
    expect(r.unresolved.map((u) => u.error?.code)).toEqual(['TIMEOUT', 'NOT_FOUND']);
  });
});

describe('podImages', () => {
  it('lists init containers then containers, skipping ephemeral ones by default', () => {
    const spec = {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'app', image: ' nginx ', imagePullPolicy: 'Always' }, { name: 'noimage' }],
      ephemeralContainers: [{ name: 'debug', image: 'alpine' }],
    };
    expect(podImages(spec)).toEqual([
      { container: 'init', kind: 'initContainer', image: 'busybox' },
      { container: 'app', kind: 'container', image: 'nginx' },
    ]);
    expect(podImages(spec, { includeEphemeral: true })).toHaveLength(3);
  });
  it('pod OS defaults to linux', () => {
    expect(podOS({ containers: [] })).toBe('linux');
    expect(podOS({ containers: [], os: { name: 'Windows' } })).toBe('windows');
  });
});
