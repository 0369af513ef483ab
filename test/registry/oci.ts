import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** Media types used by the fixtures (kept here, not imported from core, so fixtures stay an independent oracle). */
export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

/** Every manifest type a correct client asks for (see FIELD-NOTES: the Accept trap). */
export const FULL_MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
  MediaType.dockerSchema1Signed,
  MediaType.dockerSchema1,
].join(', ');

export type ManifestFormat = 'docker' | 'oci';

/** Platform fields as an image config carries them. */
export interface ConfigPlatform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

/** The `platform` object of an index descriptor. */
export interface DescriptorPlatform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: DescriptorPlatform;
  annotations?: Record<string, string>;
}

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

/** A manifest (image, artifact or index) ready to PUT. */
export interface Manifest {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

/** An image or artifact manifest plus the blobs it references. */
export interface BuiltImage extends Manifest {
  config: Blob;
  layers: Blob[];
}

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

function manifest(mediaType: string, body: unknown): Manifest {
  // Indented like `docker push` output; the bytes pushed are the bytes hashed.
  const bytes = Buffer.from(JSON.stringify(body, null, 3));
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

export function descriptorOf(item: Blob | Manifest): Descriptor {
  return { mediaType: item.mediaType, digest: item.digest, size: item.size };
}

/** A gzip of a few random bytes: a unique layer digest; nothing ever runs it. */
function randomLayer(mediaType: string): { layer: Blob; diffId: string } {
  const raw = randomBytes(32);
  return { layer: blob(mediaType, gzipSync(raw)), diffId: sha256Digest(raw) };
}

export interface ImageOptions {
  format?: ManifestFormat;
  annotations?: Record<string, string>;
  layers?: number;
}

export function buildImage(platform: ConfigPlatform, opts: ImageOptions = {}): BuiltImage {
  const format = opts.format ?? 'oci';
  const layerType = format === 'docker' ? MediaType.dockerLayer : MediaType.ociLayer;
  const layers = Array.from({ length: opts.layers ?? 1 }, () => randomLayer(layerType));
  const created = new Date().toISOString();
  // Shape of a real `docker inspect`-able config; platform fields are at the top level.
  const configBody: Record<string, unknown> = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    ...(platform['os.version'] ? { 'os.version': platform['os.version'] } : {}),
    created,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: platform.os === 'windows' ? ['cmd'] : ['/bin/sh'],
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: [{ created, created_by: 'archcheck test fixture' }],
  };
  const config = blob(format === 'docker' ? MediaType.dockerConfig : MediaType.ociConfig, Buffer.from(JSON.stringify(configBody)));
  const mediaType = format === 'docker' ? MediaType.dockerManifest : MediaType.ociManifest;
  const body = {
    schemaVersion: 2,
    mediaType,
    config: descriptorOf(config),
    layers: layers.map((l) => descriptorOf(l.layer)),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  };
  return { ...manifest(mediaType, body), config, layers: layers.map((l) => l.layer) };
}

/** A buildx attestation manifest (SBOM/provenance) for the image with `subjectDigest`. */
export function buildAttestation(subjectDigest: string): BuiltImage {
  const statement = blob(
    MediaType.inToto,
    Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: { sha256: subjectDigest.slice(7) } }] })),
  );
  const config = blob(
    MediaType.ociConfig,
    Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } })),
  );
  const body = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: descriptorOf(config),
    layers: [{ ...descriptorOf(statement), annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
  };
  return { ...manifest(MediaType.ociManifest, body), config, layers: [statement] };
}

/** A Helm chart as `helm push` stores it: not a runnable image. */
export function buildHelmChart(name: string, version: string): BuiltImage {
  const config = blob(MediaType.helmConfig, Buffer.from(JSON.stringify({ name, version, apiVersion: 'v2', description: 'archcheck fixture' })));
  const chart = blob(MediaType.helmChart, gzipSync(Buffer.from(`${name}-${version} ${randomBytes(8).toString('hex')}`)));
  const body = {
    schemaVersion: 2,
    config: descriptorOf(config),
    layers: [descriptorOf(chart)],
    annotations: { 'org.opencontainers.image.title': name, 'org.opencontainers.image.version': version },
  };
  return { ...manifest(MediaType.ociManifest, body), config, layers: [chart] };
}

export function buildIndex(entries: Descriptor[], format: ManifestFormat = 'oci'): Manifest {
  const mediaType = format === 'docker' ? MediaType.dockerManifestList : MediaType.ociIndex;
  return manifest(mediaType, { schemaVersion: 2, mediaType, manifests: entries });
}
