import type { Deadline } from '../images/deadline.js';
import { planPlacement } from '../policy/plan-placement.js';
import { skip, type Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import type { Guard, Guarded } from './guards.js';
import type { HandlerSpec } from './handler.js';
import { templateAsPod } from './objects.js';
import { isWorkloadKind, readTemplateTarget, resolveTemplateArchitectures, TEMPLATE_GUARDS, templateUnchangedGuard, type TemplateTarget } from './template-scope.js';

/** Controller-made children were checked through their owner; denying them would only show up as controller events. */
const CHECKED_THROUGH_OWNER: Readonly<Record<string, { owner: string; reason: 'owned-by-deployment' | 'owned-by-cronjob' }>> = {
  ReplicaSet: { owner: 'Deployment', reason: 'owned-by-deployment' },
  Job: { owner: 'CronJob', reason: 'owned-by-cronjob' },
};

/** Scope, owned child: a Deployment's ReplicaSet (a CronJob's Job) was judged with its owner; judging it again only doubles warnings and registry work. */
const ownedChildGuard: Guard<TemplateTarget> = ({ target }) => {
  const checked = CHECKED_THROUGH_OWNER[target.kind];
  return checked && target.workload.metadata?.ownerReferences?.some((o) => o.kind === checked.owner) ? skip('skipped', checked.reason) : undefined;
};

/**
 * docs/placement-rules.md, "Workload templates": a workload whose pod template can never be placed (no common
 * arch, its own arch constraint excludes its images, single-arch policy deny, unresolved with policy deny) is
 * warned about or denied when it is applied, instead of failing later when its controller creates pods. Templates
 * are never mutated here.
 */
async function validateWorkload({ target, scope }: Guarded<TemplateTarget>, env: AdmissionEnv, deadline: Deadline): Promise<Verdict> {
  const podArchs = await resolveTemplateArchitectures(target.template, scope, env, deadline);
  const plan = planPlacement(templateAsPod(target.template), podArchs, scope.settings, env.cluster.nodeArchs() ?? []);
  if (plan.kind === 'place') return { kind: 'allow', decision: 'ok', archs: plan.archs, warnings: plan.warnings };
  return plan;
}

export const workloadValidation: HandlerSpec<TemplateTarget> = {
  name: 'workload-validation',
  endpoints: ['validate'],
  matchesKind: isWorkloadKind(),
  subresource: '',
  operations: ['CREATE', 'UPDATE'],
  read: readTemplateTarget,
  guards: [ownedChildGuard, templateUnchangedGuard, ...TEMPLATE_GUARDS],
  decide: validateWorkload,
};
