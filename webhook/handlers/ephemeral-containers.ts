import { podArchitectures, podImages, podOS } from '../../core/placement/index.js';
import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { checkEphemeralContainers } from '../policy/ephemeral-check.js';
import { podSkipReason } from '../policy/skip-rules.js';
import { outcomeForCheck } from '../policy/verdict-outcome.js';
import { pullSecretNames, requestScope, type AdmissionEnv } from './admission-env.js';
import { asPod } from './objects.js';

/**
 * Rule 9: `kubectl debug` adds ephemeral containers to a running pod through the `pods/ephemeralcontainers`
 * subresource; each new one must run on the arch of the node the pod is on.
 */
export async function checkEphemeralUpdate(request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  const pod = asPod(request.object);
  if (request.operation !== 'UPDATE' || !pod) return allowUnchanged('ignored');
  const before = new Set((asPod(request.oldObject)?.spec.ephemeralContainers ?? []).map((c) => c.name));
  const added = podImages(pod.spec, { includeEphemeral: true }).filter((i) => i.kind === 'ephemeralContainer' && !before.has(i.container));
  if (added.length === 0) return allowUnchanged('ignored:no-new-ephemeral-container');
  const scope = await requestScope(request, env);
  // A bound pod is the normal case here: only namespace, mirror and opt-out rules apply.
  const skip = podSkipReason({ ...pod, spec: { ...pod.spec, nodeName: '' } }, { ...scope, excludedNamespaces: scope.settings.excludedNamespaces, podOptOut: scope.settings.podOptOut });
  if (skip && skip !== 'daemonset-pod') return allowUnchanged(`skipped:${skip}`);
  const nodeName = pod.spec.nodeName || undefined;
  const nodeArch = nodeName ? await deadline.race(env.cluster.nodeArch(nodeName).catch(() => undefined), undefined) : undefined;
  const credentials = await deadline.race(env.cluster.pullSecrets(scope.namespace, pullSecretNames(pod.spec)).catch(() => []), []);
  const overrides = env.settings.imageOverrides;
  const resolved = await env.images.resolvePodImages(added, { credentials, deadline, overrides });
  const allowed = [...new Set([...scope.settings.allowedArchs, ...(nodeArch ? [nodeArch] : [])])];
  const { images } = podArchitectures(resolved, overrides, allowed, podOS(pod.spec));
  return outcomeForCheck(checkEphemeralContainers(images, { name: nodeName, arch: nodeArch }, scope.settings), scope.mode);
}
