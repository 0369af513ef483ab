import type { Pod } from '../../core/placement/index.js';
import { gateAtAdmission } from '../gate/gate-admission.js';
import type { Deadline } from '../images/deadline.js';
import { resolvePodImages } from '../images/image-lookup.js';
import { planPlacement } from '../policy/plan-placement.js';
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
  return gated ?? embedPlacement(plan, (placed) => placed);
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
  decide: mutatePod,
};
