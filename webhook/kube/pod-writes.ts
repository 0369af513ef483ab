import { CoreV1Api, type CoreV1Event, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiErrorMessage, apiStatus } from './api-errors.js';

export type WriteResult = 'ok' | 'conflict' | 'gone' | { refused: string };

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Events are shown by `kubectl describe`; the API caps messages at 1 KiB. */
const MAX_EVENT_MESSAGE = 1024;

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
 * PodDisruptionBudgets) and Events. RBAC: pods update, pods/eviction create, events create.
 */
export class PodWrites {
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly identity: string,
    private readonly logger: Logger,
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

  /** Best effort: a lost Event is logged, never fails the work it describes. */
  async event(pod: V1Pod, event: PodEvent): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const now = new Date();
    const body: CoreV1Event = {
      metadata: { generateName: `${pod.metadata?.name ?? 'pod'}.`, namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', namespace, uid: pod.metadata?.uid ?? '' },
      type: event.type,
      reason: event.reason,
      message: event.message.length > MAX_EVENT_MESSAGE ? `${event.message.slice(0, MAX_EVENT_MESSAGE - 1)}…` : event.message,
      source: { component: 'archcheck' },
      reportingComponent: 'archcheck.dev/controller',
      reportingInstance: this.identity.slice(0, 128),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.core.createNamespacedEvent({ namespace, body });
    } catch (e) {
      this.logger.warn({ pod: `${namespace}/${pod.metadata?.name ?? ''}`, reason: event.reason, error: apiErrorMessage(e) }, 'could not record an Event');
    }
  }
}
