import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeCaBundlePublisher } from '../kube/kube-ca-bundle.js';
import { KubeCertStore } from '../kube/kube-cert-store.js';
import type { Readiness } from '../server/readiness.js';
import type { TlsIdentity } from '../server/https-server.js';
import { defaultCertPolicy, type CertPolicy } from './cert-state.js';
import { createCertificateAuthority, createServingCertificate, serviceDnsNames } from './certificates.js';
import { FileIdentityWatcher, readIdentityFiles } from './file-identity.js';
import { SelfCertManager, type CaBundlePublisher, type CertStore } from './self-cert-manager.js';

/** Where the serving certificate comes from, and how it is kept current. */
export interface IdentitySource {
  /** What the server starts with. */
  initial: TlsIdentity;
  /** The CA bundle clients should trust, when known. */
  caPem(): string | undefined;
  /** Begins keeping the identity current; `apply` swaps the server's certificate. */
  start(apply: (identity: TlsIdentity) => void): void;
  stop(): void;
}

export const READY_TLS = 'tls-certificate';
export const READY_CA_BUNDLE = 'ca-bundle-published';

/** `--cert-mode file` (or certificates handed in by a test). */
export async function fileIdentitySource(files: { certFile: string; keyFile: string }, logger: Logger, readiness: Readiness, pollMs?: number): Promise<IdentitySource> {
  const initial = await readIdentityFiles(files.certFile, files.keyFile);
  let watcher: FileIdentityWatcher | undefined;
  return {
    initial,
    caPem: () => undefined,
    start(apply) {
      watcher = new FileIdentityWatcher(files, initial, apply, logger, pollMs);
      watcher.start();
      readiness.done(READY_TLS);
    },
    stop: () => watcher?.stop(),
  };
}

export function fixedIdentitySource(identity: TlsIdentity & { caPem?: string }, readiness: Readiness): IdentitySource {
  return {
    initial: identity,
    caPem: () => identity.caPem,
    start: () => readiness.done(READY_TLS),
    stop: () => undefined,
  };
}

export interface SelfCertOptions {
  namespace: string;
  serviceName: string;
  secretName: string;
  webhookConfigurations: { mutating: string; validating: string };
  policy?: Partial<CertPolicy>;
  /** Re-check interval once ready, and retry interval until then. */
  intervalMs?: number;
  retryMs?: number;
}

/** A throwaway certificate so probes answer while the real one is fetched or made; readiness stays false meanwhile. */
function placeholderIdentity(dnsNames: string[]): TlsIdentity {
  const ca = createCertificateAuthority('archcheck-placeholder', 1);
  return createServingCertificate(ca, dnsNames, 1);
}

/** `--cert-mode self` against the API: Secret-backed state, caBundle publishing, periodic re-check (rotation, drift). */
export function selfIdentitySource(kubeConfig: KubeConfig, options: SelfCertOptions, logger: Logger, readiness: Readiness): IdentitySource {
  const store: CertStore = new KubeCertStore(kubeConfig.makeApiClient(CoreV1Api), options.namespace, options.secretName);
  const publisher: CaBundlePublisher = new KubeCaBundlePublisher(kubeConfig.makeApiClient(AdmissionregistrationV1Api), options.webhookConfigurations);
  return managedIdentitySource(store, publisher, options, logger, readiness);
}

/** The self-cert loop over any store and publisher (the API ones, or fakes in tests). */
export function managedIdentitySource(store: CertStore, publisher: CaBundlePublisher, options: SelfCertOptions, logger: Logger, readiness: Readiness): IdentitySource {
  const dnsNames = serviceDnsNames(options.serviceName, options.namespace);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let apply: (identity: TlsIdentity) => void = () => undefined;
  const manager = new SelfCertManager(
    { store, publisher, logger, onIdentity: (identity) => apply(identity) },
    { ...defaultCertPolicy, ...options.policy, dnsNames },
  );
  readiness.wait(READY_CA_BUNDLE);
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void pass(), ms);
    timer.unref();
  };
  const pass = async (): Promise<void> => {
    try {
      await manager.reconcile();
      readiness.done(READY_TLS);
      readiness.done(READY_CA_BUNDLE);
      schedule(options.intervalMs ?? 30_000);
    } catch (e) {
      logger.warn({ error: (e as Error).message }, 'self certificate not settled; retrying');
      schedule(readiness.ready() ? (options.intervalMs ?? 30_000) : (options.retryMs ?? 5_000));
    }
  };
  return {
    initial: placeholderIdentity(dnsNames),
    caPem: () => manager.caPem(),
    start(applyIdentity) {
      apply = applyIdentity;
      void pass();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
