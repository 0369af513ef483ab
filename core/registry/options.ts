import type { HostsConfig, MirrorRule } from './endpoints.js';
import type { HostTls } from './hosts-toml.js';
import { defaultWorkLimits, type WorkLimits } from './index-walk.js';

const MiB = 1024 * 1024;

/**
 * What the registry client may keep in memory, each cache bounded by accounted bytes (keys included) and the
 * per-host state by entries. Their sum is the client's memory budget; the chart derives the pod's memory from it.
 */
export interface CacheLimits {
  /** Manifests and config blobs by digest. */
  contentBytes: number;
  /** Answers, platform resolutions and access records by digest (3/8, 3/8, 2/8 of it). */
  answerBytes: number;
  /** Tag → digest per endpoint, repository and credential (also at most 50,000 entries). */
  tagBytes: number;
  /** Bearer tokens per host, realm, service, repository and credential. */
  tokenBytes: number;
  /** Failures remembered for 10 s (¾), and tags whose registry fails, for stale-if-error (¼); each at most 10,000 entries. */
  negativeBytes: number;
  /** Hosts with remembered state (auth challenge, http fallback, rate-limit reading), each map on its own. */
  hostEntries: number;
}

export function defaultCacheLimits(): CacheLimits {
  return { contentBytes: 64 * MiB, answerBytes: 8 * MiB, tagBytes: 8 * MiB, tokenBytes: 8 * MiB, negativeBytes: 4 * MiB, hostEntries: 1024 };
}

/** The bytes the limits allow in all (host state is small: entries × a few hundred bytes, counted as 1 MiB). */
export function cacheBudgetBytes(l: CacheLimits): number {
  return l.contentBytes + l.answerBytes + l.tagBytes + l.tokenBytes + l.negativeBytes + MiB;
}

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
  /**
   * A tag looked up in the last quarter of its TTL is revalidated in the background (decision 0052), so lookups of
   * an image in steady use never wait for it. Off: revalidated by the first lookup after the TTL (that lookup waits).
   */
  tagRefreshAhead: boolean;
  /**
   * How long past its TTL a tag's last answer may still be served when the registry cannot be asked (timeouts,
   * 5xx, 429, no connection): the image keeps its known platforms, marked stale, instead of becoming unresolved
   * (decision 0053). 0: never.
   */
  tagStaleIfErrorMs: number;
  /** Bounds on everything the client remembers (docs/decisions/0022). */
  cacheLimits: CacheLimits;
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
  tagRefreshAhead: true,
  tagStaleIfErrorMs: 15 * 60_000,
  cacheLimits: defaultCacheLimits(),
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
