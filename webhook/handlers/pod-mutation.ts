import type { Pod } from '../../core/placement/index.js';
import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { outcomeForPlan } from '../policy/apply-mode.js';
import { planPlacement } from '../policy/plan-placement.js';
import { podSkipReason } from '../policy/skip-rules.js';
import { podImages, pullSecretNames, requestScope, resolvePodArchitectures, type AdmissionEnv } from './admission-env.js';
import { asPod } from './objects.js';

/** `/mutate` for a new pod: skip rules, resolve images, plan placement, apply the mode (rules 1–7, 12). */
export async function mutatePod(request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  if (request.operation !== 'CREATE') return allowUnchanged('ignored');
  const pod = asPod(request.object);
  if (!pod) return allowUnchanged('ignored:malformed');
  const scope = await requestScope(request, env);
  const skip = podSkipReason(pod, { ...scope, excludedNamespaces: scope.settings.excludedNamespaces, podOptOut: scope.settings.podOptOut });
  if (skip) return allowUnchanged(`skipped:${skip}`);
  const names = pullSecretNames(pod.spec);
  const podArchs = await resolvePodArchitectures(pod.spec, podImages(pod.spec), { namespace: scope.namespace, allowedArchs: scope.settings.allowedArchs, pullSecretNames: names }, env, deadline);
  const plan = planPlacement(pod, podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  return outcomeForPlan(plan, scope.mode, (p): Pod => p.placed);
}
