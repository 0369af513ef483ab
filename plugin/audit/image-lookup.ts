import type { KeyedCredential } from '../../core/credentials.js';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';

/** One image to resolve with the credentials of the workloads that use it. */
export interface ImageRequest {
  image: string;
  /** Identifies the credential set (e.g. `shop:regcred,other`); requests with equal keys share one lookup. */
  credentialKey: string;
  credentials: KeyedCredential[];
}

export type ProgressListener = (done: number, total: number) => void;

/** Answers for resolved images, by image and credential set. */
export class ImageAnswers {
  constructor(private readonly answers: ReadonlyMap<string, ImageInfo>) {}

  get(image: string, credentialKey: string): ImageInfo | undefined {
    return this.answers.get(lookupKey(image, credentialKey));
  }

  get size(): number {
    return this.answers.size;
  }
}

function lookupKey(image: string, credentialKey: string): string {
  return `${credentialKey}\u0000${image}`;
}

/**
 * Resolves each distinct (image, credential set) once, all at the same time: the registry client bounds
 * concurrency per registry, shares identical in-flight lookups and fetches each digest once.
 */
export async function lookUpImages(resolver: ImageResolver, requests: readonly ImageRequest[], onProgress?: ProgressListener): Promise<ImageAnswers> {
  const unique = new Map<string, ImageRequest>();
  for (const r of requests) unique.set(lookupKey(r.image, r.credentialKey), r);
  const total = unique.size;
  let done = 0;
  onProgress?.(0, total);
  const entries = await Promise.all(
    [...unique].map(async ([key, r]): Promise<[string, ImageInfo]> => {
      const info = await resolver.resolve(r.image, r.credentials.length > 0 ? { credentials: r.credentials } : {});
      onProgress?.(++done, total);
      return [key, info];
    }),
  );
  return new ImageAnswers(new Map(entries));
}
