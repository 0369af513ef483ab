import { CoreV1Api, makeInformer, type Informer, type KubeConfig, type ObjectCache, type V1Affinity, type V1Pod, type V1PodSchedulingGate, type V1Toleration } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Pod } from '../../core/placement/index.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { effectiveSettings } from '../handlers/guards.js';
import { Deadline } from '../images/deadline.js';
import { resolvePodImages } from '../images/image-lookup.js';
import { apiErrorMessage } from '../kube/api-errors.js';
import type { PodWrites } from '../kube/pod-writes.js';
import { decideGate, type GateAction, type GateSettings } from './gate-decision.js';
import { GATED_LABEL, hasArchcheckGate, ungatePod, withDecision } from './gate-marks.js';
import type { GateMetrics } from './gate-metrics.js';
import { WorkQueue, type WorkResult } from './work-queue.js';

export interface GateControllerOptions {
  gate: GateSettings;
  /** Registry time per attempt for one pod (no admission deadline here; retries continue until the gate timeout). */
  attemptTimeoutMs?: number;
  concurrency?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const asPlain = (pod: V1Pod): Pod => pod as unknown as Pod;

const asDate = (value: unknown): Date | undefined => (value === undefined || value === null ? undefined : value instanceof Date ? value : new Date(String(value)));

/**
 * The pod to write: the watched pod with the fields placement edits taken from `edited`. The watch delivers plain
 * JSON (dates as strings) while the client serializes a V1Pod's dates with toISOString, so the metadata dates are
 * made Dates and the fields an update ignores or owns elsewhere (status, managedFields) are left out.
 */
export function withEdits(typed: V1Pod, edited: Pod): V1Pod {
  return { apiVersion: typed.apiVersion ?? 'v1', kind: typed.kind ?? 'Pod', metadata: metadataWithEdits(typed, edited), spec: specWithEdits(typed, edited) };
}

function metadataWithEdits(typed: V1Pod, edited: Pod): V1Pod['metadata'] {
  const { managedFields: _managed, creationTimestamp, deletionTimestamp, ...metadata } = typed.metadata ?? {};
  const created = asDate(creationTimestamp);
  const deleted = asDate(deletionTimestamp);
  return {
    ...metadata,
    ...(created && { creationTimestamp: created }),
    ...(deleted && { deletionTimestamp: deleted }),
    labels: edited.metadata?.labels ?? {},
    annotations: edited.metadata?.annotations ?? {},
  };
}

function specWithEdits(typed: V1Pod, edited: Pod): NonNullable<V1Pod['spec']> {
  const { affinity, tolerations, schedulingGates: _gates, ...spec } = typed.spec!;
  const newAffinity = edited.spec.affinity ?? affinity;
  const newTolerations = edited.spec.tolerations ?? tolerations;
  return {
    ...spec,
    ...(newAffinity && { affinity: newAffinity as V1Affinity }),
    ...(newTolerations && { tolerations: newTolerations as V1Toleration[] }),
    ...(edited.spec.schedulingGates !== undefined ? { schedulingGates: edited.spec.schedulingGates as V1PodSchedulingGate[] } : {}),
  };
}

function outcomeOf(action: GateAction & { kind: 'update' | 'evict' }): string {
  if (action.kind === 'evict') return 'evicted';
  if (action.decision.startsWith('denied:')) return 'denied';
  if (action.decision === 'gate-timeout' || action.decision === 'unresolved') return action.decision === 'gate-timeout' ? 'timeout' : 'unresolved';
  return 'placed';
}

/**
 * Watches pods labelled archcheck.dev/gated (admitted with archcheck's scheduling gate), resolves their images
 * with the webhook's own registry client (caches, credentials, mirrors) but without the admission deadline, and
 * applies decideGate's step: place and ungate in one update, keep or evict a late denial, release on timeout.
 * Runs only on the elected leader; a stale copy loses on resourceVersion (409) and is read again.
 */
export class GateController {
  private readonly informer: Informer<V1Pod> & ObjectCache<V1Pod>;
  private readonly queue: WorkQueue;
  private readonly attemptTimeoutMs: number;
  private started = false;

  private readonly writes: PodWrites;
  private readonly metrics: GateMetrics;
  private readonly logger: Logger;

  constructor(
    kubeConfig: KubeConfig,
    private readonly env: AdmissionEnv,
    private readonly options: GateControllerOptions,
    parts: { writes: PodWrites; metrics: GateMetrics; logger: Logger },
  ) {
    this.writes = parts.writes;
    this.metrics = parts.metrics;
    this.logger = parts.logger;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const selector = `${GATED_LABEL}=true`;
    this.informer = makeInformer<V1Pod>(kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces({ labelSelector: selector }), selector) as Informer<V1Pod> & ObjectCache<V1Pod>;
    const enqueue = (pod: V1Pod): void => {
      this.metrics.gatedPods.set(this.informer.list().length);
      if (hasArchcheckGate(asPlain(pod))) this.queue.add(keyOf(pod));
    };
    this.informer.on('add', enqueue);
    this.informer.on('update', enqueue);
    this.informer.on('delete', (pod) => {
      this.metrics.gatedPods.set(this.informer.list().length);
      this.queue.forget(keyOf(pod));
    });
    this.informer.on('error', (err: unknown) => {
      this.logger.warn({ error: apiErrorMessage(err) }, 'gate controller: watch failed; restarting in 2s');
      setTimeout(() => {
        if (this.started) this.informer.start().catch((e: unknown) => this.logger.warn({ error: apiErrorMessage(e) }, 'gate controller: watch restart failed'));
      }, 2_000).unref();
    });
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
    this.queue = new WorkQueue((key) => this.sync(key), { concurrency: options.concurrency ?? 8, baseBackoffMs: options.baseBackoffMs ?? 1_000, maxBackoffMs: options.maxBackoffMs ?? 30_000 }, (key, e) =>
      this.logger.warn({ pod: key, error: apiErrorMessage(e) }, 'gate controller: sync failed; retrying'),
    );
  }

