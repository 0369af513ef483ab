import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { lookUpImages } from './image-lookup.js';

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
