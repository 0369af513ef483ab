export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/**
 * Sent on every manifest request. Without the index types, CNCF distribution answers a manifest list with its
 * amd64 child (or a schema1 conversion), and the image silently looks single-arch.
 */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
  MediaTypes.dockerSchema1Signed,
  MediaTypes.dockerSchema1,
].join(', ');

export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociConfig, MediaTypes.dockerConfig]);
