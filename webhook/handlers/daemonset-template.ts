import type { Deadline } from '../images/deadline.js';
import { planPlacement } from '../policy/plan-placement.js';
import { embedPlacement, type Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import type { Guarded } from './guards.js';
import type { HandlerSpec } from './handler.js';
import { templateAsPod, withPodTemplate } from './objects.js';
import { isWorkloadKind, readTemplateTarget, resolveTemplateArchitectures, TEMPLATE_GUARDS, templateUnchangedGuard, type TemplateTarget } from './template-scope.js';

/**
 * docs/placement-rules.md, "DaemonSet templates": DaemonSet pods are placed per node by the controller from the
 * TEMPLATE's affinity; a mutated pod would sit Pending forever on a node it cannot run on. So the template is placed
 * instead, on CREATE and on UPDATEs that change it (decision 0005).
 */
async function mutateDaemonSet({ target, scope }: Guarded<TemplateTarget>, env: AdmissionEnv, deadline: Deadline): Promise<Verdict> {
  const podArchs = await resolveTemplateArchitectures(target.template, scope, env, deadline);
  const plan = planPlacement(templateAsPod(target.template), podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  return embedPlacement(plan, (placed) => withPodTemplate('DaemonSet', target.workload, { metadata: placed.metadata ?? {}, spec: placed.spec }));
}

export const daemonSetTemplate: HandlerSpec<TemplateTarget> = {
  name: 'daemonset-template',
  endpoints: ['mutate'],
  matchesKind: isWorkloadKind(['DaemonSet']),
  subresource: '',
  operations: ['CREATE', 'UPDATE'],
  read: readTemplateTarget,
  guards: [templateUnchangedGuard, ...TEMPLATE_GUARDS],
  decide: mutateDaemonSet,
};
