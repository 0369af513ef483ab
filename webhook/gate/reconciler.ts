import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { imageArchFacts, type ImageArchitectures, type NodeSet } from '../../core/placement/index.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { effectiveSettings } from '../handlers/guards.js';
import { Deadline } from '../images/deadline.js';
import { resolvePodImages } from '../images/image-lookup.js';
import { apiErrorMessage } from '../kube/api-errors.js';
import type { PodWrites } from '../kube/pod-writes.js';
import { isMode, NAMESPACE_MODE_LABEL, type Mode, type PolicySettings } from '../policy/settings.js';
import { classifyEscapedPod, ESCAPED_STATUSES, isEscaped, shouldEvict, type EscapedPodFinding, type EscapedStatus, type ObservedPod } from './escaped-pod.js';
import type { GateMetrics } from './gate-metrics.js';

export interface ReconcilerOptions {
  periodMs: number;
  /** Evict broken, crash-looping pods that have a controller (reconcileEvictBroken). */
  evictBroken: boolean;
  /** Registry time per pod (no admission deadline here). */
  attemptTimeoutMs?: number;
  concurrency?: number;
}

/** What the reconciler shares with the gate controller: API access, the admission env (registry client), writes, metrics. */
export interface ReconcilerDeps {
  kubeConfig: KubeConfig;
  env: AdmissionEnv;
  writes: PodWrites;
  metrics: GateMetrics;
  logger: Logger;
}

export interface PassSummary {
  listed: number;
  escaped: number;
  byStatus: Record<EscapedStatus, number>;
  evicted: number;
  durationMs: number;
}

const PAGE = 500;
const asObserved = (pod: V1Pod): ObservedPod => pod as unknown as ObservedPod;
const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

function ownerOf(pod: V1Pod): { kind: string; name: string } | undefined {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  return owner && { kind: owner.kind, name: owner.name };
}

function imageLine(i: ImageArchitectures): Record<string, unknown> {
  return i.error ? { image: i.image, error: i.error } : { image: i.image, archs: i.archs };
}

/**
 * The escaped-pod reconciler, run by the leader: every period it lists the pods of managed namespaces that carry no
 * archcheck decision (the webhook never saw them: every replica was away — it fails open — or the pod predates the
 * install), resolves their images with the webhook's own registry client (caches, pull secrets, credentials), and
 * reports the broken and at-risk ones: a Warning Event on the pod and a log line when a pod's status changes, and
 * the gauge archcheck_escaped_pods{status} after every pass. With evictBroken it evicts broken, crash-looping pods
 * that have a controller (the Eviction API honours PodDisruptionBudgets), so they come back through the webhook.
 */
export class EscapedPodReconciler {
  private readonly core: CoreV1Api;
  /** Last reported status per pod uid: an Event is written when it changes, not every period. */
  private readonly reported = new Map<string, EscapedStatus>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private last: PassSummary | undefined;
  private passes = 0;

  private readonly env: AdmissionEnv;
  private readonly writes: PodWrites;
  private readonly metrics: GateMetrics;
  private readonly logger: Logger;

  constructor(
    deps: ReconcilerDeps,
    private readonly options: ReconcilerOptions,
  ) {
    this.core = deps.kubeConfig.makeApiClient(CoreV1Api);
    ({ env: this.env, writes: this.writes, metrics: this.metrics, logger: this.logger } = deps);
  }

