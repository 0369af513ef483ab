import { Gauge, Histogram, type Registry } from 'prom-client';

/** The gate controller's metrics, on the webhook's registry (served at /metrics). */
export interface GateMetrics {
  gatedPods: Gauge;
  gateDuration: Histogram<'outcome'>;
}

const GATE_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export function createGateMetrics(registry: Registry): GateMetrics {
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
  };
}
