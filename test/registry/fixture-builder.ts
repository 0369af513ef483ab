import {
  normalizePlatform,
  platformString,
  uniquePlatforms,
  type Platform,
  type RawPlatform,
} from '../../core/platform.js';
import {
  buildAttestation,
  buildImage,
  buildIndex,
  descriptorOf,
  type BuiltImage,
  type ConfigPlatform,
  type Descriptor,
  type DescriptorPlatform,
  type ManifestFormat,
} from './oci.js';
import { PushClient, type PushTarget } from './push-client.js';

// ---------------------------------------------------------------------------
// Specs: what a test asks for.

export interface ImageSpec {
  kind: 'image';
  config: ConfigPlatform;
  format?: ManifestFormat;
  annotations?: Record<string, string>;
}

export interface IndexSpec {
  kind: 'index';
  format?: ManifestFormat;
  entries: EntrySpec[];
  /** Add a buildx attestation manifest after each image entry (as `docker buildx build --attest` does). */
  attestations?: boolean;
}

export interface EntrySpec {
  node: ImageSpec | IndexSpec;
  /**
   * The descriptor's `platform`. Default: the image's config platform (nested indexes get
   * none). `null` writes no platform field, as kaniko and some manifest tools do.
   * A different value makes the index lie about the image.
   */
  label?: DescriptorPlatform | null;
}

export type NodeSpec = ImageSpec | IndexSpec;

// ---------------------------------------------------------------------------
// Results: what was pushed, and what a correct resolver should answer.

/** One entry of a pushed index, in descriptor order. */
export interface PushedEntry {
  digest: string;
  mediaType: string;
  /** The descriptor's platform as written; undefined when the entry has none. */
  label: DescriptorPlatform | undefined;
  attestation: boolean;
  node: PushedNode;
}

export interface PushedNode {
  kind: 'image' | 'index' | 'artifact';
  digest: string;
  mediaType: string;
  size: number;
  /** Platform fields of the config blob (images only). */
  config: ConfigPlatform | undefined;
  entries: PushedEntry[];
}

/** An index entry whose label disagrees with the image's own config. */
export interface PlatformMismatch {
  digest: string;
  /** Normalized label, e.g. `linux/arm64`. */
  labelled: string;
  /** Normalized config platform, e.g. `linux/amd64`. */
  actual: string;
}

export type ExpectedErrorCode = 'NOT_FOUND' | 'NOT_AN_IMAGE' | 'UNAUTHORIZED';

export interface Expectation {
  /** Platforms from the image configs (the truth): attestations excluded, normalized, sorted, Windows os.version kept. */
  platforms: Platform[];
  /** Sorted, de-duplicated `os/arch[/variant]` strings of `platforms`. */
  platformStrings: string[];
  /** True when ≥ 2 distinct Linux architectures run it. */
  multiArch: boolean;
  /** What index labels claim (unverified), resolving unlabelled entries through their configs. */
  labelledPlatformStrings: string[];
  mismatches: PlatformMismatch[];
  /** The error a resolver should report instead of platforms, if any. */
  error: ExpectedErrorCode | undefined;
}

export interface ImageFixture {
  id: string;
  description: string;
  repository: string;
  tag: string;
  /** `host/repo:tag` */
  ref: string;
  /** Digest of the top-level manifest the tag points to. */
  digest: string;
  /** `host/repo@digest` of the top-level manifest. */
  digestRef: string;
  /** `host/repo@digest` of one runnable child (the arm64 one when there is one); undefined for single manifests. */
  childDigestRef: string | undefined;
  mediaType: string;
  /** The pushed tree, for tests that need child digests. */
  root: PushedNode;
  /** Pulling needs credentials even where anonymous pulls are allowed (token mode). */
  privateRepository: boolean;
  expected: Expectation;
}

// ---------------------------------------------------------------------------
// Expectations, computed from the pushed tree with core's normalizer.

function toRaw(p: ConfigPlatform | DescriptorPlatform): RawPlatform {
  return { os: p.os, architecture: p.architecture, variant: p.variant, 'os.version': p['os.version'] };
}

/** Platforms the configs declare: the truth a verifying resolver reports. */
function truePlatforms(node: PushedNode): Platform[] {
  if (node.kind === 'image') return node.config ? [normalizePlatform(toRaw(node.config))] : [];
  return node.entries.filter((e) => !e.attestation).flatMap((e) => truePlatforms(e.node));
}

