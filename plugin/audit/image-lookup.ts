import type { KeyedCredential } from '../../core/credentials.js';
import type { ImageInfo } from '../../core/image-info.js';
import { podImages, type PodSpec } from '../../core/placement/index.js';
import type { ImageResolver } from '../../core/resolver.js';
import type { WorkloadCredentials } from './pull-secrets.js';

/** One image to resolve with the credentials of the workloads that use it. */
export interface ImageRequest {
  image: string;
  /** Identifies the credential set (e.g. `shop:regcred,other`); requests with equal keys share one lookup. */
  credentialKey: string;
  credentials: KeyedCredential[];
  /** A ServiceAccount's pull secrets not in the pods (workloads with no pods). */
  serviceAccountCredentials?: KeyedCredential[];
}

/** One request per distinct image of the pod specs, each with the workload's credential set. */
export function imageRequestsFor(specs: readonly PodSpec[], creds: Omit<WorkloadCredentials, 'unreadable'>): ImageRequest[] {
  const images = new Set(specs.flatMap((s) => podImages(s).map((i) => i.image)));
  return [...images].map((image) => ({ image, credentialKey: creds.key, credentials: creds.credentials, serviceAccountCredentials: creds.serviceAccountCredentials }));
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
 * The lookups of one audit: each (image, credential set) is asked of the resolver once, whoever asks first (the
 * early lookups of workload templates while the cluster is still being read, or the audit itself), and at most
 * `maxInFlight` at a time in the order they were asked. A lookup's --timeout starts when the resolver is asked, not
 * when it is queued here.
 */
export class ImageLookups {
  private readonly asked = new Map<string, Promise<ImageInfo>>();
  private readonly queue: Array<() => void> = [];
  private inFlight = 0;

  constructor(
    private readonly resolver: ImageResolver,
    private readonly maxInFlight = MAX_LOOKUPS_IN_FLIGHT,
  ) {}

  /** The answer for `r`: the lookup already asked for its image and credential set, or a new one. */
  lookUp(r: ImageRequest): Promise<ImageInfo> {
    const key = lookupKey(r.image, r.credentialKey);
    let answer = this.asked.get(key);
    if (!answer) {
      answer = this.resolve(r);
      // An early lookup may fail before anyone awaits it: the failure stays for whoever asks, never unhandled.
      answer.catch(() => undefined);
      this.asked.set(key, answer);
    }
    return answer;
  }

  private async resolve(r: ImageRequest): Promise<ImageInfo> {
    await this.slot();
    try {
      return await this.resolver.resolve(r.image, {
        ...(r.credentials.length > 0 && { credentials: r.credentials }),
        ...(r.serviceAccountCredentials?.length && { serviceAccountCredentials: r.serviceAccountCredentials }),
      });
    } finally {
      this.release();
    }
  }

  private slot(): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** A finished lookup hands its slot to the next one waiting. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.inFlight--;
  }
}

/**
 * Resolves each distinct (image, credential set) once, many at a time: the registry client bounds concurrency per
 * registry, shares identical in-flight lookups and fetches each digest once. Given an ImageLookups, answers it
 * already has (or is waiting for) are used, not asked again.
 */
export async function lookUpImages(
  source: ImageResolver | ImageLookups,
  requests: readonly ImageRequest[],
  onProgress?: ProgressListener,
  maxInFlight = MAX_LOOKUPS_IN_FLIGHT,
): Promise<ImageAnswers> {
  const lookups = source instanceof ImageLookups ? source : new ImageLookups(source, maxInFlight);
  const unique = [...new Map(requests.map((r) => [lookupKey(r.image, r.credentialKey), r])).values()];
  const answers = new Map<string, ImageInfo>();
  onProgress?.(0, unique.length);
  await Promise.all(
    unique.map(async (r) => {
      answers.set(lookupKey(r.image, r.credentialKey), await lookups.lookUp(r));
      onProgress?.(answers.size, unique.length);
    }),
  );
  return new ImageAnswers(answers);
}
