import type { Pod } from '../../core/placement/index.js';
import { gateAtAdmission } from '../gate/gate-admission.js';
import type { Deadline } from '../images/deadline.js';
import { resolvePodImages } from '../images/image-lookup.js';
import { unresolvedReason } from '../policy/messages.js';
import { planPlacement } from '../policy/plan-placement.js';
import { annotateDecision, annotateSkip } from '../policy/pod-annotations.js';
import { embedPlacement, type Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import { POD_GUARDS, type Guarded } from './guards.js';
import { isCorePod, type HandlerSpec } from './handler.js';
import { readPod } from './objects.js';

/** Resolve the pod's images, plan its placement (docs/placement-rules.md, "Placing a pod"). */
async function mutatePod({ target: pod, scope }: Guarded<Pod>, env: AdmissionEnv, deadline: Deadline): Promise<Verdict> {
  const podArchs = await resolvePodImages({ spec: pod.spec, allowedArchs: scope.settings.allowedArchs }, scope, env, deadline);
  const plan = planPlacement(pod, podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  // onUnresolved: gate — admitted with a scheduling gate; the gate controller (webhook/gate) places the pod later.
  const gated = plan.kind === 'unresolved' && scope.settings.onUnresolved === 'gate' ? gateAtAdmission(pod, podArchs.unresolved) : undefined;
  if (gated) return gated;
  // Admitted unchanged but for the record of why (decision 0014).
  if (plan.kind === 'unresolved') return { ...plan, mutated: annotateDecision(pod, 'unresolved', unresolvedReason(podArchs.unresolved)) };
  return embedPlacement(plan, (placed) => placed);
}

/** `/mutate` for a new pod. */
export const podMutation: HandlerSpec<Pod> = {
  name: 'pod-mutation',
  endpoints: ['mutate'],
  matchesKind: isCorePod,
  subresource: '',
  operations: ['CREATE'],
  read: (request) => readPod(request.object),
  guards: POD_GUARDS,
  onSkip: ({ target }, verdict) => ({ ...verdict, mutated: annotateSkip(target, verdict.decision) }),
  decide: mutatePod,
};
