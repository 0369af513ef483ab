import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';
import { failedInfo, FakeResolver, SLOW_IMAGE } from '../testing/fake-resolver.js';
import { Deadline } from './deadline.js';
import { ImageLookup } from './image-lookup.js';

const WEB = 'registry.example.com/team/web:1.4.2';
const image = (ref: string) => ({ container: 'c', kind: 'container' as const, image: ref });

async function lookUp(resolver: ImageResolver, refs: string[], ms = 1_000): Promise<Awaited<ReturnType<ImageLookup['resolvePodImages']>>> {
  const deadline = new Deadline(ms);
  try {
    return await new ImageLookup(resolver).resolvePodImages(refs.map(image), { credentials: [], deadline, overrides: [] });
  } finally {
    deadline.dispose();
  }
}

describe('ImageLookup', () => {
  it('hands the admission deadline to the resolver: one timeout, one deadline', async () => {
    const seen: ResolveRequest[] = [];
    const resolver: ImageResolver = { resolve: (ref, request = {}) => (seen.push(request), new FakeResolver().resolve(ref, request)) };
    const before = Date.now();
    await lookUp(resolver, [WEB], 800);
    expect(seen[0]!.deadlineAt).toBeGreaterThanOrEqual(before + 800);
    expect(seen[0]!.deadlineAt).toBeLessThanOrEqual(Date.now() + 800);
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it('an image with no answer by the deadline gets one TIMEOUT answer, made here', async () => {
    const hangs: ImageResolver = { resolve: () => new Promise<ImageInfo>(() => undefined) };
    const [slow] = await lookUp(hangs, [SLOW_IMAGE], 100);
    expect(slow!.info?.error).toEqual({ code: 'TIMEOUT', message: 'no answer before the admission deadline' });
  });

  it("keeps the resolver's own answers, errors included, and reports a resolver that throws as the image's error", async () => {
    const resolver: ImageResolver = {
      resolve: (ref): Promise<ImageInfo> => (ref === 'boom:1' ? Promise.reject(new Error('bug')) : Promise.resolve(failedInfo(ref, 'TIMEOUT', 'registry took too long'))),
    };
    const [slow, boom] = await lookUp(resolver, ['reg/slow:1', 'boom:1']);
    expect(slow!.info?.error).toEqual({ code: 'TIMEOUT', message: 'registry took too long' });
    expect(boom!.info?.error).toEqual({ code: 'BAD_RESPONSE', message: 'bug' });
  });

  it('takes an answer the resolver has in memory without asking for the deadline (no signal, no resolve), and reports a bug there as the error', async () => {
    const seen: ResolveRequest[] = [];
    const known = new FakeResolver();
    const resolver: ImageResolver = {
      resolve: (ref, request = {}) => (seen.push(request), known.resolve(ref, request)),
      resolveFromMemory: (ref) => {
        if (ref === 'boom:1') throw new Error('bug in memory');
        return ref === WEB ? { ...failedInfo(ref, 'NOT_FOUND', 'remembered'), error: null, platformStrings: ['linux/amd64'] } : undefined;
      },
    };
    const [web, other, boom] = await lookUp(resolver, [WEB, 'busybox:1.36', 'boom:1']);
    expect(web!.info?.platformStrings).toEqual(['linux/amd64']);
    expect(boom!.info?.error).toEqual({ code: 'BAD_RESPONSE', message: 'bug in memory' });
    // Only the image memory did not know went to resolve, with the deadline's signal.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(other!.info?.platformStrings).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
  });

  it('past the deadline, memory is not consulted: the image gets the TIMEOUT answer as before', async () => {
    const resolver: ImageResolver = { resolve: () => new Promise<ImageInfo>(() => undefined), resolveFromMemory: (ref) => failedInfo(ref, 'NOT_FOUND', 'should not be used') };
    const deadline = new Deadline(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      const [only] = await new ImageLookup(resolver).resolvePodImages([image(WEB)], { credentials: [], deadline, overrides: [] });
      expect(only!.info?.error?.code).toBe('TIMEOUT');
    } finally {
      deadline.dispose();
    }
  });
});
