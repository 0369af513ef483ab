import type { HostsConfig, MirrorRule } from './endpoints.js';
import type { HostTls } from './hosts-toml.js';
import { defaultWorkLimits, type WorkLimits } from './index-walk.js';

/** Registry settings shared by the webhook and the plugin: one schema, used by flags, env and Helm values. */
export interface RegistryOptions {
  /** host[:port] that may be reached over plain http (loopback hosts may also fall back to http). */
  insecureRegistries: string[];
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
  /** Extra CA bundles (PEM) per registry host, for private CAs (the setting `registryCAs`: `HOST=FILE`). */
  registryCAs?: Record<string, string>;
  /** Per-host TLS from containerd hosts.toml (`ca`, `skip_verify`); merged with registryCAs. */
  hostTls?: Record<string, HostTls>;
  /** `--registry-mirror`: tried in order before the source. */
  mirrors: MirrorRule[];
  /** Sources never contacted directly (`--mirror-only`). */
  mirrorOnly: string[];
  /** containerd hosts.toml configurations by registry (`--registry-hosts-dir`). */
  hostsConfigs?: Map<string, HostsConfig>;
  /** Fetch each index child's config and trust it over the index's platform label. */
  verifyPlatforms: boolean;
  /**
   * With verifyPlatforms: verify only the children labelled with one of these `os/arch` (the archs a cluster's nodes
   * have, e.g. linux/amd64, linux/arm64); the other labels are trusted. Their answer decides nothing for that cluster,
   * and each verification costs a manifest GET (a Docker Hub pull) and a config blob. Unset: every child.
   */
  verifyPlatformsOf?: string[];
  /** Caps on the work one image may cause (index entries, nesting, child fetches); beyond them: LIMIT_EXCEEDED. */
  workLimits: WorkLimits;
}

export const defaultRegistryOptions: RegistryOptions = {
  insecureRegistries: [],
  requestTimeoutMs: 5_000,
  resolveTimeoutMs: 10_000,
  tagTtlMs: 60_000,
  cacheMaxBytes: 64 * 1024 * 1024,
  maxConcurrencyPerRegistry: 8,
  mirrors: [],
  mirrorOnly: [],
  verifyPlatforms: false,
  workLimits: defaultWorkLimits,
};

/**
 * Hosts a registry is explicitly configured at, by the operator rather than by an image string: insecure
 * registries, mirrors, hosts with a CA or hosts.toml entry, hosts.toml mirrors and servers.
 */
export function configuredRegistryHosts(o: Partial<RegistryOptions>): string[] {
  const fromHostsToml = [...(o.hostsConfigs?.values() ?? [])].flatMap((c) => [...c.hosts.map((h) => h.url.host), ...(c.server ? [c.server.url.host] : [])]);
  return [
    ...(o.insecureRegistries ?? []),
    ...(o.mirrors ?? []).map((m) => m.mirror),
    ...Object.keys(o.registryCAs ?? {}),
    ...Object.keys(o.hostTls ?? {}),
    ...fromHostsToml,
  ];
}
