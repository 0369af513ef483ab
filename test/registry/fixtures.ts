import { FixtureBuilder, type FixtureBuilderOptions, type ImageFixture, type IndexSpec, type ImageSpec } from './fixture-builder.js';
import { buildHelmChart, buildImage, type ConfigPlatform, type ManifestFormat } from './oci.js';
import { PushError, type PushTarget } from './push-client.js';

export * from './fixture-builder.js';
export { buildDockerConfig, writeDockerConfig, type DockerConfig } from './docker-config.js';

export interface MissingFixture {
  id: 'missing';
  repository: string;
  tag: string;
  ref: string;
  expected: { error: 'NOT_FOUND' };
}

export interface MovingTagFixture {
  repository: string;
  tag: string;
  ref: string;
  /** amd64-only Docker v2 manifest the tag starts on. */
  before: ImageFixture;
  /** Multi-arch OCI index (amd64 + arm64), pushed by digest up front so its expectations are known. */
  after: ImageFixture;
  /** The state the tag is in now. */
  current(): ImageFixture;
  /** Re-points the tag ('multi' → `after`, 'single' → `before`) and returns the new state. */
  moveTag(to?: 'multi' | 'single'): Promise<ImageFixture>;
}

export type BigManifestResult =
  | { pushed: true; fixture: ImageFixture; bytes: number }
  | { pushed: false; bytes: number; status: number; reason: string };

export interface Fixtures {
  /** Host written into every reference. */
  host: string;
  multi: ImageFixture;
  buildx: ImageFixture;
  singleAmd64: ImageFixture;
  singleArm64: ImageFixture;
  singleArmv7: ImageFixture;
  singleAarch64: ImageFixture;
  winMixed: ImageFixture;
  indexOne: ImageFixture;
  indexNested: ImageFixture;
  indexNoPlatform: ImageFixture;
  helmChart: ImageFixture;
  privateSecret: ImageFixture;
  lyingIndex: ImageFixture;
  lyingVariant: ImageFixture;
  movingTag: MovingTagFixture;
  bigManifest: BigManifestResult | undefined;
  missing: MissingFixture;
  /** Every ImageFixture above (moving tag in its `before` state; big manifest if pushed). */
  all: ImageFixture[];
}

// ---------------------------------------------------------------------------
// The standard catalogue (issues 2 and 8).

const linux = (architecture: string, variant?: string): ConfigPlatform => ({
  os: 'linux',
  architecture,
  ...(variant ? { variant } : {}),
});
const windows = (osVersion: string): ConfigPlatform => ({ os: 'windows', architecture: 'amd64', 'os.version': osVersion });
const image = (config: ConfigPlatform, format: ManifestFormat = 'oci'): ImageSpec => ({ kind: 'image', config, format });
const index = (format: ManifestFormat, images: ImageSpec[], extra: Partial<IndexSpec> = {}): IndexSpec => ({
  kind: 'index',
  format,
  entries: images.map((node) => ({ node })),
  ...extra,
});

// distribution 2.8 refuses manifest bodies over 4 MiB; one byte over is enough to find out.
const BIG_MANIFEST_PADDING = 4 * 1024 * 1024 + 1;

export interface StandardFixtureOptions extends FixtureBuilderOptions {
  /** Try the >4 MiB manifest (default true). */
  bigManifest?: boolean;
}

async function pushBigManifest(builder: FixtureBuilder): Promise<BigManifestResult> {
  const big = buildImage(linux('amd64'), { annotations: { 'org.archcheck.padding': 'x'.repeat(BIG_MANIFEST_PADDING) } });
  try {
    const fixture = await builder.pushBuilt('big/manifest', '1', big, {
      kind: 'image',
      config: linux('amd64'),
      id: 'bigManifest',
      description: 'OCI manifest over 4 MiB (annotation padding)',
    });
    return { pushed: true, fixture, bytes: big.size };
  } catch (err) {
    if (!(err instanceof PushError)) throw err;
    return { pushed: false, bytes: big.size, status: err.status, reason: err.message };
  }
}

async function pushMovingTag(builder: FixtureBuilder): Promise<MovingTagFixture> {
  const name = 'moving/tag';
  const tag = 'latest';
  const repository = builder.repository(name);
  const before = await builder.push(name, tag, image(linux('amd64'), 'docker'), {
    id: 'movingTag.before',
    description: 'moving/tag:latest before moveTag(): amd64-only Docker v2 manifest',
  });
  const afterNode = await builder.pushNode(repository, index('oci', [image(linux('amd64')), image(linux('arm64'))]));
  const after = builder.describe(repository, tag, afterNode, {
    id: 'movingTag.after',
    description: 'moving/tag:latest after moveTag(): OCI index amd64 + arm64',
  });
  let current = before;
  return {
    repository,
    tag,
    ref: before.ref,
    before,
    after,
    current: () => current,
    moveTag: async (to = 'multi') => {
      const next = to === 'multi' ? after : before;
      await builder.retag(repository, tag, next.digest);
      current = next;
      return next;
    },
  };
}

/**
 * Pushes the standard catalogue to `target` and returns what a correct resolver should
 * answer for each image. Expectations are derived from the pushed configs with core's
 * normalizer, never written out by hand. The builder's PushClient stays open (moveTag
 * uses it); it closes with the target's dispatcher or on process exit.
 */
