import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { ImageLookups, lookUpImages, type ImageRequest } from './image-lookup.js';

class SlowResolver implements ImageResolver {
  inFlight = 0;
  peak = 0;
  calls: string[] = [];
  async resolve(reference: string): Promise<ImageInfo> {
    this.calls.push(reference);
    this.peak = Math.max(this.peak, ++this.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight--;
    return { reference, canonical: reference, platforms: [], platformStrings: [], multiArch: false, error: null };
  }
}

describe('lookUpImages', () => {
  it('resolves each image once per credential set, a bounded number at a time', async () => {
    const resolver = new SlowResolver();
    const requests = Array.from({ length: 40 }, (_, i) => ({ image: `img-${i % 20}`, credentialKey: i < 20 ? '' : 'ns:regcred', credentials: [] }));
    const progress: number[] = [];
    const answers = await lookUpImages(resolver, [...requests, ...requests], (done) => progress.push(done), 4);
    expect(resolver.calls).toHaveLength(40);
    expect(answers.size).toBe(40);
    expect(resolver.peak).toBe(4);
    expect(progress.at(-1)).toBe(40);
    expect(answers.get('img-3', 'ns:regcred')?.reference).toBe('img-3');
    expect(answers.get('img-3', 'other')).toBeUndefined();
  });
});

const request = (image: string, credentialKey = ''): ImageRequest => ({ image, credentialKey, credentials: [] });

describe('ImageLookups (early lookups shared with the audit)', () => {
  it('answers the audit from lookups asked earlier (in flight or done), asking the resolver once per image and credential set', async () => {
    const resolver = new SlowResolver();
    const lookups = new ImageLookups(resolver, 4);
    const early = [lookups.lookUp(request('img-1')), lookups.lookUp(request('img-2', 'ns:regcred'))];
    await early[0];
    const answers = await lookUpImages(lookups, [request('img-1'), request('img-2', 'ns:regcred'), request('img-2'), request('img-3')]);
    expect(resolver.calls.sort()).toEqual(['img-1', 'img-2', 'img-2', 'img-3']);
    expect(await early[1]).toBe(answers.get('img-2', 'ns:regcred'));
    expect(answers.size).toBe(4);
  });

  it('counts early and later lookups in one bound', async () => {
    const resolver = new SlowResolver();
    const lookups = new ImageLookups(resolver, 3);
    for (let i = 0; i < 10; i++) void lookups.lookUp(request(`early-${i}`));
    await lookUpImages(lookups, Array.from({ length: 10 }, (_, i) => request(`late-${i}`)));
    expect(resolver.calls).toHaveLength(20);
    expect(resolver.peak).toBe(3);
  });

  it('an early lookup that fails gives the audit the same failure, and is never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failing: ImageResolver = { resolve: () => Promise.reject(new Error('resolver broke')) };
      const lookups = new ImageLookups(failing);
      void lookups.lookUp(request('img-1'));
      await new Promise((r) => setTimeout(r, 10));
      await expect(lookUpImages(lookups, [request('img-1')])).rejects.toThrow('resolver broke');
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
