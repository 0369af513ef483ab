/**
 * Registry-response fuzzing: a world of real-looking images (configs with arbitrary platform fields, manifests,
 * indexes, nested indexes) served by a loopback registry whose every answer may be mutated — status, content-type,
 * Docker-Content-Digest, WWW-Authenticate, Retry-After, Location, the body (replaced, a field replaced, random
 * bytes, truncated, over 4 MiB) — or never sent, dropped, or cut off mid-body.
 */
import fc from 'fast-check';
import { MediaTypes } from '../media-types.js';
import { sha256 } from './loopback-registry.js';

/** What one request kind is answered with. */
export type RequestKind = 'base' | 'token' | 'tag' | 'manifest' | 'blob';
export const REQUEST_KINDS: readonly RequestKind[] = ['base', 'token', 'tag', 'manifest', 'blob'];

export interface Mutation {
  /** How many requests of the kind it applies to; later ones are answered as the world says (retries may succeed). */
  times: number;
  status?: number;
  headers?: Record<string, string | null>;
  body?: BodyMutation;
  behaviour?: 'hang' | 'drop' | 'cut';
}

export type BodyMutation =
  | { kind: 'json'; value: unknown }
  | { kind: 'field'; key: string; value: unknown }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'truncate'; at: number }
  | { kind: 'oversize' }
  | { kind: 'empty' };

export interface World {
  /** What the tag points to. */
  tag: { body: Buffer; mediaType: string };
  /** Manifests and blobs by digest. */
  content: Map<string, { body: Buffer; mediaType: string }>;
}

export interface FuzzCase {
  world: World;
  /** Whether GET /v2/ challenges (then every request needs the token). */
  challenge: boolean;
  mutations: Partial<Record<RequestKind, Mutation>>;
  verifyPlatforms: boolean;
}

// ---- the world ----

