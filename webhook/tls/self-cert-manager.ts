import type { Logger } from 'pino';
import type { TlsIdentity } from '../server/https-server.js';
import { nextCertState, type CertPolicy, type CertState } from './cert-state.js';

/** The Secret holding the shared certificate state (optimistic concurrency through `version`). */
export interface CertStore {
  /** undefined when the Secret does not exist; `state` undefined when it exists but holds no usable state. */
  read(): Promise<{ state: CertState | undefined; version: string } | undefined>;
  /** false when another replica created it first. */
  create(state: CertState): Promise<boolean>;
  /** false when it changed since `version` was read. */
  update(state: CertState, version: string): Promise<boolean>;
}

/** Puts a CA bundle into the webhook's own Mutating/ValidatingWebhookConfigurations. Throws when it could not. */
export interface CaBundlePublisher {
  publish(caBundlePem: string): Promise<void>;
}

export interface SelfCertDeps {
  store: CertStore;
  publisher: CaBundlePublisher;
  /** Called with the identity to serve, only after its CA is published. */
  onIdentity(identity: TlsIdentity & { caPem: string }): void;
  logger: Logger;
  now?: () => Date;
}

const MAX_ATTEMPTS = 5;

/**
 * `--cert-mode self`: keeps the serving certificate in a Secret shared by all replicas, publishes the CA bundle to
 * the webhook configurations, and hands the certificate to the TLS server (hot reload, no restart). Order is what
 * makes it safe: write the Secret, publish the bundle, THEN serve, so the apiserver trusts a certificate before it
 * is served; old CAs stay in the bundle until they expire.
 */
export class SelfCertManager {
  private served: string | undefined;
  private bundle: string | undefined;

  constructor(
    private readonly deps: SelfCertDeps,
    private readonly policy: CertPolicy,
  ) {}

  caPem(): string | undefined {
    return this.bundle;
  }

  /** One pass: read, create or rotate (retrying lost races), publish, serve. Throws when it cannot finish. */
  async reconcile(): Promise<void> {
    const state = await this.settleState();
    await this.deps.publisher.publish(state.caBundlePem);
    this.bundle = state.caBundlePem;
    if (this.served !== state.serving.certPem) {
      this.deps.onIdentity({ certPem: state.serving.certPem, keyPem: state.serving.keyPem, caPem: state.caBundlePem });
      this.deps.logger.info({ bundleCAs: state.caBundlePem.split('BEGIN CERTIFICATE').length - 1 }, 'serving certificate loaded');
      this.served = state.serving.certPem;
    }
  }

  private async settleState(): Promise<CertState> {
    const now = this.deps.now?.() ?? new Date();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const stored = await this.deps.store.read();
      const { state, changed } = nextCertState(stored?.state, this.policy, now);
      if (!changed) return state;
      const written = stored ? await this.deps.store.update(state, stored.version) : await this.deps.store.create(state);
      if (written) {
        this.deps.logger.info({ created: !stored, rotatedCA: stored?.state?.signer.certPem !== state.signer.certPem }, 'certificate secret written');
        return state;
      }
      this.deps.logger.info({ attempt }, 'certificate secret changed by another replica; re-reading');
    }
    throw new Error(`certificate secret kept changing under ${MAX_ATTEMPTS} attempts; will retry`);
  }
}
