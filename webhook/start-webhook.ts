import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { RegistryClient } from '../core/registry/client.js';
import { openRegistryClient } from '../core/registry/open-client.js';
import type { ImageResolver } from '../core/resolver.js';
import { noClusterFacts, type ClusterFacts } from './cluster-facts.js';
import { describeSettingError } from '../core/errors.js';
import { ConfigError, settingFlag, type WebhookConfig } from './config.js';
import type { AdmissionEnv } from './handlers/admission-env.js';
import { ImageLookup } from './images/image-lookup.js';
import { KubeClusterFacts } from './kube/kube-cluster-facts.js';
import { loadKubeConfig, ownNamespace } from './kube/kube-config.js';
import { noEvents, type EventRecorder } from './kube/event-recorder.js';
import { startEventRecorder } from './kube/events-api.js';
import { startControllers, type RunningControllers } from './gate/controller-runner.js';
import { createLogger } from './logger.js';
import { archcheckVersion } from './build-info.js';
import { WebhookMetrics } from './metrics.js';
import { policySettings } from './policy/settings.js';
import { buildRequestListener } from './server/app.js';
import { listenHttps, type TlsIdentity } from './server/https-server.js';
import { InFlight } from './server/in-flight.js';
import { listenMetrics } from './server/metrics-server.js';
import { Readiness } from './server/readiness.js';
import { ClientCaWatcher, readClientCa } from './tls/client-ca.js';
import { fileIdentitySource, fixedIdentitySource, READY_TLS, selfIdentitySource, type IdentitySource } from './tls/identity-source.js';

/** Replace parts for tests and embedding; anything left out is built from the config. */
export interface WebhookDeps {
  resolver?: ImageResolver;
  cluster?: ClusterFacts;
  logger?: Logger;
  /** Serve exactly this certificate (tests); `caPem` is reported back as the CA to trust. */
  identity?: TlsIdentity & { caPem?: string };
  /** Poll interval of --cert-mode file (tests). */
  certPollMs?: number;
  /** Re-check interval of --cert-mode self once ready (tests; default 30 s). */
  certCheckMs?: number;
}

export interface RunningWebhook {
  /** `https://127.0.0.1:PORT` when listening on all addresses. */
  url: string;
  port: number;
  /** `http://127.0.0.1:PORT` of the plain-HTTP metrics port, when --metrics-listen is set. */
  metricsUrl: string | undefined;
  /** The CA bundle to trust: --cert-mode self's, or the one handed in. */
  caPem(): string | undefined;
  readiness: Readiness;
  metrics: WebhookMetrics;
  /** The gate controller and reconciler (leader-elected), when onUnresolved is gate or reconcile is on, with API access. */
  controllers: RunningControllers | undefined;
  /** Resolves when /readyz would answer 200 (certificate loaded, caBundle published, first node list read). */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Graceful stop: not ready, drain in-flight requests (up to drainTimeout), close. */
  stop(): Promise<void>;
}

