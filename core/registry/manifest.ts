import { ArchcheckError } from '../errors.js';
import { normalizePlatform, type Platform, type RawPlatform } from '../platform.js';
import { IMAGE_CONFIG_TYPES, MediaTypes } from './media-types.js';

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: RawPlatform;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export type ManifestDocument =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'manifest'; mediaType: string; config: Descriptor; artifactType?: string }
  | { kind: 'schema1'; mediaType: string; architecture: string };

function baseType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function isDescriptor(v: unknown): v is Descriptor {
  return typeof v === 'object' && v !== null && typeof (v as Descriptor).digest === 'string';
}

/**
 * Classifies a manifest by Content-Type, then by the body's `mediaType`, then by its shape, because registries
 * and proxies answer with `application/json` or omit the type.
 */
export function parseManifest(body: Buffer, contentType: string | null, where: string): ManifestDocument {
  const doc = manifestObject(body, where);
  const header = baseType(contentType);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : '';
  const known = new Set<string>(Object.values(MediaTypes));
  const mediaType = known.has(header) ? header : known.has(declared) ? declared : shapeType(doc);
  return documentOf(doc, mediaType, header || declared, where);
}

function manifestObject(body: Buffer, where: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: manifest is not valid JSON (${(e as Error).message})`);
  }
}

/** The document for a classified media type; `named` is the type the registry claimed, for the error. */
function documentOf(doc: Record<string, unknown>, mediaType: string, named: string, where: string): ManifestDocument {
  switch (mediaType) {
    case MediaTypes.ociIndex:
    case MediaTypes.dockerManifestList: {
      const manifests = Array.isArray(doc.manifests) ? doc.manifests.filter(isDescriptor) : [];
      return { kind: 'index', mediaType, manifests };
    }
    case MediaTypes.ociManifest:
    case MediaTypes.dockerManifest: {
      if (!isDescriptor(doc.config)) throw new ArchcheckError('BAD_RESPONSE', `${where}: manifest has no config descriptor`);
      const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : undefined;
      return { kind: 'manifest', mediaType, config: doc.config, ...(artifactType && { artifactType }) };
    }
    case MediaTypes.dockerSchema1:
    case MediaTypes.dockerSchema1Signed:
      return { kind: 'schema1', mediaType, architecture: typeof doc.architecture === 'string' ? doc.architecture : '' };
    default:
      throw new ArchcheckError('BAD_RESPONSE', `${where}: unrecognized manifest type "${named || 'none'}"`);
  }
}

function shapeType(doc: Record<string, unknown>): string {
  if (doc.schemaVersion === 1) return MediaTypes.dockerSchema1;
  if (Array.isArray(doc.manifests)) return MediaTypes.ociIndex;
  if (isDescriptor(doc.config)) return MediaTypes.ociManifest;
  return '';
}

/** Index entries that are not runnable images: buildx attestations, signatures referenced by annotation. */
export function isAttestation(d: Descriptor): boolean {
  const refType = d.annotations?.['vnd.docker.reference.type'];
  if (refType !== undefined) return true;
  const p = d.platform;
  return p !== undefined && p.os === 'unknown' && p.architecture === 'unknown';
}

/** A manifest is a runnable image only when its config is an image config. Helm charts, SBOMs, signatures are not. */
export function isImageManifest(m: Extract<ManifestDocument, { kind: 'manifest' }>): boolean {
  const configType = (m.config.mediaType ?? '').toLowerCase();
  return IMAGE_CONFIG_TYPES.has(configType) && (m.artifactType === undefined || m.artifactType === '');
}

/** Platform from an image config blob (`architecture`, `os`, `variant`, `os.version`). */
export function platformFromConfig(body: Buffer, where: string): Platform {
  let cfg: RawPlatform;
  try {
    cfg = JSON.parse(body.toString('utf8')) as RawPlatform;
  } catch (e) {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: image config is not valid JSON (${(e as Error).message})`);
  }
  const platform = normalizePlatform(cfg);
  if (!platform.os || !platform.architecture) {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: image config names no os/architecture`);
  }
  return platform;
}
