import type { Pod } from '../../core/placement/index.js';
import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import { podSkipReason } from '../policy/skip-rules.js';
import { requestScope, type AdmissionEnv, type RequestScope } from './admission-env.js';
import { asPod } from './objects.js';

/**
 * The common start of `/mutate` and `/validate` for a pod: CREATE only, a well-formed pod, its scope, and the skip
 * rules (rule 1), so both endpoints skip exactly the same pods.
 */
export async function podInScope(request: AdmissionRequest, env: AdmissionEnv): Promise<{ outcome: AdmissionOutcome } | { pod: Pod; scope: RequestScope }> {
  if (request.operation !== 'CREATE') return { outcome: allowUnchanged('ignored') };
  const pod = asPod(request.object);
  if (!pod) return { outcome: allowUnchanged('ignored:malformed') };
  const scope = await requestScope(request, env);
  const skip = podSkipReason(pod, { ...scope, excludedNamespaces: scope.settings.excludedNamespaces, podOptOut: scope.settings.podOptOut });
  if (skip) return { outcome: allowUnchanged(`skipped:${skip}`) };
  return { pod, scope };
}
