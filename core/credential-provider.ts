import type { Credential } from './credentials.js';

/**
 * A source of credentials that is asked at lookup time, e.g. a cloud identity (ACR via workload identity, ECR,
 * GAR). Tried after a request's own credentials (pod pull secrets) and before the client's docker config.
 */
export interface CredentialProvider {
  /** Shown in errors: "azure workload identity", "aws ecr". */
  readonly name: string;
  /** Whether this provider serves the registry host (e.g. `*.azurecr.io`). Must not make network calls. */
  appliesTo(registry: string): boolean;
  /**
   * A credential for the registry, or a thrown error whose message says why none could be had
   * ("workload identity token file not found"). Implementations cache and single-flight their own tokens.
   */
  credentialFor(registry: string, repository: string, signal?: AbortSignal): Promise<Credential>;
  /** Called when the registry refused this provider's credential, so a stale cached token is dropped. */
  forget?(registry: string): void;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}
