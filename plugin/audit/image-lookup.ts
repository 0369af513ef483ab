import type { KeyedCredential } from '../../core/credentials.js';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';

/** One image to resolve with the credentials of the workloads that use it. */
export interface ImageRequest {
  image: string;
  /** Identifies the credential set (e.g. `shop:regcred,other`); requests with equal keys share one lookup. */
  credentialKey: string;
  credentials: KeyedCredential[];
  /** A ServiceAccount's pull secrets not in the pods (workloads with no pods). */
  serviceAccountCredentials?: KeyedCredential[];
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
 * How many lookups run at once. The registry client bounds requests per registry, but each lookup's --timeout
 * starts when it is asked: starting 500 at once would spend the deadline of the last ones waiting in the client's
 * queue. A bounded pool keeps the client's queue short and every deadline about the lookup itself.
 */
export const MAX_LOOKUPS_IN_FLIGHT = 64;

/**
 * Resolves each distinct (image, credential set) once, many at a time: the registry client bounds concurrency per
 * registry, shares identical in-flight lookups and fetches each digest once.
 */
export async function lookUpImages(
  resolver: ImageResolver,
  requests: readonly ImageRequest[],
  onProgress?: ProgressListener,
  maxInFlight = MAX_LOOKUPS_IN_FLIGHT,
): Promise<ImageAnswers> {
  const unique = [...new Map(requests.map((r) => [lookupKey(r.image, r.credentialKey), r])).values()];
  const answers = new Map<string, ImageInfo>();
  let next = 0;
  onProgress?.(0, unique.length);
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const r = unique[next++]!;
      const info = await resolver.resolve(r.image, {
        ...(r.credentials.length > 0 && { credentials: r.credentials }),
        ...(r.serviceAccountCredentials?.length && { serviceAccountCredentials: r.serviceAccountCredentials }),
      });
      answers.set(lookupKey(r.image, r.credentialKey), info);
      onProgress?.(answers.size, unique.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, unique.length) }, worker));
  return new ImageAnswers(answers);
}
