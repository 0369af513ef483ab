import type { PodTemplateSpec } from '../../core/placement/index.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { pullSecretNames, resolvePodImages } from '../images/image-lookup.js';
import type { PlannedArchitectures } from '../policy/plan-placement.js';
import { skip } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import { namespaceGuard, optOutGuard, type Guard } from './guards.js';
import { podTemplateOf, templateUnchanged, WORKLOAD_KINDS, workloadShapeProblem, type Workload } from './objects.js';
import type { RequestScope } from './guards.js';

/** A workload and its pod template, as the template handlers read them. */
export interface TemplateTarget {
  kind: string;
  workload: Workload;
  template: PodTemplateSpec;
}

export function readTemplateTarget(request: AdmissionRequest): { target: TemplateTarget } | { problem: string } {
  const kind = request.kind.kind;
  const problem = workloadShapeProblem(kind, request.object);
  if (problem) return { problem };
  return { target: { kind, workload: request.object as Workload, template: podTemplateOf(kind, request.object)! } };
}

export const isWorkloadKind =
  (kinds?: readonly string[]) =>
  (kind: AdmissionRequest['kind']): boolean =>
    WORKLOAD_KINDS[kind.kind] !== undefined && kind.group === WORKLOAD_KINDS[kind.kind] && (kinds === undefined || kinds.includes(kind.kind));

/** Scope, unchanged template: scaling, label and status-like UPDATEs cannot change placement; re-checking them would make every `kubectl scale` wait on registries. */
export const templateUnchangedGuard: Guard<TemplateTarget> = ({ request, target }) =>
  request.operation === 'UPDATE' && templateUnchanged(target.kind, request.object, request.oldObject) ? skip('skipped', 'template-unchanged') : undefined;

/** The namespace and opt-out guards for templates: the workload's and the template's own annotation both count. */
export const TEMPLATE_GUARDS: readonly Guard<TemplateTarget>[] = [namespaceGuard, optOutGuard((t: TemplateTarget) => [t.workload.metadata, t.template.metadata])];

/**
 * Resolves a pod template's images. Templates do not yet carry their ServiceAccount's imagePullSecrets (the
 * ServiceAccount admission plugin adds them to pods only), so they are read here.
 */
export async function resolveTemplateArchitectures(template: PodTemplateSpec, scope: RequestScope, env: AdmissionEnv, deadline: Deadline): Promise<PlannedArchitectures> {
  const serviceAccount = typeof template.spec.serviceAccountName === 'string' && template.spec.serviceAccountName ? template.spec.serviceAccountName : 'default';
  const fromServiceAccount = await deadline.race(env.cluster.serviceAccountPullSecretNames(scope.namespace, serviceAccount).catch(() => []), []);
  const names = [...new Set([...pullSecretNames(template.spec), ...fromServiceAccount])];
  return resolvePodImages({ spec: template.spec, allowedArchs: scope.settings.allowedArchs, pullSecretNames: names }, scope, env, deadline);
}