/** Platforms as labelled; an entry without a label is resolved through its child. */
function labelledPlatforms(node: PushedNode): Platform[] {
  if (node.kind !== 'index') return truePlatforms(node);
  return node.entries
    .filter((e) => !e.attestation)
    .flatMap((e) => (e.label ? [normalizePlatform(toRaw(e.label))] : labelledPlatforms(e.node)));
}

function mismatches(node: PushedNode): PlatformMismatch[] {
  return node.entries.flatMap((e) => {
    const nested = mismatches(e.node);
    if (!e.label || e.attestation || e.node.kind !== 'image' || !e.node.config) return nested;
    const labelled = platformString(normalizePlatform(toRaw(e.label)));
    const actual = platformString(normalizePlatform(toRaw(e.node.config)));
    return labelled === actual ? nested : [{ digest: e.digest, labelled, actual }, ...nested];
  });
}

function strings(platforms: Platform[]): string[] {
  return [...new Set(platforms.map(platformString))].sort();
}

export function expectationFor(node: PushedNode): Expectation {
  if (node.kind === 'artifact') {
    return { platforms: [], platformStrings: [], multiArch: false, labelledPlatformStrings: [], mismatches: [], error: 'NOT_AN_IMAGE' };
  }
  const platforms = uniquePlatforms(truePlatforms(node));
  const linuxArchs = new Set(platforms.filter((p) => p.os === 'linux').map((p) => p.architecture));
  return {
    platforms,
    platformStrings: strings(platforms),
    multiArch: linuxArchs.size >= 2,
    labelledPlatformStrings: strings(labelledPlatforms(node)),
    mismatches: mismatches(node),
    error: undefined,
  };
}

/** The runnable child a "digest reference to a child" test should use: arm64 if any, else the first. */
function pickChild(node: PushedNode): PushedNode | undefined {
  const images: PushedNode[] = [];
  const walk = (n: PushedNode): void => {
    for (const e of n.entries) {
      if (e.attestation) continue;
      if (e.node.kind === 'image') images.push(e.node);
      else walk(e.node);
    }
  };
  walk(node);
  return images.find((n) => n.config && normalizePlatform(toRaw(n.config)).architecture === 'arm64') ?? images[0];
}

// ---------------------------------------------------------------------------
// Builder.

export interface FixtureBuilderOptions {
  /** Host written into references (e.g. a proxy's or mirror's); default the target's host. */
  refHost?: string;
  /** Prepended to every repository, e.g. `docker-hub/` for mirror path-prefix tests. */
  repoPrefix?: string;
  /** Which repositories need credentials to pull (only informs `privateRepository`). */
  isPrivate?: (repository: string) => boolean;
}

export interface PushOptions {
  id?: string;
  description?: string;
}

type StoredManifest = Pick<BuiltImage, 'bytes' | 'mediaType' | 'digest' | 'size'>;

/** Pushes images and indexes built from specs, and describes what it pushed. */
export class FixtureBuilder {
  readonly client: PushClient;
  readonly host: string;
  private readonly prefix: string;
  private readonly isPrivate: (repository: string) => boolean;
  /** Bytes of every manifest pushed, by `repo@digest`, so tags can be re-pointed later. */
  private readonly manifests = new Map<string, StoredManifest>();

