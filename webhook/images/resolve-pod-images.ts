import { podArchitectures, podImages, podOS, type PodImage, type PodSpec } from '../../core/placement/index.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { platformMismatches } from '../handlers/platform-mismatch.js';
import type { RequestScope } from '../handlers/request-scope.js';
import type { PlannedArchitectures } from '../policy/plan-placement.js';
import type { Deadline } from './deadline.js';

export function pullSecretNames(spec: PodSpec): string[] {
  return (spec.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string' && n !== '');
}

export interface PodImagesRequest {
  spec: PodSpec;
  /** Default: the spec's init containers and containers. */
  images?: readonly PodImage[];
  /** The archs the pod's archs are cut to. */
  allowedArchs: readonly string[];
  /** Default: the spec's imagePullSecrets. */
  pullSecretNames?: readonly string[];
}

/**
 * Resolves a spec's images (with its pull secrets, then the webhook's own credentials) within the admission
 * deadline and intersects their archs. The archs come from the images' configs where the resolver verified them;
 * platform mismatches are returned for warnings.
 */
export async function resolvePodImages(request: PodImagesRequest, scope: RequestScope, env: AdmissionEnv, deadline: Deadline): Promise<PlannedArchitectures> {
  const names = request.pullSecretNames ?? pullSecretNames(request.spec);
  const credentials = names.length > 0 ? await deadline.race(env.cluster.pullSecrets(scope.namespace, names).catch(() => []), []) : [];
  const overrides = scope.settings.imageOverrides;
  const resolved = await env.images.resolvePodImages(request.images ?? podImages(request.spec), { credentials, deadline, overrides });
  return { ...podArchitectures(resolved, overrides, request.allowedArchs, podOS(request.spec)), mismatches: platformMismatches(resolved) };
}
