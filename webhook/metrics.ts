import { X509Certificate } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ImageInfo } from '../core/image-info.js';
import type { RegistryObserver } from '../core/registry/client.js';
import type { ResolveObserver } from './images/image-lookup.js';
import { admissionLabels, closedLabel, KINDS, OPERATIONS, referenceHost, registryCodeLabel } from './metric-labels.js';
import { RegistryHostLabels } from './registry-host-labels.js';
import type { DecisionParts } from './policy/verdict.js';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Paths that count as webhooks in the controller-runtime metrics (the `webhook` label). */
export const WEBHOOK_PATHS = ['/mutate', '/validate'] as const;
export type WebhookPath = (typeof WEBHOOK_PATHS)[number];

/** One answered admission, as the metrics see it: every field is mapped onto a closed label set. */
export interface AdmissionObservation {
  endpoint: 'mutate' | 'validate';
  operation: string | undefined;
  kind: string | undefined;
  /** The outcome's decision as data (what and why). */
  parts: DecisionParts;
  mode?: string;
  seconds?: number;
}

/** Cache sizes the registry client reports, by cache name. */
export type CacheSizes = Record<string, { entries: number; bytes?: number }>;

export interface MetricsOptions {
  defaultMetrics?: boolean;
  version?: string;
  /** Registry hosts from the configuration: they always get their own `registry` label value. */
  registries?: readonly string[];
}

/**
 * The webhook's Prometheus metrics, on their own registry (one per server, so tests can run several). Every label
 * value comes from a closed set (metric-labels.ts) or the bounded registry host labels (registry-host-labels.ts).
 * The controller-runtime webhook metrics carry controller-runtime's names and labels, so dashboards made for
 * Go webhooks work unchanged.
 */
