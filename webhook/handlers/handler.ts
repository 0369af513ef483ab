import type { AdmissionRequest, Operation } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import type { SkipVerdict, Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import type { Guard, Guarded } from './guards.js';

export type Endpoint = 'mutate' | 'validate';

/**
 * One row of the handler table (admit.ts): which requests it answers, the guards that run first, and the decision.
 * `read` checks the admitted object against the shape the handler relies on (admission/object-shape.ts) and returns
 * it typed, or what is wrong with it (answered `ignored:malformed`, decision 0013).
 */
export interface HandlerSpec<T> {
  name: string;
  endpoints: readonly Endpoint[];
  /** `Pod` in the core group, or a workload kind in its group. */
  matchesKind: (kind: AdmissionRequest['kind']) => boolean;
  /** '' for the object itself. */
  subresource: string;
  operations: readonly Operation[];
  read: (request: AdmissionRequest) => { target: T } | { problem: string };
  guards: readonly Guard<T>[];
  /** What a guard's skip does to the object (mutate: record it on the pod); default: nothing. */
  onSkip?: (admission: Guarded<T>, skip: SkipVerdict) => Verdict;
  decide: (admission: Guarded<T>, env: AdmissionEnv, deadline: Deadline) => Promise<Verdict>;
}

export const isCorePod = (kind: AdmissionRequest['kind']): boolean => kind.kind === 'Pod' && (kind.group ?? '') === '';