  async start(): Promise<void> {
    this.started = true;
    await this.informer.start();
    this.logger.info({ gated: this.informer.list().length }, 'gate controller started');
  }

  async stop(): Promise<void> {
    this.started = false;
    this.queue.stop();
    await this.informer.stop().catch(() => undefined);
    this.metrics.gatedPods.set(0);
  }

  /** Pods the controller still has to place (queued, running or waiting for a retry). */
  backlog(): number {
    return this.queue.size();
  }

  private current(key: string): V1Pod | undefined {
    const slash = key.indexOf('/');
    return this.informer.get(key.slice(slash + 1), key.slice(0, slash));
  }

  private async sync(key: string): Promise<WorkResult> {
    const typed = this.current(key);
    if (!typed?.spec || !hasArchcheckGate(asPlain(typed))) return 'done';
    const pod = asPlain(typed);
    const created = typed.metadata?.creationTimestamp ? new Date(typed.metadata.creationTimestamp).getTime() : Date.now();
    const gatedForMs = Date.now() - created;
    const settings = effectiveSettings(this.env);
    const untilTimeout = Math.max(0, this.options.gate.gateTimeoutMs - gatedForMs);
    const attemptMs = Math.max(1_000, Math.min(this.attemptTimeoutMs, untilTimeout));
    const deadline = new Deadline(attemptMs);
    let action: GateAction;
    try {
      // The same lookup as admission (pull secrets, then the webhook's credentials; overrides; verified platforms).
      const scope = { namespace: typed.metadata?.namespace ?? '', mode: settings.mode, settings };
      const podArchs = await resolvePodImages({ spec: pod.spec, allowedArchs: settings.allowedArchs, budgetMs: attemptMs }, scope, this.env, deadline);
      action = decideGate({ pod, podArchs, settings, nodeArchs: this.env.cluster.nodeArchs() ?? [], gate: this.options.gate, gatedForMs: Date.now() - created });
    } finally {
      deadline.dispose();
    }
    if (action.kind === 'none') return 'done';
    if (action.kind === 'retry') {
      this.logger.debug({ pod: key, reason: action.reason }, 'gate controller: images still unresolved; retrying');
      // Wake up for the timeout itself rather than a long backoff past it.
      return { retryAfterMs: Math.min(this.queue.backoffMs(key), Math.max(0, this.options.gate.gateTimeoutMs - (Date.now() - created)) + 100) };
    }
    return this.apply(key, typed, action, created);
  }

  private async apply(key: string, typed: V1Pod, action: GateAction & { kind: 'update' | 'evict' }, created: number): Promise<WorkResult> {
    const result = action.kind === 'update' ? await this.writes.replace(withEdits(typed, action.pod)) : await this.writes.evict(typed);
    if (result === 'conflict') return { retryAfterMs: 200 };
    if (result === 'gone') return 'done';
    if (result !== 'ok') {
      this.logger.warn({ pod: key, decision: action.decision, error: result.refused }, 'gate controller: the API server refused the change');
      await this.writes.event(typed, { type: 'Warning', reason: 'ArchcheckGateFailed', message: `archcheck could not apply ${action.decision}: ${result.refused}` });
      return 'retry';
    }
    await this.writes.event(typed, action.event);
    this.metrics.gateDuration.observe({ outcome: outcomeOf(action) }, (Date.now() - created) / 1000);
    this.logger.info({ pod: key, decision: action.decision, gatedSeconds: (Date.now() - created) / 1000 }, `gate controller: ${action.kind === 'evict' ? 'evicted' : action.decision}`);
    return 'done';
  }

  /**
   * Removes archcheck's gate from every pod that has it (archcheck is being uninstalled: nothing would ever
   * remove it otherwise). Pods are released unplaced, with decision gate-released and an Event.
   */
  async releaseAll(): Promise<number> {
    let released = 0;
    for (const typed of this.informer.list()) {
      if (!hasArchcheckGate(asPlain(typed))) continue;
      const message = 'archcheck: released unplaced because archcheck is being uninstalled';
      const edited = withDecision(ungatePod(asPlain(typed)), 'gate-released', message);
      for (let attempt = 0; attempt < 3; attempt++) {
        const fresh = attempt === 0 ? typed : this.current(keyOf(typed));
        if (!fresh) break;
        const result = await this.writes.replace(withEdits(fresh, attempt === 0 ? edited : withDecision(ungatePod(asPlain(fresh)), 'gate-released', message)));
        if (result === 'ok') {
          released++;
          await this.writes.event(typed, { type: 'Warning', reason: 'ArchcheckGateReleased', message });
          this.metrics.gateDuration.observe({ outcome: 'released' }, 0);
        }
        if (result !== 'conflict') break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return released;
  }
}
