import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RegistryObserver } from '../core/registry/client.js';
import type { ResolveObserver } from './images/image-lookup.js';

/** Registry host names come from image strings (user input): cap the label values so a hostile pod cannot explode cardinality. */
const MAX_REGISTRY_LABELS = 50;
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The webhook's Prometheus metrics, on their own registry (one per server, so tests can run several). */
export class WebhookMetrics {
  readonly registry = new Registry();
  readonly admissionRequests = new Counter({
    name: 'archcheck_admission_requests_total',
    help: 'Admission requests by operation and decision (injected, kept, skipped:<reason>, denied:<reason>, unresolved, ignored, error; warn:/audit: prefixed outside mutate mode).',
    labelNames: ['operation', 'decision'] as const,
    registers: [this.registry],
  });
  readonly admissionDuration = new Histogram({
    name: 'archcheck_admission_duration_seconds',
    help: 'Time from receiving an AdmissionReview to answering it.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly imageResolveDuration = new Histogram({
    name: 'archcheck_image_resolve_duration_seconds',
    help: 'Time to resolve one image reference to its platforms (cache hits included), cut at the admission deadline.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly registryRequests = new Counter({
    name: 'archcheck_registry_requests_total',
    help: 'HTTP requests to registries by registry and status code (or error code when no response came).',
    labelNames: ['registry', 'code'] as const,
    registers: [this.registry],
  });
  readonly cacheRequests = new Counter({
    name: 'archcheck_cache_requests_total',
    help: 'Registry client cache lookups by result (hit, miss, revalidated, negative-hit).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRemaining = new Gauge({
    name: 'archcheck_registry_ratelimit_remaining',
    help: 'Last ratelimit-remaining a registry reported (Docker Hub: pulls left in the window).',
    labelNames: ['registry'] as const,
    registers: [this.registry],
  });
  private readonly registries = new Set<string>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  private registryLabel(registry: string): string {
    if (this.registries.has(registry)) return registry;
    if (this.registries.size >= MAX_REGISTRY_LABELS) return 'other';
    this.registries.add(registry);
    return registry;
  }

  /** Hooks for the registry client. */
  registryObserver(): RegistryObserver {
    return {
      onRequest: (e) => {
        const registry = this.registryLabel(e.registry);
        this.registryRequests.inc({ registry, code: e.code });
        if (e.rateLimitRemaining !== undefined) this.rateLimitRemaining.set({ registry }, e.rateLimitRemaining);
      },
      onCache: (result) => this.cacheRequests.inc({ result }),
    };
  }

  resolveObserver(): ResolveObserver {
    return { onResolve: (seconds) => this.imageResolveDuration.observe(seconds) };
  }
}
