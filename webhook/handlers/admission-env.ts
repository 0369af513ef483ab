import { podArchitectures, podImages, podOS, type PodImage, type PodSpec, type ResolvedPodImage } from '../../core/placement/index.js';
import type { ClusterFacts } from '../cluster-facts.js';
import type { Deadline } from '../images/deadline.js';
import type { ImageLookup } from '../images/image-lookup.js';
import type { PlatformMismatch } from '../policy/messages.js';
import type { PlannedArchitectures } from '../policy/plan-placement.js';
import { isMode, NAMESPACE_MODE_LABEL, type Mode, type PolicySettings } from '../policy/settings.js';
import type { AdmissionRequest } from '../admission/review.js';

/** Everything a handler needs besides the request. */
export interface AdmissionEnv {
  /** Settings as configured; allowed archs and arch taints are completed from the cluster per request. */
  settings: PolicySettings;
  cluster: ClusterFacts;
  images: ImageLookup;
}

/** Used when neither `--allowed-archs` nor node discovery says anything. */
export const FALLBACK_ARCHS: readonly string[] = ['amd64', 'arm64'];

/** Configured settings completed by discovery: node archs as allowed archs, discovered arch taints. */
export function effectiveSettings(env: AdmissionEnv): PolicySettings {
  const configured = env.settings;
  const allowedArchs = configured.allowedArchs.length > 0 ? configured.allowedArchs : (env.cluster.nodeArchs() ?? [...FALLBACK_ARCHS]);
  const discovered = env.cluster.discoveredArchTaints();
  return { ...configured, allowedArchs, archTaints: discovered.length > 0 ? [...configured.archTaints, ...discovered] : configured.archTaints };
}

export interface RequestScope {
  namespace: string;
  mode: Mode;
  settings: PolicySettings;
}

/** The namespace (from the request: generateName pods may carry none in metadata) and its mode. */
export async function requestScope(request: AdmissionRequest, env: AdmissionEnv): Promise<RequestScope> {
  const object = request.object as { metadata?: { namespace?: string } } | undefined;
  const namespace = request.namespace ?? object?.metadata?.namespace ?? '';
  const settings = effectiveSettings(env);
  const labels = namespace ? await env.cluster.namespaceLabels(namespace) : undefined;
  const label = labels?.[NAMESPACE_MODE_LABEL];
  return { namespace, settings, mode: isMode(label) ? label : settings.mode };
}

const PLATFORM_MISMATCH = 'platform-mismatch:';

/** The resolver's `platform-mismatch:` findings (`--verify-platforms`), once per image. */
export function platformMismatches(resolved: readonly ResolvedPodImage[]): PlatformMismatch[] {
  const seen = new Set<string>();
  const out: PlatformMismatch[] = [];
  for (const { image, info } of resolved) {
    if (!info || info.error || seen.has(image)) continue;
    seen.add(image);
    for (const finding of info.findings ?? []) if (finding.startsWith(PLATFORM_MISMATCH)) out.push({ image, finding });
  }
  return out;
}

/**
 * Resolves a spec's images (with its pull secrets, then the webhook's own credentials) and intersects their archs.
 * The archs come from the images' configs where the resolver verified them; mismatches are returned for warnings.
 */
export async function resolvePodArchitectures(
  spec: PodSpec,
  images: readonly PodImage[],
  scope: { namespace: string; allowedArchs: readonly string[]; pullSecretNames: readonly string[] },
  env: AdmissionEnv,
  deadline: Deadline,
): Promise<PlannedArchitectures> {
  const credentials = scope.pullSecretNames.length > 0 ? await deadline.race(env.cluster.pullSecrets(scope.namespace, scope.pullSecretNames).catch(() => []), []) : [];
  const overrides = env.settings.imageOverrides;
  const resolved = await env.images.resolvePodImages(images, { credentials, deadline, overrides });
  return { ...podArchitectures(resolved, overrides, scope.allowedArchs, podOS(spec)), mismatches: platformMismatches(resolved) };
}

export function pullSecretNames(spec: PodSpec): string[] {
  return (spec.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string' && n !== '');
}

export { podImages };