export async function pushStandardFixtures(
  target: PushTarget & { isPrivate?: (repository: string) => boolean },
  opts: StandardFixtureOptions = {},
): Promise<Fixtures> {
  const b = new FixtureBuilder(target, opts);
  const [multi, buildx, singleAmd64, singleArm64, singleArmv7, singleAarch64, winMixed] = await Promise.all([
    b.push('library/multi', '1', index('docker', [
      image(linux('amd64'), 'docker'),
      image(linux('arm64', 'v8'), 'docker'),
      image(linux('arm', 'v7'), 'docker'),
      image(linux('386'), 'docker'),
    ]), { id: 'multi', description: 'official-image style Docker manifest list: amd64, arm64/v8, arm/v7, 386' }),
    b.push('buildx/app', '1', index('oci', [image(linux('amd64')), image(linux('arm64'))], { attestations: true }), {
      id: 'buildx',
      description: 'buildx OCI index: amd64, arm64 and an attestation manifest (unknown/unknown) for each',
    }),
    b.push('single/amd64', '1', image(linux('amd64'), 'docker'), { id: 'singleAmd64', description: 'Docker v2 manifest, config amd64' }),
    b.push('single/arm64', '1', image(linux('arm64')), { id: 'singleArm64', description: 'OCI manifest, config arm64 (only the config says so)' }),
    b.push('single/armv7', '1', image(linux('arm', 'v7'), 'docker'), { id: 'singleArmv7', description: 'Docker v2 manifest, config arm variant v7' }),
    b.push('single/aarch64', '1', image(linux('aarch64')), { id: 'singleAarch64', description: 'OCI manifest, config architecture "aarch64"' }),
    b.push('win/mixed', '1', index('docker', [
      image(windows('10.0.17763.6532'), 'docker'),
      image(windows('10.0.20348.2849'), 'docker'),
      image(linux('amd64'), 'docker'),
    ]), { id: 'winMixed', description: 'manifest list: windows/amd64 ltsc2019 and ltsc2022 (os.version), linux/amd64' }),
  ]);
  const [indexOne, indexNested, indexNoPlatform, helmChart, privateSecret, lyingIndex, lyingVariant] = await Promise.all([
    b.push('index/one', '1', index('oci', [image(linux('arm64'))]), { id: 'indexOne', description: 'single-entry OCI index: linux/arm64' }),
    b.push('index/nested', '1', {
      kind: 'index',
      format: 'oci',
      entries: [{ node: index('oci', [image(linux('amd64')), image(linux('arm64', 'v8'))]) }, { node: image(linux('ppc64le')) }],
    }, { id: 'indexNested', description: 'OCI index → [OCI index (amd64, arm64/v8), ppc64le image]; the nested entry has no platform' }),
    b.push('index/noplatform', '1', {
      kind: 'index',
      format: 'oci',
      entries: [image(linux('amd64')), image(linux('arm64', 'v8')), image(linux('arm'))].map((node) => ({ node, label: null })),
    }, { id: 'indexNoPlatform', description: 'OCI index whose entries have no platform field; configs: amd64, arm64/v8, arm (no variant)' }),
    b.pushBuilt('charts/mychart', '1.0.0', buildHelmChart('mychart', '1.0.0'), {
      kind: 'artifact',
      id: 'helmChart',
      description: 'Helm chart OCI artifact (config application/vnd.cncf.helm.config.v1+json)',
    }),
    b.push('private/secret', '1', index('oci', [image(linux('amd64')), image(linux('arm64'))]), {
      id: 'privateSecret',
      description: 'OCI index amd64 + arm64 in a repository that needs credentials',
    }),
    b.push('lying/index', '1', {
      kind: 'index',
      format: 'oci',
      entries: [{ node: image(linux('amd64')) }, { node: image(linux('amd64')), label: linux('arm64') }],
    }, { id: 'lyingIndex', description: 'OCI index: linux/amd64, and an entry labelled linux/arm64 whose config says amd64' }),
    b.push('lying/variant', '1', {
      kind: 'index',
      format: 'oci',
      entries: [{ node: image(linux('amd64')) }, { node: image(linux('arm', 'v6')), label: linux('arm', 'v7') }],
    }, { id: 'lyingVariant', description: 'OCI index: linux/amd64, and an entry labelled linux/arm/v7 whose config says arm/v6' }),
  ]);
  const movingTag = await pushMovingTag(b);
  const bigManifest = opts.bigManifest === false ? undefined : await pushBigManifest(b);
  const missingRepo = b.repository('library/multi');

  const all = [
    multi, buildx, singleAmd64, singleArm64, singleArmv7, singleAarch64, winMixed, indexOne, indexNested,
    indexNoPlatform, helmChart, privateSecret, lyingIndex, lyingVariant, movingTag.before,
    ...(bigManifest?.pushed ? [bigManifest.fixture] : []),
  ];
  return {
    host: b.host,
    multi, buildx, singleAmd64, singleArm64, singleArmv7, singleAarch64, winMixed, indexOne, indexNested,
    indexNoPlatform, helmChart, privateSecret, lyingIndex, lyingVariant, movingTag, bigManifest,
    missing: { id: 'missing', repository: missingRepo, tag: 'nope', ref: `${b.host}/${missingRepo}:nope`, expected: { error: 'NOT_FOUND' } },
    all,
  };
}
