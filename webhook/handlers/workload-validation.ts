import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { planPlacement } from '../policy/plan-placement.js';
import { isOptedOut, namespaceSkipReason } from '../policy/skip-rules.js';
import { outcomeForCheck } from '../policy/verdict-outcome.js';
import { requestScope, type AdmissionEnv } from './admission-env.js';
import { podTemplateOf, templateAsPod, templateUnchanged, type Workload } from './objects.js';
import { resolveTemplateArchitectures } from './template-scope.js';

/** Controller-made children were checked through their owner; denying them would only show up as controller events. */
const CHECKED_THROUGH_OWNER: Readonly<Record<string, string>> = { ReplicaSet: 'Deployment', Job: 'CronJob' };

function ownedSkip(kind: string, workload: Workload): string | undefined {
  const owner = CHECKED_THROUGH_OWNER[kind];
  return owner && workload.metadata?.ownerReferences?.some((o) => o.kind === owner) ? `skipped:owned-by-${owner.toLowerCase()}` : undefined;
}

/**
 * Rule 10, at apply time: a workload whose pod template can never be placed (no common arch, its own arch constraint
 * excludes its images, single-arch policy deny, unresolved with policy deny) is warned about or denied when it is
 * applied, instead of failing later when its controller creates pods. Templates are never mutated here.
 */
export async function validateWorkload(request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  const kind = request.kind.kind;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowUnchanged('ignored');
  const template = podTemplateOf(kind, request.object);
  if (!template) return allowUnchanged('ignored:malformed');
  const workload = request.object as Workload;
  const owned = ownedSkip(kind, workload);
  if (owned) return allowUnchanged(owned);
  if (request.operation === 'UPDATE' && templateUnchanged(kind, request.object, request.oldObject)) return allowUnchanged('skipped:template-unchanged');
  const scope = await requestScope(request, env);
  const skip = namespaceSkipReason({ ...scope, excludedNamespaces: scope.settings.excludedNamespaces, podOptOut: scope.settings.podOptOut });
  if (skip) return allowUnchanged(`skipped:${skip}`);
  if (isOptedOut(workload.metadata, scope.settings.podOptOut) || isOptedOut(template.metadata, scope.settings.podOptOut)) return allowUnchanged('skipped:opted-out');
  const podArchs = await resolveTemplateArchitectures(template, scope, env, deadline);
  const plan = planPlacement(templateAsPod(template), podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  if (plan.verdict === 'place') return outcomeForCheck({ verdict: 'ok', decision: 'ok', archs: plan.archs, warnings: plan.warnings }, scope.mode);
  return outcomeForCheck(plan, scope.mode);
}
