import type { ErrorCode } from './errors.js';
import type { Platform } from './platform.js';

/** What archcheck knows about one image reference: the answer every command is built on. */
export interface ImageInfo {
  /** The reference as given. */
  reference: string;
  /** Fully qualified, e.g. docker.io/library/nginx:1.27 */
  canonical: string;
  /** Digest of the top-level manifest or index the reference points to. */
  digest?: string;
  mediaType?: string;
  /** Runnable platforms, normalized, sorted; empty on error. */
  platforms: Platform[];
  platformStrings: string[];
  /** True when the image runs on two or more distinct Linux architectures. */
  multiArch: boolean;
  error: { code: ErrorCode; message: string } | null;
  /** Non-fatal observations (e.g. platform-mismatch, schema1 architecture). */
  findings?: string[];
  /** The registry endpoint that answered (host[:port]). */
  endpoint?: string;
  /**
   * Set when the registry failed and the answer is the one its tag named before (stale-if-error, decision 0053):
   * when the tag → digest was last confirmed (ISO time), and the failure that kept it from being confirmed now.
   */
  stale?: { since: string; error: { code: ErrorCode; message: string } };
}
