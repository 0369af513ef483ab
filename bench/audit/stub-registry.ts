/**
 * An in-memory OCI registry stand-in for the audit benchmark: serves `/v2/`, manifests (GET/HEAD, by tag or digest,
 * with Content-Type and Docker-Content-Digest) and config blobs, each answer delayed by `latencyMs`. Manifests and
 * configs are built by test/registry/oci.ts, byte for byte what the fixture builder pushes to a real registry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildImage, buildIndex, descriptorOf, type Blob, type Manifest } from '../../test/registry/oci.js';
import type { SyntheticImage } from './synthetic-cluster.js';

export interface StubRegistry {
  host: string;
  /** `GET manifest` → count, since the last reset. */
  counts(): Record<string, number>;
  reset(): void;
  stop(): Promise<void>;
}

const linux = (architecture: string): { os: string; architecture: string } => ({ os: 'linux', architecture });

function classify(path: string): { kind: 'base' | 'manifest' | 'blob' | 'other'; repo?: string; ref?: string } {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
  if (!m) return { kind: 'other' };
  return { kind: m[2] === 'manifests' ? 'manifest' : 'blob', repo: m[1]!, ref: m[3]! };
}

/** Builds every image's manifests and configs; `images[i].ref` must be `HOST/REPO:TAG`. */
function buildContent(images: readonly SyntheticImage[]): { manifests: Map<string, Manifest>; blobs: Map<string, Blob> } {
  const manifests = new Map<string, Manifest>();
  const blobs = new Map<string, Blob>();
  for (const image of images) {
    const [, repo, tag] = /^[^/]+\/(.+):([^:]+)$/.exec(image.ref)!;
    const singles = (image.kind === 'multi' ? ['amd64', 'arm64'] : [image.kind]).map((arch) => buildImage(linux(arch), { format: image.kind === 'multi' ? 'oci' : 'docker' }));
    for (const s of singles) {
      manifests.set(`${repo}@${s.digest}`, s);
      blobs.set(s.config.digest, s.config);
    }
    const top = image.kind === 'multi' ? buildIndex(singles.map((s, i) => ({ ...descriptorOf(s), platform: linux(i === 0 ? 'amd64' : 'arm64') }))) : singles[0]!;
    manifests.set(`${repo}@${top.digest}`, top);
    manifests.set(`${repo}:${tag}`, top);
  }
  return { manifests, blobs };
}

export async function startStubRegistry(images: readonly SyntheticImage[], latencyMs: number): Promise<StubRegistry> {
  const { manifests, blobs } = buildContent(images);
  let counts: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // Control endpoints for a benchmark running in another process; not counted, not delayed.
    if (path === '/_stats') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
    if (path === '/_reset') {
      counts = {};
      return void res.writeHead(204).end();
    }
    const c = classify(path);
    const label = `${req.method} ${c.kind}`;
    counts[label] = (counts[label] ?? 0) + 1;
    setTimeout(() => {
      const found =
        c.kind === 'base' ? { mediaType: 'application/json', digest: '', bytes: Buffer.from('{}') } :
        c.kind === 'manifest' ? manifests.get(`${c.repo}${c.ref!.startsWith('sha256:') ? '@' : ':'}${c.ref}`) :
        c.kind === 'blob' ? blobs.get(c.ref!) : undefined;
      if (!found) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        return;
      }
      res.writeHead(200, {
        'content-type': found.mediaType,
        'content-length': found.bytes.length,
        ...(found.digest && { 'docker-content-digest': found.digest }),
        'docker-distribution-api-version': 'registry/2.0',
      });
      res.end(req.method === 'HEAD' ? undefined : found.bytes);
    }, latencyMs);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