const READY_DISCOVERY = 'node-discovery';

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The registry client, built by core's openRegistryClient from the configuration's registry settings (the same
 * table the plugin's flags come from); files are read once, warnings and the enabled cloud identities logged once.
 */
async function buildResolver(config: WebhookConfig, metrics: WebhookMetrics, logger: Logger): Promise<RegistryClient> {
  const timing = {
    resolveTimeoutMs: config.resolveTimeout,
    workLimits: { maxIndexEntries: config.maxIndexEntries, maxIndexDepth: config.maxIndexDepth, maxChildFetches: config.maxChildFetches },
    // Per HTTP request. Under the gate, the controller's lookups may take longer than resolveTimeout (admission
    // lookups are still cut by their deadline); otherwise one slow endpoint must not eat the whole budget.
    requestTimeoutMs: config.onUnresolved === 'gate' ? 5_000 : Math.min(config.resolveTimeout, 5_000),
  };
  let opened;
  try {
    opened = await openRegistryClient(config, timing, { observer: metrics.registryObserver() });
  } catch (e) {
    throw new ConfigError(describeSettingError(e, settingFlag));
  }
  metrics.addConfiguredRegistries(opened.namedHosts);
  for (const warning of opened.warnings) logger.warn({ registryHostsDir: config.registryHostsDir }, warning);
  const clouds = opened.clouds;
  logger.info({ cloudAuth: clouds.length > 0 ? clouds : 'none' }, clouds.length > 0 ? `cloud identities: ${clouds.map((c) => `${c.cloud} (${c.reason})`).join(', ')}` : 'cloud identities: none');
  // The client's close() closes the cloud identities too.
  return opened.client;
}

interface ApiAccess {
  cluster: ClusterFacts;
  kube: ReturnType<typeof loadKubeConfig>;
  stop(): Promise<void>;
}

function connectApi(config: WebhookConfig, deps: WebhookDeps, logger: Logger, readiness: Readiness): ApiAccess {
  if (deps.cluster) return { cluster: deps.cluster, kube: undefined, stop: () => Promise.resolve() };
  let kube;
  try {
    kube = loadKubeConfig(config.kubeconfig || undefined);
  } catch (e) {
    throw new ConfigError(`--kubeconfig ${config.kubeconfig}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!kube) {
    logger.warn('no API access (not in a cluster, no --kubeconfig): no node discovery, pull secrets, namespace modes or self certificates');
    return { cluster: noClusterFacts, kube, stop: () => Promise.resolve() };
  }
  logger.info({ source: kube.source }, 'API access');
  const facts = new KubeClusterFacts(kube.kubeConfig, logger);
  readiness.wait(READY_DISCOVERY);
  void facts.start().finally(() => readiness.done(READY_DISCOVERY));
  return { cluster: facts, kube, stop: () => facts.stop() };
}

interface StartContext {
  config: WebhookConfig;
  deps: WebhookDeps;
  api: ApiAccess;
  namespace: string | undefined;
  logger: Logger;
  readiness: Readiness;
}

async function identitySource({ config, deps, api, namespace, logger, readiness }: StartContext): Promise<IdentitySource> {
  readiness.wait(READY_TLS);
  if (deps.identity) return fixedIdentitySource(deps.identity, readiness);
  if (config.certMode === 'file') {
    try {
      return await fileIdentitySource({ certFile: config.tlsCertFile, keyFile: config.tlsPrivateKeyFile }, logger, readiness, deps.certPollMs);
    } catch (e) {
      throw new ConfigError(`cannot read --tls-cert-file/--tls-private-key-file: ${(e as Error).message}`);
    }
  }
  if (!api.kube) throw new ConfigError('--cert-mode self needs API access (run in a cluster or pass --kubeconfig), or use --cert-mode file');
  if (!namespace) throw new ConfigError('--cert-mode self needs the webhook namespace: set --namespace or POD_NAMESPACE');
  return selfIdentitySource(
    api.kube.kubeConfig,
    {
      namespace,
      serviceName: config.serviceName,
      secretName: config.certSecret,
      webhookConfigurations: { mutating: config.mutatingWebhookConfiguration, validating: config.validatingWebhookConfiguration },
      intervalMs: deps.certCheckMs,
    },
    logger,
    readiness,
  );
}

/** The leader-elected controllers: the gate controller (onUnresolved gate) and the escaped-pod reconciler (reconcile). */
function runControllers({ config, api, namespace, logger }: StartContext, env: AdmissionEnv, shared: { events: EventRecorder; metrics: WebhookMetrics }): RunningControllers | undefined {
  const { events, metrics } = shared;
  const gate = config.onUnresolved === 'gate';
  if (!api.kube || (!gate && !config.reconcile)) return undefined;
  if (!namespace) throw new ConfigError('the gate controller and the reconciler need the webhook namespace for their Lease: set --namespace or POD_NAMESPACE');
  return startControllers(
    api.kube.kubeConfig,
    env,
    metrics.registry,
    {
      namespace,
      leaseName: config.leaseName,
      mutatingWebhookConfiguration: config.mutatingWebhookConfiguration,
      events,
      gate: gate ? { gate: { gateTimeoutMs: config.gateTimeout, fallbackArchs: config.gateFallbackArchs, denied: config.gateDenied } } : undefined,
      reconcile: config.reconcile ? { periodMs: config.reconcilePeriod, evictBroken: config.reconcileEvictBroken } : undefined,
    },
    logger,
  );
}

/** `--client-ca-file`: the bundle client certificates must chain to, or undefined when none is asked for. */
async function loadClientCa(config: WebhookConfig): Promise<string | undefined> {
  if (!config.clientCAFile) return undefined;
  try {
    return await readClientCa(config.clientCAFile);
  } catch (e) {
    throw new ConfigError(`--client-ca-file: ${(e as Error).message}`);
  }
}

async function waitUntilReady(readiness: Readiness, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!readiness.ready()) {
    if (Date.now() > until) throw new Error(`webhook not ready after ${timeoutMs} ms: waiting for ${readiness.waitingFor().join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Settings that only work with API access fail at start-up, not at the first admission. */
function requireApiAccess(config: WebhookConfig, api: ApiAccess): void {
  if (api.kube) return;
  if (config.onUnresolved === 'gate') throw new ConfigError('--on-unresolved gate needs API access (run in a cluster or pass --kubeconfig): the gate controller removes the gates; without it use allow or deny');
  if (config.reconcile) throw new ConfigError('--reconcile true needs API access (run in a cluster or pass --kubeconfig): the reconciler lists pods; without it use --reconcile false');
}

interface ServerParts {
  app: Parameters<typeof listenHttps>[0];
  identity: TlsIdentity;
  inFlight: InFlight;
  metrics: WebhookMetrics;
}

/** The HTTPS admission server (asking for client certificates when a client CA is configured) and the plain-HTTP metrics server. */
async function openServers({ config, deps, logger, readiness }: StartContext, { app, identity, inFlight, metrics }: ServerParts) {
  const clientCaPem = await loadClientCa(config);
  const server = await listenHttps(app, config.listen, identity, inFlight, clientCaPem);
  const clientCaWatcher = clientCaPem ? new ClientCaWatcher(config.clientCAFile, clientCaPem, (pem) => server.setClientCa(pem), logger, deps.certPollMs) : undefined;
  clientCaWatcher?.start();
  const metricsServer = config.metricsListen ? await listenMetrics(metrics.registry, config.metricsListen, readiness) : undefined;
  return { server, clientCaPem, clientCaWatcher, metricsServer };
}

/**
 * Starts the webhook: API access (optional), registry client, TLS identity, HTTPS server. The returned handle
 * is what main() and the end-to-end suite drive. Throws ConfigError for settings that cannot work.
 */
export async function startWebhook(config: WebhookConfig, deps: WebhookDeps = {}): Promise<RunningWebhook> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const readiness = new Readiness();
  const metrics = new WebhookMetrics({ version: archcheckVersion() });
  const namespace = config.namespace || ownNamespace(readOptional);
  const api = connectApi(config, deps, logger, readiness);
  requireApiAccess(config, api);
  const resolver = deps.resolver ?? (await buildResolver(config, metrics, logger));
  if (resolver instanceof RegistryClient) metrics.watchCaches(() => resolver.cacheSizes());
  const env: AdmissionEnv = { settings: policySettings(config, namespace), cluster: api.cluster, images: new ImageLookup(resolver, metrics.resolveObserver()) };
  const start: StartContext = { config, deps, api, namespace, logger, readiness };
  // Events are written only with API access; they never hold up an admission (webhook/kube/event-recorder.ts).
  const events = api.kube ? startEventRecorder(api.kube.kubeConfig, metrics.registry, logger) : undefined;
  const controllers = runControllers(start, env, { events: events ?? noEvents, metrics });
  const source = await identitySource(start);
  const inFlight = new InFlight();
  const app = buildRequestListener({ env, metrics, logger, readiness, inFlight, resolveTimeoutMs: config.resolveTimeout, ...(events && { events }) });
  const { server, clientCaPem, clientCaWatcher, metricsServer } = await openServers(start, { app, identity: source.initial, inFlight, metrics });
  metrics.observeCertificate(source.initial.certPem);
  source.start((identity) => {
    server.setIdentity(identity);
    metrics.observeCertificate(identity.certPem);
  });
  logger.info(
    {
      version: archcheckVersion(),
      url: server.url,
      metricsUrl: metricsServer?.url,
      certMode: deps.identity ? 'given' : config.certMode,
      clientCertificates: clientCaPem ? `required (${config.clientCAFile})` : 'not asked for',
      namespace,
      config: { mode: config.mode, singleArch: config.singleArch, onUnresolved: config.onUnresolved, resolveTimeoutMs: config.resolveTimeout, allowedArchs: config.allowedArchs, excludedNamespaces: config.excludedNamespaces, logLevel: config.logLevel },
    },
    'archcheck webhook listening',
  );
  return {
    url: server.url,
    metricsUrl: metricsServer?.url,
    port: server.port,
    caPem: () => source.caPem(),
    readiness,
    metrics,
    controllers,
    waitUntilReady: (timeoutMs = 60_000) => waitUntilReady(readiness, timeoutMs),
    async stop(): Promise<void> {
      readiness.wait('shutting-down');
      await controllers?.stop();
      source.stop();
      clientCaWatcher?.stop();
      await server.close(config.drainTimeout);
      await metricsServer?.close();
      await events?.stop();
      await api.stop();
      if (resolver instanceof RegistryClient) await resolver.close();
      logger.info('archcheck webhook stopped');
    },
  };
}
