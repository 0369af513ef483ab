import { ArchcheckError, settingError } from '../errors.js';
import type { ImageReference } from '../reference.js';

/** Where one lookup is sent: a mirror or the source registry itself. */
export interface Endpoint {
  /** host[:port] contacted; also the name credentials are matched against. */
  host: string;
  /** Repository path on this endpoint (a mirror's path prefix included). */
  repository: string;
  /** Path of the registry API on the host: `/v2`, or containerd's `override_path`. */
  apiPath: string;
  /** Scheme fixed by configuration (hosts.toml names it); otherwise the transport decides. */
  scheme?: 'http' | 'https';
  /** Tags may be resolved here (containerd capability `resolve`); digests need only `pull`. */
  canResolveTags: boolean;
  isMirror: boolean;
}

/** `--registry-mirror docker.io=myacr.azurecr.io/docker-hub` */
export interface MirrorRule {
  source: string;
  mirror: string;
  pathPrefix: string;
}

/** A registry's mirror list from containerd's hosts.toml (already parsed). */
export interface HostsConfig {
  /** The upstream; undefined keeps the reference's own endpoint. */
  server?: { url: URL; canResolveTags: boolean; overridePath: boolean };
  hosts: Array<{ url: URL; canResolveTags: boolean; canPull: boolean; overridePath: boolean }>;
}

export interface EndpointConfig {
  mirrors: MirrorRule[];
  /** Sources never contacted directly (clusters that cannot reach them). */
  mirrorOnly: string[];
  /** hosts.toml by registry name (`docker.io`, `myreg:5000`, `_default`). */
  hostsConfigs?: Map<string, HostsConfig>;
}

export function parseMirrorRule(spec: string): MirrorRule {
  const eq = spec.indexOf('=');
  const source = spec.slice(0, eq).trim().toLowerCase();
  const target = spec.slice(eq + 1).trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (eq <= 0 || !target) {
    throw settingError('registryMirrors', 'use SOURCE=MIRROR[/PATH-PREFIX], e.g. docker.io=myacr.azurecr.io/docker-hub', spec);
  }
  const slash = target.indexOf('/');
  const mirror = slash === -1 ? target : target.slice(0, slash);
  const pathPrefix = slash === -1 ? '' : target.slice(slash + 1);
  return { source: source === 'index.docker.io' || source === 'registry-1.docker.io' ? 'docker.io' : source, mirror, pathPrefix };
}

function apiPathOf(url: URL, overridePath: boolean): string {
  const path = url.pathname.replace(/\/+$/, '');
  if (overridePath) return path;
  return path.endsWith('/v2') ? path : `${path}/v2`;
}

function scheme(url: URL): 'http' | 'https' {
  return url.protocol === 'http:' ? 'http' : 'https';
}

/**
 * The endpoints to try for a reference, in order: mirrors (hosts.toml hosts, then `--registry-mirror` rules),
 * then the source unless it is mirror-only. Tag lookups skip hosts without the `resolve` capability.
 */
export function endpointsFor(ref: ImageReference, config: EndpointConfig): Endpoint[] {
  const byTag = ref.digest === undefined;
  const hosts = config.hostsConfigs?.get(ref.registry) ?? config.hostsConfigs?.get('_default');
  const out = [...hostsMirrors(ref, hosts, byTag), ...ruleMirrors(ref, config.mirrors)];
  if (!config.mirrorOnly.includes(ref.registry.toLowerCase())) out.push(...sourceEndpoint(ref, hosts, byTag));
  if (out.length === 0) {
    throw new ArchcheckError('UNREACHABLE', `${ref.canonical}: no endpoint may serve it (${ref.registry} is mirror-only and no mirror can resolve ${byTag ? 'tags' : 'digests'})`, {
      registry: ref.registry,
    });
  }
  return out;
}

/** hosts.toml `[host."…"]` entries that may pull (and, for tags, resolve). */
function hostsMirrors(ref: ImageReference, hosts: HostsConfig | undefined, byTag: boolean): Endpoint[] {
  return (hosts?.hosts ?? [])
    .filter((h) => h.canPull && (!byTag || h.canResolveTags))
    .map((h) => ({ host: h.url.host, repository: ref.repository, apiPath: apiPathOf(h.url, h.overridePath), scheme: scheme(h.url), canResolveTags: h.canResolveTags, isMirror: true }));
}

/** `--registry-mirror` rules for the reference's registry, in order. */
function ruleMirrors(ref: ImageReference, mirrors: readonly MirrorRule[]): Endpoint[] {
  return mirrors
    .filter((m) => m.source === ref.registry.toLowerCase())
    .map((rule) => ({ host: rule.mirror, repository: rule.pathPrefix ? `${rule.pathPrefix}/${ref.repository}` : ref.repository, apiPath: '/v2', canResolveTags: true, isMirror: true }));
}

/** The source itself: hosts.toml `server` when set (skipped for tags it may not resolve), else the registry's endpoint. */
function sourceEndpoint(ref: ImageReference, hosts: HostsConfig | undefined, byTag: boolean): Endpoint[] {
  const server = hosts?.server;
  if (!server) return [{ host: ref.endpoint, repository: ref.repository, apiPath: '/v2', canResolveTags: true, isMirror: false }];
  if (byTag && !server.canResolveTags) return [];
  return [{ host: server.url.host, repository: ref.repository, apiPath: apiPathOf(server.url, server.overridePath), scheme: scheme(server.url), canResolveTags: server.canResolveTags, isMirror: false }];
}
