import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { apiStatus } from '../kube/api-errors.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import { LeaseElection, type LeaseElectionOptions } from '../kube/lease-election.js';
import { PodWrites } from '../kube/pod-writes.js';
import { GateController, type GateControllerOptions } from './gate-controller.js';
import { createGateMetrics } from './gate-metrics.js';
import { EscapedPodReconciler, type ReconcilerOptions } from './reconciler.js';

export interface ControllerRunnerOptions {
  namespace: string;
  leaseName: string;
  /** Run the gate controller (onUnresolved gate). */
  gate: GateControllerOptions | undefined;
  /** Run the escaped-pod reconciler (reconcile). */
  reconcile: ReconcilerOptions | undefined;
  /** MutatingWebhookConfiguration whose absence at shutdown means archcheck is being uninstalled ("" = never). */
  mutatingWebhookConfiguration: string;
  election?: Partial<LeaseElectionOptions>;
  /** The webhook's one EventRecorder: the controller's Events share its queue, rate limit and aggregation. */
  events: EventRecorder;
}

export interface RunningControllers {
  identity: string;
  isLeader(): boolean;
  gate: GateController | undefined;
  reconciler: EscapedPodReconciler | undefined;
  /** Stops acting and hands the Lease back; releases every gate when archcheck is being uninstalled. */
  stop(): Promise<void>;
}

/**
 * The gate controller and the escaped-pod reconciler, run by the one replica that holds the Lease. When leadership moves,
 * the new leader lists the gated pods again (its watch starts with a list), so nothing is lost in a failover.
 */
export function startControllers(kubeConfig: KubeConfig, env: AdmissionEnv, registry: Registry, options: ControllerRunnerOptions, logger: Logger): RunningControllers {
  const identity = `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
  const log = logger.child({ component: 'controller' });
  const metrics = createGateMetrics(registry);
  const writes = new PodWrites(kubeConfig, options.events);
  let gate: GateController | undefined;
  let reconciler: EscapedPodReconciler | undefined;
  const election = new LeaseElection(
    kubeConfig,
    { namespace: options.namespace, name: options.leaseName, identity, ...options.election },
    {
      onStartedLeading: () => {
        if (options.gate) {
          gate = new GateController(kubeConfig, env, options.gate, { writes, metrics, logger: log });
          void gate.start().catch((e: unknown) => log.warn({ error: String(e) }, 'gate controller: start failed'));
        }
        if (options.reconcile) {
          reconciler = new EscapedPodReconciler({ kubeConfig, env, writes, metrics, logger: logger.child({ component: 'reconciler' }) }, options.reconcile);
          reconciler.start();
        }
      },
      onStoppedLeading: () => {
        void gate?.stop();
        gate = undefined;
        reconciler?.stop();
        reconciler = undefined;
      },
    },
    log,
  );
  election.start();

  const uninstalling = async (): Promise<boolean> => {
    if (!options.mutatingWebhookConfiguration) return false;
    try {
      await kubeConfig.makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: options.mutatingWebhookConfiguration });
      return false;
    } catch (e) {
      return apiStatus(e) === 404;
    }
  };

  return {
    identity,
    isLeader: () => election.isLeader(),
    get gate() {
      return gate;
    },
    get reconciler() {
      return reconciler;
    },
    async stop(): Promise<void> {
      const current = gate;
      if (current && election.isLeader() && (await uninstalling())) {
        const released = await current.releaseAll();
        log.warn({ released }, 'archcheck is being uninstalled (its MutatingWebhookConfiguration is gone): released every gated pod');
      }
      await election.stop();
      await gate?.stop();
      reconciler?.stop();
    },
  };
}
