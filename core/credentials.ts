import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ArchcheckError } from './errors.js';
import { canonicalHostPort } from './ip-address.js';
import type { ImageReference } from './reference.js';

/**
 * A credential for one registry, as found in a Docker config.json or a Kubernetes pull secret. Immutable once made:
 * its fingerprint is remembered per object (credentialFingerprint).
 */
export type Credential =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token (docker config `identitytoken`), exchanged at the token realm. */
  | { readonly kind: 'identityToken'; readonly token: string }
  /** A bearer token used as is (docker config `registrytoken`). */
  | { readonly kind: 'registryToken'; readonly token: string };

/** A credential together with the config key it was stored under (`https://index.docker.io/v1/`, `myregistry.io/team`, `*.azurecr.io`). */
export interface KeyedCredential {
  key: string;
  credential: Credential;
  /** Where it came from, for error messages: `pull secret default/regcred`, `~/.docker/config.json`. Never the secret itself. */
  source: string;
}

interface DockerAuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}

function credentialFromEntry(entry: DockerAuthEntry): Credential | undefined {
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) return { kind: 'identityToken', token: entry.identitytoken };
  if (typeof entry.registrytoken === 'string' && entry.registrytoken) return { kind: 'registryToken', token: entry.registrytoken };
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username) {
    return { kind: 'basic', username: entry.username, password: entry.password };
  }
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/**
 * Reads credentials from a Docker config.json (`{"auths":{…}}`) or a legacy `.dockercfg` (the auths map itself),
 * the two shapes Kubernetes pull secrets carry. Entries without a usable credential are skipped.
 */
export function parseDockerConfig(json: string, source: string): KeyedCredential[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new ArchcheckError('BAD_RESPONSE', `${source}: not valid JSON (${(e as Error).message}); expected a Docker config.json`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ArchcheckError('BAD_RESPONSE', `${source}: expected a JSON object with "auths"`);
  }
  const record = doc as Record<string, unknown>;
  const auths = (typeof record.auths === 'object' && record.auths !== null ? record.auths : record) as Record<string, unknown>;
  const out: KeyedCredential[] = [];
  for (const [key, value] of Object.entries(auths)) {
    if (key === 'auths' || key === 'credHelpers' || key === 'credsStore' || typeof value !== 'object' || value === null) continue;
    const credential = credentialFromEntry(value as DockerAuthEntry);
    if (credential) out.push({ key, credential, source });
  }
  return out;
}

/**
 * THE pull-secret decoder: the Docker config a Kubernetes pull secret carries in its data (`.dockerconfigjson`, or the
 * legacy `.dockercfg`), base64 as the API returns it. Undefined when the secret carries neither key, so a caller can
 * say so; a key whose content is not a Docker config throws with `source` named.
 */
export function decodePullSecret(data: Readonly<Record<string, string>> | undefined, source: string): KeyedCredential[] | undefined {
  const encoded = data?.['.dockerconfigjson'] ?? data?.['.dockercfg'];
  if (!encoded) return undefined;
  return parseDockerConfig(Buffer.from(encoded, 'base64').toString('utf8'), source);
}

export function defaultDockerConfigPath(): string {
  const dir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  return join(dir, 'config.json');
}

/** Credentials from a Docker config file; a missing default file means "no credentials", a missing explicit one is an error. */
export async function loadDockerConfigFile(path?: string): Promise<KeyedCredential[]> {
  const file = path ?? defaultDockerConfigPath();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (path === undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ArchcheckError('BAD_RESPONSE', `cannot read registry config ${file}: ${(e as Error).message}`);
  }
  return parseDockerConfig(text, file);
}

const DOCKER_HUB_KEYS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io', 'index.docker.io/v1', 'registry-1.docker.io/v1']);

interface ParsedKey {
  hostPattern: string[];
  port: string;
  path: string;
}

/** Normalizes a config key (`https://index.docker.io/v1/`, `myreg.io:5000/team`, `*.azurecr.io`) like kubelet does. */
function parseKey(key: string): ParsedKey {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  if (DOCKER_HUB_KEYS.has(k.toLowerCase())) k = 'docker.io';
  const slash = k.indexOf('/');
  // IP literals compare in one spelling: a key for 127.0.0.1:5000 is the key for [::ffff:7f00:1]:5000.
  const hostPort = canonicalHostPort(slash === -1 ? k : k.slice(0, slash));
  const path = slash === -1 ? '' : k.slice(slash + 1);
  const colon = hostPort.endsWith(']') ? -1 : hostPort.lastIndexOf(':');
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const port = colon === -1 ? '' : hostPort.slice(colon + 1);
  return { hostPattern: host.toLowerCase().split('.'), port, path };
}

function hostMatches(pattern: string[], host: string[]): boolean {
  if (pattern.length !== host.length) return false;
  return pattern.every((label, i) => {
    const target = host[i]!;
    if (!label.includes('*')) return label === target;
    const re = new RegExp(`^${label.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*')}$`);
    return re.test(target);
  });
}

function pathMatches(keyPath: string, repository: string): boolean {
  if (keyPath === '') return true;
  return repository === keyPath || repository.startsWith(`${keyPath}/`);
}

/** How specific a key is, so the most specific match is tried first (kubelet's order). */
function specificity(k: ParsedKey): number {
  return k.path.length * 1000 + k.hostPattern.join('.').replace(/\*/g, '').length * 10 + (k.port ? 1 : 0);
}

/**
 * The credentials that apply to a reference, most specific key first, kubelet-style: host (with `*` globs per
 * label), port when the key names one, and path prefix. Every match is returned; the caller tries each, then anonymous.
 */
export function matchCredentials(credentials: KeyedCredential[], ref: Pick<ImageReference, 'registry' | 'repository'>): KeyedCredential[] {
  const registry = canonicalHostPort(ref.registry);
  const colon = registry.lastIndexOf(':');
  const hasPort = colon !== -1 && !registry.endsWith(']');
  const host = (hasPort ? registry.slice(0, colon) : registry).split('.');
  const port = hasPort ? registry.slice(colon + 1) : '';
  return credentials
    .map((c) => ({ c, k: parseKey(c.key) }))
    .filter(({ k }) => hostMatches(k.hostPattern, host) && k.port === port && pathMatches(k.path, ref.repository))
    .sort((a, b) => specificity(b.k) - specificity(a.k))
    .map(({ c }) => c);
}

/** Fingerprints by credential object: a lookup with pull secrets asks for each one's several times per image. */
const fingerprints = new WeakMap<Credential, string>();

/** A stable, non-reversible identity for a credential, for cache keys. */
export function credentialFingerprint(c: Credential | undefined): string {
  if (!c) return 'anonymous';
  let fingerprint = fingerprints.get(c);
  if (fingerprint === undefined) {
    const material = c.kind === 'basic' ? `${c.username}\0${c.password}` : c.token;
    // A hash keeps secrets out of cache keys and logs.
    fingerprint = `${c.kind}:${createHash('sha256').update(material).digest('hex').slice(0, 24)}`;
    fingerprints.set(c, fingerprint);
  }
  return fingerprint;
}
