import { podImages, type Pod, type PodImage } from '../../core/placement/index.js';
import type { Deadline } from '../images/deadline.js';
import { resolvePodImages } from '../images/image-lookup.js';
import { checkEphemeralContainers } from '../policy/ephemeral-check.js';
import { skip, type Verdict } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import { mirrorPodGuard, namespaceGuard, optOutGuard, type Guard, type Guarded } from './guards.js';
import { isCorePod, type HandlerSpec } from './handler.js';
import { asPod, readPod } from './objects.js';

interface EphemeralUpdate {
  pod: Pod;
  /** Ephemeral containers this UPDATE adds. */
  added: PodImage[];
}

function readEphemeralUpdate(object: unknown, oldObject: unknown): { target: EphemeralUpdate } | { problem: string } {
  const read = readPod(object);
  if ('problem' in read) return read;
  const pod = read.target;
  // Without a readable old pod every ephemeral container counts as new: checked, never skipped.
  const before = new Set((asPod(oldObject)?.spec.ephemeralContainers ?? []).map((c) => c.name));
  const added = podImages(pod.spec, { includeEphemeral: true }).filter((i) => i.kind === 'ephemeralContainer' && !before.has(i.container));
  return { target: { pod, added } };
}

const asPodGuard = (guard: Guard<Pod>): Guard<EphemeralUpdate> => (a) => guard({ ...a, target: a.target.pod });

/**
 * A running pod is bound and may belong to a DaemonSet: those are the normal case here, so only the namespace,
 * mirror-pod and opt-out guards apply. An update that adds no ephemeral container has nothing to check.
 */
const EPHEMERAL_GUARDS: readonly Guard<EphemeralUpdate>[] = [
  ({ target }) => (target.added.length === 0 ? skip('ignored', 'no-new-ephemeral-container') : undefined),
  namespaceGuard,
  asPodGuard(mirrorPodGuard),
  optOutGuard((u: EphemeralUpdate) => [u.pod.metadata]),
];

/** docs/placement-rules.md, "Ephemeral containers": each new one must run on the arch of the node the pod is on. */
async function checkEphemeralUpdate({ target, scope }: Guarded<EphemeralUpdate>, env: AdmissionEnv, deadline: Deadline): Promise<Verdict> {
  const nodeName = target.pod.spec.nodeName || undefined;
  const nodeArch = nodeName ? await deadline.race(env.cluster.nodeArch(nodeName).catch(() => undefined), undefined) : undefined;
  const allowedArchs = [...new Set([...scope.settings.allowedArchs, ...(nodeArch ? [nodeArch] : [])])];
  const { images } = await resolvePodImages({ spec: target.pod.spec, images: target.added, allowedArchs }, scope, env, deadline);
  return checkEphemeralContainers(images, { name: nodeName, arch: nodeArch }, scope.settings);
}

/** `kubectl debug` adds ephemeral containers through the `pods/ephemeralcontainers` subresource (both endpoints). */
export const ephemeralContainers: HandlerSpec<EphemeralUpdate> = {
  name: 'ephemeral-containers',
  endpoints: ['mutate', 'validate'],
  matchesKind: isCorePod,
  subresource: 'ephemeralcontainers',
  operations: ['UPDATE'],
  read: (request) => readEphemeralUpdate(request.object, request.oldObject),
  guards: EPHEMERAL_GUARDS,
  decide: checkEphemeralUpdate,
};
