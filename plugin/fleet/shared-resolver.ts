import { createHash } from 'node:crypto';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver, ResolveRequest } from '../../core/resolver.js';

/**
 * One answer per (image, credentials) for the whole fleet: an image that 300 clusters run is looked up once, not
 * 300 times (each cluster's audit already looks each image up once). Answers are keyed by the credentials' content,
 * never their names: `shop/regcred` in two clusters may hold different secrets, and an answer is never shared
 * across credentials (decision 0021). Lives for one command.
 */
export class FleetSharedResolver implements ImageResolver {
  private readonly answers = new Map<string, Promise<ImageInfo>>();
  lookups = 0;

  constructor(private readonly inner: ImageResolver) {}

  resolve(reference: string, request: ResolveRequest = {}): Promise<ImageInfo> {
    const key = `${reference}\u0000${createHash('sha256').update(JSON.stringify(request)).digest('hex')}`;
    let answer = this.answers.get(key);
    if (!answer) {
      this.lookups++;
      answer = this.inner.resolve(reference, request);
      this.answers.set(key, answer);
    }
    return answer;
  }
}
