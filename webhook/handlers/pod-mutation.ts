import type { Pod } from '../../core/placement/index.js';
import type { AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { outcomeForPlan } from '../policy/apply-mode.js';
import { planPlacement } from '../policy/plan-placement.js';
import { gateAtAdmission } from '../gate/gate-admission.js';
import { podImages, pullSecretNames, resolvePodArchitectures, type AdmissionEnv } from './admission-env.js';
import { podInScope } from './pod-in-scope.js';

/** `/mutate` for a new pod: skip rules, resolve images, plan placement, apply the mode (rules 1–7, 12). */
export async function mutatePod(request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  const inScope = await podInScope(request, env);
  if ('outcome' in inScope) return inScope.outcome;
  const { pod, scope } = inScope;
  const names = pullSecretNames(pod.spec);
  const podArchs = await resolvePodArchitectures(pod.spec, podImages(pod.spec), { namespace: scope.namespace, allowedArchs: scope.settings.allowedArchs, pullSecretNames: names }, env, deadline);
  const plan = planPlacement(pod, podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  // onUnresolved: gate — admitted with a scheduling gate; the gate controller (webhook/gate) places the pod later.
  const gated = plan.verdict === 'unresolved' && scope.settings.onUnresolved === 'gate' ? gateAtAdmission(pod, podArchs.unresolved, scope.mode) : undefined;
  if (gated) return gated;
  return outcomeForPlan(plan, scope.mode, (p): Pod => p.placed);
}
