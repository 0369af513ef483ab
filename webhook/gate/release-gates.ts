import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Pod } from '../../core/placement/index.js';
import { apiErrorMessage, apiStatus } from '../kube/api-errors.js';
import type { PodWrites } from '../kube/pod-writes.js';
import { withEdits } from './gate-controller.js';
import { GATED_LABEL, hasArchcheckGate, ungatePod, withDecision } from './gate-marks.js';

export const RELEASED_MESSAGE = 'archcheck: released unplaced because archcheck is being uninstalled';

export interface ReleaseResult {
  released: number;
  /** `namespace/name: why`, for pods whose gate could not be removed. */
  failed: string[];
}

const asPlain = (pod: V1Pod): Pod => pod as unknown as Pod;

/** The pod without archcheck's gate and label, decision gate-released; any other gates and labels kept. */
export function releasedPod(pod: V1Pod): V1Pod {
  return withEdits(pod, withDecision(ungatePod(asPlain(pod)), 'gate-released', RELEASED_MESSAGE));
}

/** One pod: write the released copy, reading the pod again after a conflict. Returns the failure, if any. */
async function releaseOne(core: CoreV1Api, writes: PodWrites, listed: V1Pod): Promise<'released' | 'skipped' | string> {
  const name = listed.metadata?.name ?? '';
  const namespace = listed.metadata?.namespace ?? '';
  let pod = listed;
  for (let attempt = 0; attempt < 5; attempt++) {
    const written = await writes.replace(releasedPod(pod));
    if (written === 'ok') {
      await writes.event(pod, { type: 'Warning', reason: 'ArchcheckGateReleased', message: RELEASED_MESSAGE });
      return 'released';
    }
    if (written === 'gone') return 'skipped';
    if (written !== 'conflict') return written.refused;
    try {
      pod = await core.readNamespacedPod({ name, namespace });
    } catch (e) {
      return apiStatus(e) === 404 ? 'skipped' : apiErrorMessage(e);
    }
    if (!hasArchcheckGate(asPlain(pod))) return 'skipped';
  }
  return 'still conflicting after 5 attempts';
}

/**
 * Removes archcheck's scheduling gate from every pod that has it (archcheck is being uninstalled: nothing would ever
 * remove it otherwise, and the pod would stay Pending forever). One update per pod with its resourceVersion; a
 * conflict reads the pod again (up to 5 times). Used by the `release-gates` command of the chart's pre-delete hook.
 * RBAC: pods list (label archcheck.dev/gated=true), get, update; events.k8s.io events create (through the recorder; one Event per pod, so no series patch).
 */
export async function releaseAllGates(kubeConfig: KubeConfig, writes: PodWrites, logger: Logger): Promise<ReleaseResult> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const result: ReleaseResult = { released: 0, failed: [] };
  const gated = (await core.listPodForAllNamespaces({ labelSelector: `${GATED_LABEL}=true` })).items.filter((p) => hasArchcheckGate(asPlain(p)));
  for (const pod of gated) {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const outcome = await releaseOne(core, writes, pod);
    if (outcome === 'released') {
      result.released++;
      logger.info({ pod: key }, 'released archcheck gate');
    } else if (outcome !== 'skipped') result.failed.push(`${key}: ${outcome}`);
  }
  return result;
}
