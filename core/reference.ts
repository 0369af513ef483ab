import { ArchcheckError } from './errors.js';

/** An image reference, normalized the way the container runtimes resolve it. */
export interface ImageReference {
  /** As given by the user. */
  original: string;
  /** Registry name as shown to users: `docker.io`, `myacr.azurecr.io`, `localhost:5000`. */
  registry: string;
  /** host[:port] that is actually contacted (`registry-1.docker.io` for Docker Hub). */
  endpoint: string;
  /** `library/nginx` */
  repository: string;
  tag?: string;
  digest?: string;
  /** `docker.io/library/nginx:latest`, `…:1.27@sha256:…` */
  canonical: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function invalid(ref: string, why: string): ArchcheckError {
  return new ArchcheckError('INVALID_REFERENCE', `invalid image reference "${ref}": ${why}`);
}

function isValidDomain(domain: string): boolean {
  const ipv6 = /^\[[0-9a-fA-F:.]+\](?::\d{1,5})?$/;
  if (ipv6.test(domain)) return true;
  const [host, port, ...rest] = domain.split(':');
  if (rest.length > 0 || !host) return false;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  return host.split('.').every((label) => HOST_LABEL.test(label));
}

/** The docker rule: the first component is a registry only if it has `.` or `:`, is `localhost`, or has upper case. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: DOCKER_HUB, remainder: name };
  const first = name.slice(0, slash);
  const looksLikeHost = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
  if (!looksLikeHost) return { domain: DOCKER_HUB, remainder: name };
  return { domain: first, remainder: name.slice(slash + 1) };
}

function validateDigest(ref: string, digest: string): void {
  const m = DIGEST.exec(digest);
  if (!m) throw invalid(ref, `digest "${digest}" is not of the form algorithm:hex`);
  const [, algorithm, hex] = m as unknown as [string, string, string];
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (want === undefined) throw invalid(ref, `digest algorithm "${algorithm}" is not supported (use sha256)`);
  if (hex.length !== want || !/^[a-f0-9]+$/.test(hex)) {
    throw invalid(ref, `${algorithm} digest must be ${want} lower-case hex characters, got ${hex.length}`);
  }
}

function splitTagAndDigest(ref: string, input: string): { name: string; tag?: string; digest?: string } {
  let name = input;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at !== -1) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    validateDigest(ref, digest);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, `tag "${tag}" may contain only letters, digits, '_', '.', '-' (max 128)`);
  }
  return { name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/**
 * Parses and normalizes an image reference: `nginx` → `docker.io/library/nginx:latest` served from
 * `registry-1.docker.io`. A reference with both tag and digest is fetched by digest; the tag is kept only for display.
 */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  checkInput(input, ref);
  const { name, tag, digest } = splitTagAndDigest(ref, ref);
  const { domain, repository } = normalizeName(ref, name);
  const effectiveTag = tag ?? (digest === undefined ? 'latest' : undefined);
  const canonical = `${domain}/${repository}${effectiveTag !== undefined ? `:${effectiveTag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return {
    original: input,
    registry: domain,
    endpoint: domain === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : domain,
    repository,
    ...(effectiveTag !== undefined && { tag: effectiveTag }),
    ...(digest !== undefined && { digest }),
    canonical,
  };
}

/** What a reference may never contain, whatever its parts. */
function checkInput(input: string, ref: string): void {
  if (ref === '') throw invalid(input, 'it is empty');
  if (/\s/.test(ref)) throw invalid(ref, 'it contains white space');
  if (ref.includes('://')) throw invalid(ref, 'drop the URL scheme (write host/repository:tag)');
}

/** The registry and repository of a name, with Docker Hub's aliases and `library/` applied and every part checked. */
function normalizeName(ref: string, name: string): { domain: string; repository: string } {
  const split = splitDomain(name);
  let domain = split.domain;
  let repository = split.remainder;
  if (!isValidDomain(domain)) throw invalid(ref, `registry host "${domain}" is not a valid host[:port]`);
  if (repository === '') throw invalid(ref, 'the repository name is missing');
  if (DOCKER_HUB_ALIASES.has(domain.toLowerCase())) {
    domain = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  for (const component of repository.split('/')) {
    if (component !== component.toLowerCase()) throw invalid(ref, `repository "${repository}" must be lower case`);
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(ref, `repository component "${component}" may contain only a-z, 0-9 and single separators . _ __ -`);
    }
  }
  if (domain.length + 1 + repository.length > MAX_NAME_LENGTH) throw invalid(ref, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  return { domain, repository };
}

/** Host without port, lower case, brackets stripped from IPv6. */
export function hostOf(hostPort: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(hostPort);
  if (v6) return v6[1]!.toLowerCase();
  return hostPort.split(':')[0]!.toLowerCase();
}