  /** The first pass runs now (a new leader reports at once), then one per period after each pass ends. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const status of ESCAPED_STATUSES) this.metrics.escapedPods.set({ status }, 0);
  }

  /** The last completed pass, and how many passes completed. */
  lastPass(): (PassSummary & { passes: number }) | undefined {
    return this.last && { ...this.last, passes: this.passes };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runPass()
        .catch((e: unknown) => this.logger.warn({ error: apiErrorMessage(e) }, 'reconciler: pass failed; retrying next period'))
        .finally(() => this.schedule(this.options.periodMs));
    }, delayMs);
    this.timer.unref();
  }

  private async listPods(): Promise<V1Pod[]> {
    const pods: V1Pod[] = [];
    let next: string | undefined;
    do {
      const page = await this.core.listPodForAllNamespaces({ limit: PAGE, ...(next && { _continue: next }) });
      pods.push(...page.items);
      next = page.metadata?._continue || undefined;
    } while (next && !this.stopped);
    return pods;
  }

  private async modes(pods: readonly V1Pod[], settings: PolicySettings): Promise<Map<string, Mode>> {
    const modes = new Map<string, Mode>();
    for (const ns of new Set(pods.map((p) => p.metadata?.namespace ?? ''))) {
      const label = (await this.env.cluster.namespaceLabels(ns))?.[NAMESPACE_MODE_LABEL];
      modes.set(ns, isMode(label) ? label : settings.mode);
    }
    return modes;
  }

  /** Until the node list is read (a new replica: judging against assumed pools would be a guess), at most 30 s. */
  private async nodesKnown(): Promise<void> {
    const until = Date.now() + 30_000;
    while (this.env.cluster.nodeArchs() === undefined && Date.now() < until && !this.stopped) await new Promise((r) => setTimeout(r, 250));
  }

  async runPass(): Promise<PassSummary> {
    const started = Date.now();
    await this.nodesKnown();
    const settings = effectiveSettings(this.env);
    const pods = await this.listPods();
    const modes = await this.modes(pods, settings);
    const scope = { excludedNamespaces: settings.excludedNamespaces, podOptOut: settings.podOptOut, modeOf: (ns: string): Mode => modes.get(ns) ?? settings.mode };
    const escaped = pods.filter((p) => isEscaped(asObserved(p), scope));
    const byStatus = Object.fromEntries(ESCAPED_STATUSES.map((s) => [s, 0])) as Record<EscapedStatus, number>;
    let evicted = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < escaped.length && !this.stopped) {
        const pod = escaped[next++]!;
        const { finding, images } = await this.check(pod, settings);
        byStatus[finding.status]++;
        if (await this.report(pod, finding, images)) evicted++;
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 8 }, worker));
    if (this.stopped) return { listed: pods.length, escaped: escaped.length, byStatus, evicted, durationMs: Date.now() - started };
    const live = new Set(escaped.map((p) => p.metadata?.uid ?? ''));
    for (const uid of this.reported.keys()) if (!live.has(uid)) this.reported.delete(uid);
    for (const status of ESCAPED_STATUSES) this.metrics.escapedPods.set({ status }, byStatus[status]);
    this.last = { listed: pods.length, escaped: escaped.length, byStatus, evicted, durationMs: Date.now() - started };
    this.passes++;
    this.logger.info({ ...this.last }, 'reconciler: pass done');
    return this.last;
  }

  private async check(pod: V1Pod, settings: PolicySettings): Promise<{ finding: EscapedPodFinding; images: ImageArchitectures[] }> {
    const spec = asObserved(pod).spec;
    const attemptMs = this.options.attemptTimeoutMs ?? 30_000;
    const deadline = new Deadline(attemptMs);
    try {
      const scope = { namespace: pod.metadata?.namespace ?? '', mode: 'mutate' as const, settings };
      const archs = await resolvePodImages({ spec, allowedArchs: settings.allowedArchs, budgetMs: attemptMs }, scope, this.env, deadline);
      const nodeName = pod.spec?.nodeName;
      const nodeArch = nodeName ? await this.env.cluster.nodeArch(nodeName) : undefined;
      const known = this.env.cluster.nodes();
      const nodes: NodeSet = known ? { kind: 'nodes', nodes: known } : { kind: 'assumed', archs: settings.allowedArchs, archTaints: settings.archTaints };
      return { finding: classifyEscapedPod({ spec, nodeArch, images: archs.images.map(imageArchFacts), nodes }), images: archs.images };
    } finally {
      deadline.dispose();
    }
  }

  /** Event and log line when the pod's status changed; eviction when asked for. True when the pod was evicted. */
  private async report(pod: V1Pod, finding: EscapedPodFinding, images: readonly ImageArchitectures[]): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    if (this.reported.get(uid) !== finding.status && !this.stopped) {
      this.reported.set(uid, finding.status);
      await this.announce(pod, finding, images);
    }
    if (this.stopped || !shouldEvict(asObserved(pod), finding, this.options.evictBroken)) return false;
    return this.evict(pod);
  }

  private async announce(pod: V1Pod, finding: EscapedPodFinding, images: readonly ImageArchitectures[]): Promise<void> {
    const line = { pod: keyOf(pod), owner: ownerOf(pod), node: pod.spec?.nodeName, status: finding.status, images: images.map(imageLine) };
    if (finding.status !== 'broken' && finding.status !== 'at-risk') {
      // ok pods are most pods of a cluster that predates the install: debug only.
      if (finding.status === 'ok') this.logger.debug(line, `escaped pod: ${finding.message}`);
      else this.logger.info(line, `escaped pod: ${finding.message}`);
      return;
    }
    this.logger.warn(line, `escaped pod: ${finding.message}`);
    await this.writes.event(pod, { type: 'Warning', reason: finding.status === 'broken' ? 'ArchcheckEscapedBroken' : 'ArchcheckEscapedAtRisk', message: finding.message });
  }

  private async evict(pod: V1Pod): Promise<boolean> {
    const result = await this.writes.evict(pod);
    if (result !== 'ok') {
      if (typeof result === 'object') this.logger.info({ pod: keyOf(pod), error: result.refused }, 'reconciler: eviction refused (a PodDisruptionBudget?); trying again next period');
      return false;
    }
    this.metrics.escapedEvictions.inc();
    const owner = ownerOf(pod);
    const message = `archcheck: evicted: this pod was never checked by archcheck and is crash-looping on an arch its images lack; its ${owner?.kind ?? 'controller'} recreates it under archcheck.`;
    this.logger.warn({ pod: keyOf(pod), owner }, message);
    await this.writes.event(pod, { type: 'Warning', reason: 'ArchcheckEvicted', message });
    return true;
  }
}
