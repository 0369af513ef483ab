import { parseReference } from '../reference.js';

/**
 * An operator's statement about images whose manifests lie or that carry only data:
 * `archs: ['amd64']` replaces what the registry says; `archs: 'any'` means the image runs anywhere.
 */
export interface ImageOverride {
  pattern: string;
  archs: string[] | 'any';
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** `**` matches anything (including `/`), `*` anything within one path component. */
function globToRegExp(glob: string): RegExp {
  const parts = glob.split('**').map((p) => p.split('*').map(escapeRegExp).join('[^/]*'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/** Splits `name[:tag][@digest]` without mistaking a registry port for a tag. */
function splitPattern(pattern: string): { name: string; tag?: string; digest?: string } {
  let name = pattern;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at !== -1) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  return { name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** Applies Docker's defaults to a name pattern: `nginx` → `docker.io/library/nginx`, `bitnami/*` → `docker.io/bitnami/*`. */
function normalizeNamePattern(name: string): string {
  const slash = name.indexOf('/');
  const first = slash === -1 ? name : name.slice(0, slash);
  if (first.startsWith('*')) return name;
  const looksLikeHost = slash !== -1 && (/[.:]/.test(first) || first === 'localhost');
  if (!looksLikeHost) return slash === -1 ? `docker.io/library/${name}` : `docker.io/${name}`;
  const rest = name.slice(slash + 1);
  if (DOCKER_HUB_ALIASES.has(first.toLowerCase())) return rest.includes('/') ? `docker.io/${rest}` : `docker.io/library/${rest}`;
  return name;
}

/**
 * Whether an image reference matches an override pattern.
 *
 * Patterns are references with globs, normalized like references (`nginx` means `docker.io/library/nginx`):
 * - `*` matches within one path component, `**` across components (so `**` + `/pause` matches any registry's pause);
 * - without a tag or digest the pattern matches every tag and digest of the repository;
 * - `:1.*` globs the tag; `@sha256:…` must equal the reference's digest.
 * An invalid reference matches nothing.
 */
export function matchImageOverride(pattern: string, reference: string): boolean {
  let ref;
  try {
    ref = parseReference(reference);
  } catch {
    return false;
  }
  const p = splitPattern(pattern.trim());
  if (!globToRegExp(normalizeNamePattern(p.name)).test(`${ref.registry}/${ref.repository}`)) return false;
  if (p.digest !== undefined && p.digest !== ref.digest) return false;
  if (p.tag !== undefined && (ref.tag === undefined || !globToRegExp(p.tag).test(ref.tag))) return false;
  return true;
}

/** The first override whose pattern matches the reference (operators list specific patterns first). */
export function findImageOverride(overrides: readonly ImageOverride[], reference: string): ImageOverride | undefined {
  return overrides.find((o) => matchImageOverride(o.pattern, reference));
}

const ARCH_NAME = /^[a-z0-9][a-z0-9_]*$/;

/**
 * Parses `PATTERN=ARCHS|any` (ARCHS comma-separated, e.g. `docker.io/library/busybox=amd64,arm64`).
 * Throws an Error whose message says what is wrong; callers add where the value came from.
 */
export function parseImageOverride(text: string): ImageOverride {
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new Error(`"${text}" is not PATTERN=ARCHS or PATTERN=any (e.g. docker.io/library/busybox=amd64,arm64)`);
  const pattern = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim().toLowerCase();
  if (value === 'any') return { pattern, archs: 'any' };
  const archs = value.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const bad = archs.find((a) => !ARCH_NAME.test(a));
  if (archs.length === 0 || bad !== undefined) {
    throw new Error(`"${text}": the archs after "=" must be comma-separated names like amd64,arm64 or the word any`);
  }
  return { pattern, archs: [...new Set(archs)].sort() };
}
