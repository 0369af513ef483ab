/** An OCI platform, normalized the way containerd matches it against a node. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows build, e.g. 10.0.20348 (ltsc2022); kept because Windows nodes match on it. */
  osVersion?: string;
}

export interface RawPlatform {
  os?: unknown;
  architecture?: unknown;
  variant?: unknown;
  'os.version'?: unknown;
  osVersion?: unknown;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function withV(variant: string): string {
  return /^\d+$/.test(variant) ? `v${variant}` : variant;
}

/** Maps architecture aliases and default variants to containerd's canonical form. */
export function normalizeArchitecture(architecture: string, variant: string): { architecture: string; variant: string } {
  const arch = architecture.toLowerCase();
  const v = withV(variant.toLowerCase());
  switch (arch) {
    case 'i386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      // amd64/v1 is plain amd64; v2–v4 are microarchitecture levels worth keeping.
      return { architecture: 'amd64', variant: v === 'v1' ? '' : v };
    case 'aarch64':
    case 'arm64':
      return { architecture: 'arm64', variant: v === 'v8' ? '' : v };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      return { architecture: 'arm', variant: v === '' ? 'v7' : v };
    default:
      return { architecture: arch, variant: v };
  }
}

export function normalizePlatform(raw: RawPlatform): Platform {
  const os = str(raw.os).toLowerCase();
  const { architecture, variant } = normalizeArchitecture(str(raw.architecture), str(raw.variant));
  const platform: Platform = { os, architecture };
  if (variant) platform.variant = variant;
  const osVersion = str(raw['os.version']) || str(raw.osVersion);
  if (osVersion) platform.osVersion = osVersion;
  return platform;
}

/** `linux/arm/v7`; the os.version is not part of the string (as in `docker --platform`). */
export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s).join('/');
}

/** Parses `os/arch[/variant]` or a bare `arch` (linux assumed), normalized. */
export function parsePlatformString(s: string): Platform {
  const parts = s.trim().split('/');
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0] });
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

/** buildx attestations and other non-runnable index entries. */
export function isUnknownPlatform(p: Platform): boolean {
  return p.os === 'unknown' || p.architecture === 'unknown' || p.os === '' || p.architecture === '';
}

/** GOOS/GOARCH-style names (`linux`, `arm64`, `ppc64le`, `mips64le`) and variants (`v7`, `v8.2`): what a node label can carry. */
const PLATFORM_NAME = /^[a-z0-9][a-z0-9_]*$/;
const VARIANT_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Whether a normalized platform's os, architecture and variant are names at all. A registry (or a careless image
 * builder) can write anything into a config or an index label; `ob!b3au` or `linux/amd64` as an architecture is
 * no platform a node runs, and must never reach a node affinity or an audit as if it were one.
 */
export function hasPlatformNames(p: Platform): boolean {
  return PLATFORM_NAME.test(p.os) && PLATFORM_NAME.test(p.architecture) && (p.variant === undefined || VARIANT_NAME.test(p.variant));
}

export function comparePlatforms(a: Platform, b: Platform): number {
  return platformString(a).localeCompare(platformString(b)) || (a.osVersion ?? '').localeCompare(b.osVersion ?? '');
}

/** Sorted, de-duplicated platforms. */
export function uniquePlatforms(platforms: Platform[]): Platform[] {
  const seen = new Map<string, Platform>();
  for (const p of platforms) seen.set(`${platformString(p)}|${p.osVersion ?? ''}`, p);
  return [...seen.values()].sort(comparePlatforms);
}

/**
 * The `kubernetes.io/arch` values a set of platforms can run on, for one OS.
 * Variants are dropped: node labels carry only GOARCH.
 */
export function nodeArchitectures(platforms: Platform[], os = 'linux'): string[] {
  // Registry-supplied lists can be long: a Set keeps that linear.
  if (platforms.length > 16) return [...new Set(platforms.filter((p) => p.os === os).map((p) => p.architecture))].sort();
  // The usual few: one array, no filter/map/Set chain (this runs per image per admission).
  const archs: string[] = [];
  for (const p of platforms) if (p.os === os && !archs.includes(p.architecture)) archs.push(p.architecture);
  return archs.sort();
}
