import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiErrorMessage, apiStatus } from './api-errors.js';
import type { EventRecorder } from './event-recorder.js';

export type WriteResult = 'ok' | 'conflict' | 'gone' | { refused: string };

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

function classify(e: unknown): WriteResult {
  const status = apiStatus(e);
  if (status === 409) return 'conflict';
  if (status === 404) return 'gone';
  if (status !== undefined && status >= 400 && status < 500) return { refused: apiErrorMessage(e) };
  throw e;
}

/**
 * The gate controller's and reconciler's writes: one pod update (with its resourceVersion, so a stale copy is
 * refused with a conflict rather than overwriting someone else's change), evictions (which respect
 * PodDisruptionBudgets) and Events (through the webhook's one EventRecorder, rate-limited and aggregated).
 * RBAC: pods update, pods/eviction create; events.k8s.io events create, patch.
 */
export class PodWrites {
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly events: EventRecorder,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async replace(pod: V1Pod): Promise<WriteResult> {
    try {
      await this.core.replaceNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', body: pod });
      return 'ok';
    } catch (e) {
      return classify(e);
    }
  }

  async evict(pod: V1Pod): Promise<WriteResult> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    try {
      await this.core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
      return 'ok';
    } catch (e) {
      return classify(e);
    }
  }

  /** Fire and forget: an Event about the pod (it exists: its uid is known); a lost Event never fails the work it describes. */
  event(pod: V1Pod, event: PodEvent): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const regarding = { apiVersion: 'v1', kind: 'Pod', namespace, name: pod.metadata?.name ?? '', ...(pod.metadata?.uid && { uid: pod.metadata.uid }) };
    this.events.record({ regarding, type: event.type, reason: event.reason, action: 'Placement', note: event.message });
    return Promise.resolve();
  }
}
