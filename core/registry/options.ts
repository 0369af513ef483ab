/** Registry settings shared by the webhook and the plugin: one schema, used by flags, env and Helm values. */
export interface RegistryOptions {
  /** host[:port] that may be reached over plain http (loopback hosts may also fall back to http). */
  insecureRegistries: string[];
  /** Docker config.json with credentials; undefined = $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
  registryConfig?: string;
  /** Per HTTP request. */
  requestTimeoutMs: number;
  /** Overall budget for resolving one reference (retries included). */
  resolveTimeoutMs: number;
  /** How long a tag → digest answer is trusted before it is revalidated with a HEAD. */
  tagTtlMs: number;
  /** Bound on the digest → content cache. */
  cacheMaxBytes: number;
  /** Concurrent requests per registry host. */
  maxConcurrencyPerRegistry: number;
  /** Extra CA bundles (PEM) per registry host, for private CAs. */
  registryCAs?: Record<string, string>;
}

export const defaultRegistryOptions: RegistryOptions = {
  insecureRegistries: [],
  requestTimeoutMs: 5_000,
  resolveTimeoutMs: 10_000,
  tagTtlMs: 60_000,
  cacheMaxBytes: 64 * 1024 * 1024,
  maxConcurrencyPerRegistry: 8,
};
