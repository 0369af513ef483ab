import { ArchcheckError, toArchcheckError } from '../errors.js';
import { hasPlatformNames, isUnknownPlatform, normalizePlatform, platformString, uniquePlatforms, type Platform } from '../platform.js';
import { isAttestation, isImageManifest, type Descriptor, type ManifestDocument } from './manifest.js';
import { MediaTypes } from './media-types.js';

/**
 * Work one image may cause. A hostile or careless index (10,000 entries, indexes nested in indexes) would otherwise
 * turn one admission into thousands of registry requests, again on every admission: an amplifier against registries.
 */
export interface WorkLimits {
  /** Platform entries considered per index (attestations and non-manifest entries are skipped, not counted). */
  maxIndexEntries: number;
  /** Index levels: 1 = an index of images; 2 = an index may hold indexes of images. */
  maxIndexDepth: number;
  /** Child manifests and config blobs looked at for one image, cached or not (so the answer never depends on the cache). */
  maxChildFetches: number;
}

export const defaultWorkLimits: WorkLimits = { maxIndexEntries: 64, maxIndexDepth: 3, maxChildFetches: 128 };

export interface Resolution {
  platforms: Platform[];
  findings: string[];
}

/** How the walk reaches children; the client supplies caching, auth and digest checks. */
export interface ChildSource {
  manifest(digest: string): Promise<ManifestDocument>;
  configPlatform(digest: string): Promise<Platform>;
  /** A child's resolution by digest, cached by the client. */
  resolveChild(digest: string, doc: ManifestDocument, walk: IndexWalk, depth: number): Promise<Resolution>;
}

/** Entry types that can be a runnable image (or an index of them); anything else is skipped without a fetch. */
const MANIFEST_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociIndex, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.dockerManifest]);

/** The index entries worth looking at: attestations (`unknown/unknown`, `vnd.docker.reference.type`) and unknown media types are not. */
export function platformEntries(manifests: readonly Descriptor[]): Descriptor[] {
  return manifests.filter((d) => !isAttestation(d) && (d.mediaType === undefined || MANIFEST_TYPES.has(d.mediaType.toLowerCase())));
}

export function limitError(name: string, registry: string, what: string, limit: string): ArchcheckError {
  return new ArchcheckError('LIMIT_EXCEEDED', `${name}: ${what}, more than archcheck looks at for one image (${limit}); the image is left unresolved: use --image-override for it`, {
    registry,
  });
}

/** Resolves one image's platforms within its WorkLimits; one walk per image lookup. */
export class IndexWalk {
  private fetches = 0;

  constructor(
    private readonly source: ChildSource,
    private readonly limits: WorkLimits,
    private readonly image: { name: string; registry: string; verifyPlatforms: boolean; verifyPlatformsOf?: readonly string[] | undefined },
  ) {}

  private spend(): void {
    this.fetches++;
    if (this.fetches > this.limits.maxChildFetches) {
      throw limitError(this.image.name, this.image.registry, `it needs more than ${this.limits.maxChildFetches} child manifests and configs`, `maxChildFetches ${this.limits.maxChildFetches}`);
    }
  }

  async resolveDocument(doc: ManifestDocument, depth: number): Promise<Resolution> {
    const { name, registry } = this.image;
    if (doc.kind === 'schema1') {
      throw new ArchcheckError(
        'UNSUPPORTED_SCHEMA1',
        `${name} is a Docker schema1 manifest (architecture "${doc.architecture || 'unknown'}"): containerd 2.1+ cannot pull it; rebuild and push it with a current builder`,
        { registry },
      );
    }
    if (doc.kind === 'manifest') {
      if (!isImageManifest(doc)) {
        const type = doc.artifactType || doc.config.mediaType || 'unknown';
        throw new ArchcheckError('NOT_AN_IMAGE', `${name} is an artifact (${type}), not a runnable container image`, { registry });
      }
      this.spend();
      const platform = await this.source.configPlatform(doc.config.digest);
      // An attestation (unknown/unknown), or a config whose os/architecture is "unknown" or not a name at all, runs nowhere.
      if (isUnknownPlatform(platform) || !hasPlatformNames(platform)) {
        throw new ArchcheckError('NOT_AN_IMAGE', `${name}: its image config names platform ${JSON.stringify(platformString(platform))}, which no node runs (an attestation, an artifact, or a broken config)`, { registry });
      }
      return { platforms: [platform], findings: [] };
    }
    if (depth >= this.limits.maxIndexDepth) {
      throw limitError(name, registry, `indexes nested more than ${this.limits.maxIndexDepth} levels deep`, `maxIndexDepth ${this.limits.maxIndexDepth}`);
    }
    const entries = platformEntries(doc.manifests);
    if (entries.length > this.limits.maxIndexEntries) {
      throw limitError(name, registry, `an index lists ${entries.length} platform entries`, `maxIndexEntries ${this.limits.maxIndexEntries}`);
    }
    const parts = await Promise.all(entries.map((entry) => this.resolveEntry(entry, depth)));
    const platforms = uniquePlatforms(parts.flatMap((p) => p.platforms).filter((p) => !isUnknownPlatform(p)));
    if (platforms.length === 0) {
      throw new ArchcheckError('NOT_AN_IMAGE', `${name}: the index lists no runnable platform (only attestations or artifacts)`, { registry });
    }
    return { platforms, findings: parts.flatMap((p) => p.findings) };
  }

  /** Whether a child labelled `declared` is checked against its config (see RegistryOptions.verifyPlatformsOf). */
  private verifies(declared: Platform): boolean {
    const only = this.image.verifyPlatformsOf;
    return this.image.verifyPlatforms && (!only || only.includes(`${declared.os}/${declared.architecture}`));
  }

  private async resolveEntry(entry: Descriptor, depth: number): Promise<Resolution> {
    const isIndex = /index|list/.test(entry.mediaType ?? '');
    const label = entry.platform && !isIndex ? normalizePlatform(entry.platform) : undefined;
    if (label && isUnknownPlatform(label)) return { platforms: [], findings: [] };
    // A label that is not a platform name says nothing: the child's config is asked instead.
    const declared = label && hasPlatformNames(label) ? label : undefined;
    if (declared && !this.verifies(declared)) return { platforms: [declared], findings: [] };
    // No platform on the entry (docker manifest create, kaniko), a nested index, or verification: ask the child.
    this.spend();
    const child = await this.source.manifest(entry.digest);
    let actual: Resolution;
    try {
      actual = await this.source.resolveChild(entry.digest, child, this, depth + 1);
    } catch (e) {
      const err = toArchcheckError(e);
      if (err.code === 'NOT_AN_IMAGE') return { platforms: [], findings: [] };
      throw err;
    }
    if (!declared || child.kind !== 'manifest') return actual;
    return checkedAgainstLabel(declared, actual, entry.digest);
  }
}

/** An index label checked against the child's config: the config is what the node will run; the label is only a claim. */
function checkedAgainstLabel(declared: Platform, actual: Resolution, digest: string): Resolution {
  const fromConfig = actual.platforms[0];
  if (fromConfig && platformString(fromConfig) !== platformString(declared)) {
    const finding = `platform-mismatch: index says ${platformString(declared)}, image config says ${platformString(fromConfig)} (${digest})`;
    return { platforms: actual.platforms, findings: [...actual.findings, finding] };
  }
  return { platforms: [{ ...declared, ...(fromConfig?.osVersion && { osVersion: fromConfig.osVersion }) }], findings: actual.findings };
}