export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly hosts: RegistryHostLabels;
  private cacheSizes: () => CacheSizes = () => ({});

  readonly admissionRequests = new Counter({
    name: 'archcheck_admission_requests_total',
    help: 'Admission requests by endpoint, operation, kind, decision (injected, kept, allowed, unresolved, gated, skipped, ignored, denied, error, bad-request), reason and mode.',
    labelNames: ['endpoint', 'operation', 'kind', 'decision', 'reason', 'mode'] as const,
    registers: [this.registry],
  });
  readonly admissionDuration = new Histogram({
    name: 'archcheck_admission_duration_seconds',
    help: 'Time from receiving an AdmissionReview to answering it, by endpoint and decision.',
    labelNames: ['endpoint', 'decision'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly webhookRequests = new Counter({
    name: 'controller_runtime_webhook_requests_total',
    help: 'HTTP requests to the admission webhook paths by path (webhook) and HTTP status code (as controller-runtime counts them).',
    labelNames: ['webhook', 'code'] as const,
    registers: [this.registry],
  });
  readonly webhookLatency = new Histogram({
    name: 'controller_runtime_webhook_latency_seconds',
    help: 'HTTP latency of the admission webhook paths, by path (webhook).',
    labelNames: ['webhook'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly webhookInFlight = new Gauge({
    name: 'controller_runtime_webhook_requests_in_flight',
    help: 'Admission webhook requests being answered, by path (webhook).',
    labelNames: ['webhook'] as const,
    registers: [this.registry],
  });
  readonly imageResolveDuration = new Histogram({
    name: 'archcheck_image_resolve_duration_seconds',
    help: 'Time to resolve one image reference to its platforms (cache hits included), cut at the admission deadline.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly imageLookups = new Counter({
    name: 'archcheck_image_lookups_total',
    help: 'Image lookups by registry and result (resolved, or the error code: TIMEOUT, UNAUTHORIZED, NOT_FOUND, RATE_LIMITED, …).',
    labelNames: ['registry', 'result'] as const,
    registers: [this.registry],
  });
  readonly registryRequests = new Counter({
    name: 'archcheck_registry_requests_total',
    help: 'HTTP requests to registries by registry and status code (or error code when no response came).',
    labelNames: ['registry', 'code'] as const,
    registers: [this.registry],
  });
  readonly registryErrors = new Counter({
    name: 'archcheck_registry_request_errors_total',
    help: 'Registry requests that failed: no response (error code), 429 or a 5xx status.',
    labelNames: ['registry', 'code'] as const,
    registers: [this.registry],
  });
  readonly registryDuration = new Histogram({
    name: 'archcheck_registry_request_duration_seconds',
    help: 'Time of one HTTP request to a registry (token endpoints included), by registry.',
    labelNames: ['registry'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly cacheRequests = new Counter({
    name: 'archcheck_cache_requests_total',
    help: 'Registry client cache lookups by result (hit, miss, revalidated, negative-hit, stale: a tag answered past its TTL while the registry fails).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly tagRefreshes = new Counter({
    name: 'archcheck_tag_refreshes_total',
    help: 'Tags renewed in the background in the last quarter of their TTL, by result (unchanged, moved, failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRemaining = new Gauge({
    name: 'archcheck_registry_ratelimit_remaining',
    help: 'Last ratelimit-remaining a registry reported (Docker Hub: pulls left in the window).',
    labelNames: ['registry'] as const,
    registers: [this.registry],
  });
  readonly certificateExpiry = new Gauge({
    name: 'archcheck_certificate_expiry_timestamp_seconds',
    help: 'When the serving certificate expires (Unix time); a rotation moves it forward.',
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    this.hosts = new RegistryHostLabels(options.registries);

    const buildInfo = new Gauge({
      name: 'archcheck_build_info',
      help: 'Always 1; the labels say which archcheck version and Node.js runtime serve.',
      labelNames: ['version', 'nodejs'] as const,
      registers: [this.registry],
    });
    buildInfo.set({ version: options.version ?? 'unknown', nodejs: process.version }, 1);
    const sizes = (): CacheSizes => this.cacheSizes();
    new Gauge({
      name: 'archcheck_cache_entries',
      help: 'Entries in each registry client cache (content, resolved, answers, access, tags, failures, tokens) and per-host state (challenges, httpFallback, rateLimits, agents).',
      labelNames: ['cache'] as const,
      registers: [this.registry],
      collect(): void {
        this.reset();
        for (const [cache, size] of Object.entries(sizes())) this.set({ cache }, size.entries);
      },
    });
    new Gauge({
      name: 'archcheck_cache_bytes',
      help: 'Accounted bytes in each byte-bounded registry client cache.',
      labelNames: ['cache'] as const,
      registers: [this.registry],
      collect(): void {
        this.reset();
        for (const [cache, size] of Object.entries(sizes())) if (size.bytes !== undefined) this.set({ cache }, size.bytes);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the cache gauges read from (the registry client, once built). */
  watchCaches(read: () => CacheSizes): void {
    this.cacheSizes = read;
  }

  /** Records the serving certificate's expiry; a certificate that cannot be parsed leaves the gauge as it was. */
  observeCertificate(certPem: string): void {
    try {
      const expires = Date.parse(new X509Certificate(certPem).validTo);
      if (Number.isFinite(expires)) this.certificateExpiry.set(Math.floor(expires / 1000));
    } catch {
      // The TLS layer reports unusable certificates itself; the gauge only reflects served ones.
    }
  }

  /** Registry hosts the settings name (from the registry client's parsed options): each gets its own `registry` label value. */
  addConfiguredRegistries(hosts: readonly string[]): void {
    this.hosts.addConfigured(hosts);
  }

  observeAdmission(o: AdmissionObservation): void {
    const labels = admissionLabels(o.parts, o.mode);
    const operation = closedLabel(OPERATIONS, o.operation ?? 'none', 'other');
    const kind = closedLabel(KINDS, o.kind ?? 'none', 'other');
    // Written out, not spread: on the admission path a spread plus new keys costs ≈ 1 µs on Node 20 (decision 0042).
    this.admissionRequests.inc({ endpoint: o.endpoint, operation, kind, decision: labels.decision, reason: labels.reason, mode: labels.mode });
    if (o.seconds !== undefined) this.admissionDuration.observe({ endpoint: o.endpoint, decision: labels.decision }, o.seconds);
  }

  /** Hooks for the registry client. */
  registryObserver(): RegistryObserver {
    return {
      onRequest: (e) => {
        const answered = /^\d{3}$/.test(e.code);
        const registry = this.hosts.forRequest(e.registry, answered);
        const code = registryCodeLabel(e.code);
        this.registryRequests.inc({ registry, code });
        this.registryDuration.observe({ registry }, e.durationMs / 1000);
        if (!answered || code === '429' || code.startsWith('5')) this.registryErrors.inc({ registry, code });
        if (e.rateLimitRemaining !== undefined) this.rateLimitRemaining.set({ registry }, e.rateLimitRemaining);
      },
      onCache: (result) => this.cacheRequests.inc({ result }),
      onTagRefresh: (result) => this.tagRefreshes.inc({ result }),
    };
  }

  resolveObserver(): ResolveObserver {
    return {
      onResolve: (seconds: number, info: ImageInfo | undefined) => {
        this.imageResolveDuration.observe(seconds);
        if (!info) return;
        const registry = this.hosts.forImage(info.endpoint ?? referenceHost(info.canonical));
        this.imageLookups.inc({ registry, result: info.error ? registryCodeLabel(info.error.code) : 'resolved' });
      },
    };
  }
}