  constructor(target: PushTarget & { isPrivate?: (repository: string) => boolean }, opts: FixtureBuilderOptions = {}) {
    this.client = new PushClient(target);
    this.host = opts.refHost ?? target.host ?? new URL(target.url).host;
    this.prefix = opts.repoPrefix ?? '';
    this.isPrivate = opts.isPrivate ?? target.isPrivate ?? ((r) => /(^|\/)private\//.test(r));
  }

  /** The builder's prefix applied to a repository name. */
  repository(name: string): string {
    return `${this.prefix}${name}`;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async pushManifest(repository: string, reference: string, manifest: StoredManifest): Promise<void> {
    await this.client.pushManifest(repository, reference, manifest);
    this.manifests.set(`${repository}@${manifest.digest}`, manifest);
  }

  private async pushImage(repository: string, image: BuiltImage): Promise<void> {
    await this.client.pushImage(repository, image);
    this.manifests.set(`${repository}@${image.digest}`, image);
  }

  /** Pushes a node by digest, children first (the registry checks that referenced manifests exist). */
  async pushNode(repository: string, spec: NodeSpec): Promise<PushedNode> {
    if (spec.kind === 'image') {
      const image = buildImage(spec.config, { format: spec.format ?? 'oci', annotations: spec.annotations });
      await this.pushImage(repository, image);
      return imageNode(image, 'image', spec.config);
    }
    // Children in parallel, descriptors in spec order.
    const children = await Promise.all(spec.entries.map((entry) => this.pushNode(repository, entry.node)));
    const attestations = await Promise.all(
      children.map(async (child) => {
        if (!spec.attestations || child.kind !== 'image') return undefined;
        const att = buildAttestation(child.digest);
        await this.pushImage(repository, att);
        return att;
      }),
    );
    const entries: PushedEntry[] = [];
    const descriptors: Descriptor[] = [];
    spec.entries.forEach((entry, i) => {
      const child = children[i] as PushedNode;
      const label = entry.label === null ? undefined : (entry.label ?? defaultLabel(entry.node));
      descriptors.push({ ...nodeDescriptor(child), ...(label ? { platform: label } : {}) });
      entries.push({ digest: child.digest, mediaType: child.mediaType, label, attestation: false, node: child });
      const att = attestations[i];
      if (att) {
        const attLabel = { architecture: 'unknown', os: 'unknown' };
        descriptors.push({
          ...descriptorOf(att),
          platform: attLabel,
          annotations: { 'vnd.docker.reference.digest': child.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
        });
        entries.push({ digest: att.digest, mediaType: att.mediaType, label: attLabel, attestation: true, node: imageNode(att, 'artifact', undefined) });
      }
    });
    const index = buildIndex(descriptors, spec.format ?? 'oci');
    await this.pushManifest(repository, index.digest, index);
    return { kind: 'index', digest: index.digest, mediaType: index.mediaType, size: index.size, config: undefined, entries };
  }

  /** Pushes `spec` and tags it `name:tag` (name gets the builder's prefix). */
  async push(name: string, tag: string, spec: NodeSpec, opts: PushOptions = {}): Promise<ImageFixture> {
    const repository = this.repository(name);
    const node = await this.pushNode(repository, spec);
    await this.retag(repository, tag, node.digest);
    return this.describe(repository, tag, node, opts);
  }

  /** Pushes a prebuilt image or artifact under `name:tag`. */
  async pushBuilt(
    name: string,
    tag: string,
    image: BuiltImage,
    described: { kind: 'image' | 'artifact'; config?: ConfigPlatform } & PushOptions,
  ): Promise<ImageFixture> {
    const repository = this.repository(name);
    await this.pushImage(repository, image);
    await this.retag(repository, tag, image.digest);
    return this.describe(repository, tag, imageNode(image, described.kind, described.config), described);
  }

  /** Points `repository:tag` at a manifest this builder pushed earlier. */
  async retag(repository: string, tag: string, digest: string): Promise<void> {
    const manifest = this.manifests.get(`${repository}@${digest}`);
    if (!manifest) throw new Error(`${repository}@${digest} was not pushed by this builder`);
    await this.pushManifest(repository, tag, manifest);
  }

  /** The fixture record for a pushed tree (does not touch the registry). */
  describe(repository: string, tag: string, root: PushedNode, opts: PushOptions = {}): ImageFixture {
    const child = root.kind === 'index' ? pickChild(root) : undefined;
    return {
      id: opts.id ?? `${repository}:${tag}`,
      description: opts.description ?? '',
      repository,
      tag,
      ref: `${this.host}/${repository}:${tag}`,
      digest: root.digest,
      digestRef: `${this.host}/${repository}@${root.digest}`,
      childDigestRef: child ? `${this.host}/${repository}@${child.digest}` : undefined,
      mediaType: root.mediaType,
      root,
      privateRepository: this.isPrivate(repository),
      expected: expectationFor(root),
    };
  }
}

function imageNode(image: BuiltImage, kind: 'image' | 'artifact', config: ConfigPlatform | undefined): PushedNode {
  return { kind, digest: image.digest, mediaType: image.mediaType, size: image.size, config, entries: [] };
}

function nodeDescriptor(node: PushedNode): Descriptor {
  return { mediaType: node.mediaType, digest: node.digest, size: node.size };
}

function defaultLabel(node: NodeSpec): DescriptorPlatform | undefined {
  return node.kind === 'image' ? { ...node.config } : undefined;
}
