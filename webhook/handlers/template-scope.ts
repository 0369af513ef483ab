import type { PodTemplateSpec } from '../../core/placement/index.js';
import type { Deadline } from '../images/deadline.js';
import type { PlannedArchitectures } from '../policy/plan-placement.js';
import { podImages, pullSecretNames, resolvePodArchitectures, type AdmissionEnv, type RequestScope } from './admission-env.js';

/**
 * Resolves a pod template's images. Templates do not yet carry their ServiceAccount's imagePullSecrets (the
 * ServiceAccount admission plugin adds them to pods only), so they are read here.
 */
export async function resolveTemplateArchitectures(template: PodTemplateSpec, scope: RequestScope, env: AdmissionEnv, deadline: Deadline): Promise<PlannedArchitectures> {
  const serviceAccount = typeof template.spec.serviceAccountName === 'string' && template.spec.serviceAccountName ? template.spec.serviceAccountName : 'default';
  const fromServiceAccount = await deadline.race(env.cluster.serviceAccountPullSecretNames(scope.namespace, serviceAccount).catch(() => []), []);
  const names = [...new Set([...pullSecretNames(template.spec), ...fromServiceAccount])];
  return resolvePodArchitectures(template.spec, podImages(template.spec), { namespace: scope.namespace, allowedArchs: scope.settings.allowedArchs, pullSecretNames: names }, env, deadline);
}
