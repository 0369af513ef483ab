import { nodeSetArchs, podOS, type NodeSet, type Pod } from '../../core/placement/index.js';
import type { Deadline } from '../images/deadline.js';
import { resolvePodImages } from '../images/image-lookup.js';
import { checkFinalPod } from '../policy/final-pod-check.js';
import type { Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import { hasArchcheckGate } from '../gate/gate-marks.js';
import { skip } from '../policy/verdict.js';
import { POD_GUARDS, type Guard, type Guarded } from './guards.js';
import { isCorePod, type HandlerSpec } from './handler.js';
import { readPod } from './objects.js';
import type { RequestScope } from './guards.js';

/**
 * The nodes the final pod is judged against: the discovered nodes, else one assumed pool per allowed arch with the
 * configured arch taints (the same two node sets the plugin's audit uses).
 */
export function admissionNodeSet(env: AdmissionEnv, scope: RequestScope): NodeSet {
  const nodes = env.cluster.nodes();
  return nodes ? { kind: 'nodes', nodes } : { kind: 'assumed', archs: scope.settings.allowedArchs, archTaints: scope.settings.archTaints };
}

/**
 * Re-checks the final pod after every mutating webhook ran (mutation may have been skipped by a fail-open timeout,
 * or undone by a later webhook): docs/placement-rules.md, "Final pod". Image archs are taken against every node
 * arch, not cut by --allowed-archs: the question is what the images lack, not what the operator prefers.
 */
async function validatePod({ target: pod, scope }: Guarded<Pod>, env: AdmissionEnv, deadline: Deadline): Promise<Verdict> {
  const nodes = admissionNodeSet(env, scope);
  const allowedArchs = [...new Set([...nodeSetArchs(nodes, podOS(pod.spec)), ...scope.settings.allowedArchs])];
  const podArchs = await resolvePodImages({ spec: pod.spec, allowedArchs }, scope, env, deadline);
  return checkFinalPod(pod, podArchs, scope.settings, nodes);
}

/** Gated pod: it cannot be scheduled until the gate controller has placed it, so there is nothing to re-check yet. */
const gatedPodGuard: Guard<Pod> = ({ target }) => (hasArchcheckGate(target) ? skip('gated') : undefined);

/** `/validate` for a new pod: same guards as /mutate, then the gated-pod guard. */
export const podValidation: HandlerSpec<Pod> = {
  name: 'pod-validation',
  endpoints: ['validate'],
  matchesKind: isCorePod,
  subresource: '',
  operations: ['CREATE'],
  read: (request) => readPod(request.object),
  guards: [...POD_GUARDS, gatedPodGuard],
  decide: validatePod,
};
