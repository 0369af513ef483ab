import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ESCAPED_STATUSES } from './escaped-pod.js';

/** The leader's controllers' metrics (gate controller, escaped-pod reconciler), on the webhook's registry (/metrics). */
export interface GateMetrics {
  gatedPods: Gauge;
  gateDuration: Histogram<'outcome'>;
  /** Pods the last reconciler pass found without an archcheck decision, by status (closed set ESCAPED_STATUSES). */
  escapedPods: Gauge<'status'>;
  escapedEvictions: Counter;
}

const GATE_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export function createGateMetrics(registry: Registry): GateMetrics {
  const escapedPods = new Gauge({
    name: 'archcheck_escaped_pods',
    help: 'Pods in managed namespaces without an archcheck decision (created while the webhook was away or before install), by status (broken, at-risk, unknown, ok), as the last reconciler pass of the leading replica found them (0 on the others).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  for (const status of ESCAPED_STATUSES) escapedPods.set({ status }, 0);
  return {
    gatedPods: new Gauge({
      name: 'archcheck_gated_pods',
      help: 'Pods carrying the archcheck.dev/resolving scheduling gate, as the leading replica sees them (0 on the others).',
      registers: [registry],
    }),
    gateDuration: new Histogram({
      name: 'archcheck_gate_duration_seconds',
      help: 'Time from a gated pod\'s creation to the controller\'s decision, by outcome (placed, timeout, unresolved, denied, evicted, released).',
      labelNames: ['outcome'] as const,
      buckets: GATE_BUCKETS,
      registers: [registry],
    }),
    escapedPods,
    escapedEvictions: new Counter({
      name: 'archcheck_escaped_pod_evictions_total',
      help: 'Broken, crash-looping escaped pods the reconciler evicted (reconcileEvictBroken) so their controller recreates them under the webhook.',
      registers: [registry],
    }),
  };
}
