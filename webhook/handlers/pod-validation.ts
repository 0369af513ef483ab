import { podImages } from '../../core/placement/index.js';
import type { AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { checkFinalPod } from '../policy/final-pod-check.js';
import { outcomeForCheck } from '../policy/verdict-outcome.js';
import { pullSecretNames, resolvePodArchitectures, type AdmissionEnv } from './admission-env.js';
import { podInScope } from './pod-in-scope.js';
import { allowUnchanged } from '../admission/outcome.js';
import { hasArchcheckGate } from '../gate/gate-marks.js';

/**
 * `/validate` for a new pod: re-checks the final pod after every mutating webhook ran (mutations may have been
 * skipped by a fail-open timeout, or undone by a later webhook). Same skip rules as /mutate.
 */
export async function validatePod(request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  const inScope = await podInScope(request, env);
  if ('outcome' in inScope) return inScope.outcome;
  const { pod, scope } = inScope;
  // A pod archcheck gated cannot be scheduled until the gate controller has placed it: nothing to re-check yet.
  if (hasArchcheckGate(pod)) return allowUnchanged('gated');
  const discovered = env.cluster.nodeArchs();
  const nodeArchs = discovered ?? scope.settings.allowedArchs;
  // Without discovery the configured arch taints stand for the pools; with it, only taints every node of an arch carries.
  const poolTaints = discovered ? env.cluster.poolTaints() : env.settings.archTaints;
  const allowedArchs = [...new Set([...nodeArchs, ...scope.settings.allowedArchs])];
  const podArchs = await resolvePodArchitectures(pod.spec, podImages(pod.spec), { namespace: scope.namespace, allowedArchs, pullSecretNames: pullSecretNames(pod.spec) }, env, deadline);
  return outcomeForCheck(checkFinalPod(pod, podArchs, scope.settings, { nodeArchs, poolTaints }), scope.mode);
}
