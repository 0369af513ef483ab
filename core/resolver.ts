import type { KeyedCredential } from './credentials.js';
import type { ImageInfo } from './image-info.js';

export interface ResolveRequest {
  /** Extra credentials for this lookup (a pod's pull secrets), tried kubelet-style before the client's own. */
  credentials?: KeyedCredential[];
  /** A ServiceAccount's pull secrets not already merged into `credentials` (the audit of a workload with no pods), tried after them. */
  serviceAccountCredentials?: KeyedCredential[];
  /** Aborts the lookup; the result then carries a TIMEOUT error. */
  signal?: AbortSignal;
  /**
   * The caller's deadline (epoch ms) when it has one (an admission request): the lookup's budget is then the time
   * left until it, capped by the client's own per-image budget, so one timeout means one deadline.
   */
  deadlineAt?: number;
  /** The per-image budget instead of the client's resolveTimeoutMs (the gate controller, which waits longer than admission). */
  budgetMs?: number;
  /**
   * The digest this tag named when the caller last looked (the plugin's on-disk answers past --tag-ttl): the tag is
   * then revalidated with a HEAD — not a Docker Hub pull — instead of fetched, and the digest is used only if the
   * registry confirms it. Never a stale-if-error fallback: it is the caller's record, of any age.
   */
  lastKnownDigest?: string;
}

/** Answers "which platforms can this reference run on?". Never throws: failures are in `ImageInfo.error`. */
export interface ImageResolver {
  resolve(reference: string, request?: ResolveRequest): Promise<ImageInfo>;
  /**
   * What `resolve` would answer when it can answer from memory without waiting (a warm cache); undefined when it
   * would wait. Lets an admission skip arming its deadline for images it already knows.
   */
  resolveFromMemory?(reference: string, request?: ResolveRequest): ImageInfo | undefined;
}