const anyText = fc.string({ maxLength: 12 });
const rawPlatform = fc.record(
  {
    os: fc.oneof(fc.constantFrom('linux', 'windows', 'Linux', '', 'unknown', ' linux '), anyText, fc.jsonValue({ maxDepth: 1 })),
    architecture: fc.oneof(
      { arbitrary: fc.constantFrom('amd64', 'arm64', 'aarch64', 'x86_64', 'x86-64', 'arm', 'armhf', 'armel', 'i386', '386', 'ppc64le', 's390x', 'riscv64', 'unknown', '', 'ARM64'), weight: 6 },
      { arbitrary: anyText, weight: 2 },
      { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
    ),
    variant: fc.oneof(fc.constantFrom('v7', 'v8', '8', 'v6', 'v1', 'v3', ''), anyText),
    'os.version': fc.constantFrom('10.0.20348.2582', ''),
  },
  { requiredKeys: ['os', 'architecture'] },
);

type Node = { kind: 'image'; platform: Record<string, unknown>; docker: boolean } | { kind: 'index'; entries: { node: Node; label: 'own' | 'none' | Record<string, unknown>; attestation: boolean }[]; docker: boolean };

const imageNode: fc.Arbitrary<Node> = fc.record({ kind: fc.constant('image' as const), platform: rawPlatform, docker: fc.boolean() });
const entry = (node: fc.Arbitrary<Node>): fc.Arbitrary<{ node: Node; label: 'own' | 'none' | Record<string, unknown>; attestation: boolean }> =>
  fc.record({ node, label: fc.oneof({ arbitrary: fc.constant('own' as const), weight: 4 }, fc.constant('none' as const), rawPlatform), attestation: fc.boolean() });
const indexOf = (node: fc.Arbitrary<Node>): fc.Arbitrary<Node> => fc.record({ kind: fc.constant('index' as const), entries: fc.array(entry(node), { minLength: 0, maxLength: 5 }), docker: fc.boolean() });
/** A single image, an index of images, or an index that also holds indexes (up to 3 levels). */
export const anyNode: fc.Arbitrary<Node> = fc.oneof(imageNode, indexOf(imageNode), indexOf(fc.oneof(imageNode, indexOf(imageNode))), indexOf(fc.oneof(imageNode, indexOf(indexOf(imageNode)))));

function put(content: World['content'], mediaType: string, doc: unknown): { digest: string; size: number; mediaType: string } {
  const body = Buffer.from(JSON.stringify(doc));
  const digest = sha256(body);
  content.set(digest, { body, mediaType });
  return { digest, size: body.length, mediaType };
}

function build(node: Node, content: World['content']): { digest: string; size: number; mediaType: string; platform?: Record<string, unknown> } {
  if (node.kind === 'image') {
    const config = put(content, node.docker ? 'application/vnd.docker.container.image.v1+json' : MediaTypes.ociConfig, { ...node.platform, rootfs: { type: 'layers', diff_ids: [] } });
    const mediaType = node.docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
    return { ...put(content, mediaType, { schemaVersion: 2, mediaType, config, layers: [] }), platform: node.platform };
  }
  const manifests = node.entries.flatMap(({ node: child, label, attestation }) => {
    const built = build(child, content);
    const platform = label === 'own' ? built.platform : label === 'none' ? undefined : label;
    const own = { mediaType: built.mediaType, digest: built.digest, size: built.size, ...(platform && { platform }) };
    if (!attestation) return [own];
    const att = put(content, MediaTypes.ociManifest, { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: built.digest, size: 2 }, layers: [] });
    return [own, { ...att, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': built.digest } }];
  });
  const mediaType = node.docker ? MediaTypes.dockerManifestList : MediaTypes.ociIndex;
  return put(content, mediaType, { schemaVersion: 2, mediaType, manifests });
}

export function buildWorld(node: Node): World {
  const content: World['content'] = new Map();
  const top = build(node, content);
  return { tag: content.get(top.digest)!, content };
}

// ---- mutations ----

const header = (values: fc.Arbitrary<string>[]): fc.Arbitrary<string | null> => fc.oneof(fc.constant(null), ...values);
const mutatedHeaders = (port: () => number): fc.Arbitrary<Record<string, string | null>> =>
  fc.record(
    {
      'content-type': header([fc.constantFrom(...Object.values(MediaTypes), 'application/json', 'text/html', 'application/vnd.oci.image.index.v1+json; charset=utf-8', ''), anyText]),
      'docker-content-digest': header([fc.constantFrom(`sha256:${'0'.repeat(64)}`, 'sha256:zz', 'md5:abc', ''), anyText]),
      'www-authenticate': header([
        fc.constant('').map(() => `Bearer realm="http://127.0.0.1:${port()}/token",service="fuzz",scope="repository:app:pull"`),
        fc.constantFrom('Bearer realm="http://169.254.169.254/latest/meta-data/",service="x"', 'Bearer realm="ftp://example/token"', 'Bearer', 'Basic realm="r"', 'Negotiate', 'Bearer realm=', 'Bearer realm="http://[::ffff:a9fe:a9fe]/t"'),
        anyText,
      ]),
      'retry-after': header([fc.constantFrom('0', '1', '3600', '-1', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', 'soon'), fc.nat({ max: 10 ** 9 }).map(String)]),
      location: header([
        fc.constantFrom('/v2/app/blobs/elsewhere', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/x', 'ht!tp://bad', '//', 'file:///etc/passwd'),
        fc.constant('').map(() => `http://127.0.0.1:${port()}/v2/app/manifests/1`),
        anyText,
      ]),
    },
    { requiredKeys: [] },
  );

const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom('mediaType', 'manifests', 'config', 'schemaVersion', 'architecture', 'os', 'variant', 'layers', 'fsLayers', 'platform'), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 512 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: 400 }) }),
  { arbitrary: fc.record({ kind: fc.constant('oversize' as const) }), weight: 1 },
  fc.record({ kind: fc.constant('empty' as const) }),
);

const STATUSES = [200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 410, 416, 429, 500, 502, 503, 504];

export function anyMutation(port: () => number): fc.Arbitrary<Mutation> {
  return fc.record(
    {
      times: fc.oneof(fc.constantFrom(1, 2), fc.constant(1_000)),
      status: fc.oneof({ arbitrary: fc.constantFrom(...STATUSES), weight: 5 }, fc.integer({ min: 100, max: 599 })),
      headers: mutatedHeaders(port),
      body: bodyMutation,
      behaviour: fc.oneof({ arbitrary: fc.constantFrom('drop' as const, 'cut' as const), weight: 4 }, { arbitrary: fc.constant('hang' as const), weight: 1 }),
    },
    { requiredKeys: ['times'] },
  );
}

export function anyCase(port: () => number): fc.Arbitrary<FuzzCase> {
  const mutation = anyMutation(port);
  return fc.record({
    world: anyNode.map(buildWorld),
    challenge: fc.boolean(),
    // Each kind of request misbehaves in about one case in four, so lookups also get far enough to return platforms.
    mutations: fc
      .tuple(...REQUEST_KINDS.map(() => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: mutation, weight: 1 })))
      .map((ms) => Object.fromEntries(REQUEST_KINDS.flatMap((k, i) => (ms[i] ? [[k, ms[i]]] : []))) as Partial<Record<RequestKind, Mutation>>),
    verifyPlatforms: fc.boolean(),
  });
}
