import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { outcomeForPlan } from '../policy/apply-mode.js';
import { planPlacement } from '../policy/plan-placement.js';
import { isOptedOut, namespaceSkipReason } from '../policy/skip-rules.js';
import { requestScope, type AdmissionEnv } from './admission-env.js';
import { podTemplateOf, templateAsPod, templateUnchanged, withPodTemplate, type Workload } from './objects.js';
import { resolveTemplateArchitectures } from './template-scope.js';

/**
 * Rule 8: DaemonSet pods are placed per node by the controller from the TEMPLATE's affinity; a mutated pod would
 * sit Pending forever on a node it cannot run on. So the template is placed instead, on CREATE and on UPDATEs that
 * change it, and the controller never creates pods on nodes of the wrong arch. (docs/decisions: DaemonSet template mutation)
 */
export async function mutateDaemonSet(request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowUnchanged('ignored');
  const template = podTemplateOf('DaemonSet', request.object);
  if (!template) return allowUnchanged('ignored:malformed');
  if (request.operation === 'UPDATE' && templateUnchanged('DaemonSet', request.object, request.oldObject)) return allowUnchanged('skipped:template-unchanged');
  const scope = await requestScope(request, env);
  const skip = namespaceSkipReason({ ...scope, excludedNamespaces: scope.settings.excludedNamespaces, podOptOut: scope.settings.podOptOut });
  if (skip) return allowUnchanged(`skipped:${skip}`);
  const workload = request.object as Workload;
  if (isOptedOut(workload.metadata, scope.settings.podOptOut) || isOptedOut(template.metadata, scope.settings.podOptOut)) return allowUnchanged('skipped:opted-out');
  const podArchs = await resolveTemplateArchitectures(template, scope, env, deadline);
  const plan = planPlacement(templateAsPod(template), podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  return outcomeForPlan(plan, scope.mode, (p) => withPodTemplate('DaemonSet', request.object, { metadata: p.placed.metadata ?? {}, spec: p.placed.spec }));
}
