/**
 * RSS of the registry client (the registries run in a child process, so only the client is measured) under a flood of distinct names, with the default cache limits: many loopback
 * registries (one per host), a distinct repository per lookup (so a distinct manifest and bearer token each), some
 * missing tags (failures). Prints RSS, heap and every cache's size against the budget. Figures: BENCHMARKS.md.
 *
 *   node --import tsx --expose-gc bench/memory/soak.ts [lookups=20000] [hosts=200]
 */
import { createHash } from 'node:crypto';
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../core/registry/client.js';
import { MediaTypes } from '../../core/registry/media-types.js';
import { cacheBudgetBytes, defaultCacheLimits } from '../../core/registry/options.js';

const LOOKUPS = process.argv[2] === 'serve' ? 0 : Number(process.argv[2] ?? 20_000);
const HOSTS = Number(process.argv[3] ?? 200);
const MiB = 1024 * 1024;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const config = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux' }));
const servers: Server[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function manifest(repo: string): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length }, layers: [], annotations: { repository: repo, pad: 'p'.repeat(1500) } }));
}

/** The child: starts the token server and the registries, sends their ports, serves until killed. */
async function serveRegistries(): Promise<void> {
  const tokenPort = await listen((req, res) => {
    const scope = new URL(req.url ?? '/', 'http://x').searchParams.get('scope') ?? '';
    res.end(JSON.stringify({ token: `${Buffer.from(scope).toString('base64url')}.${'t'.repeat(1500)}`, expires_in: 300 }));
  });
  const ports = await Promise.all(
    Array.from({ length: HOSTS }, () =>
      listen((req, res) => {
        const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.url ?? '');
        if (!req.headers.authorization) {
          res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${tokenPort}/token",service="soak"` });
          return res.end();
        }
        if (!m || m[3]!.startsWith('missing')) return res.writeHead(404).end();
        const body = m[2] === 'blobs' ? config : manifest(m[1]!);
        res.writeHead(200, { 'content-type': m[2] === 'blobs' ? MediaTypes.ociConfig : MediaTypes.ociManifest, 'ratelimit-remaining': '99;w=21600' });
        res.end(req.method === 'HEAD' ? undefined : body);
      }),
    ),
  );
  process.send?.(ports);
}

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['serve', String(HOSTS)], { execArgv: ['--import', 'tsx'] });
  const ports = await new Promise<number[]>((resolve) => child.once('message', (m) => resolve(m as number[])));
  const gc = (globalThis as { gc?: () => void }).gc;
  const mem = (): string => {
    gc?.();
    const m = process.memoryUsage();
    return `rss ${(m.rss / MiB).toFixed(0)} MiB, heap used ${(m.heapUsed / MiB).toFixed(0)} of ${(m.heapTotal / MiB).toFixed(0)} MiB, external+buffers ${((m.external + m.arrayBuffers) / MiB).toFixed(0)} MiB`;
  };
  const limits = defaultCacheLimits();
  const client = new RegistryClient({ insecureRegistries: ports.map((p) => `127.0.0.1:${p}`), resolveTimeoutMs: 30_000, requestTimeoutMs: 10_000 });
  console.log(`start: ${mem()}; cache budget ${(cacheBudgetBytes(limits) / MiB).toFixed(0)} MiB`);
  const started = Date.now();
  for (let i = 0; i < LOOKUPS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, LOOKUPS - i) }, (_, k) => {
        const n = i + k;
        return client.resolve(`127.0.0.1:${ports[n % HOSTS]}/flood/r${n}:${n % 10 === 0 ? 'missing' : 'v1'}`);
      }),
    );
    if ((i + 50) % 10_000 === 0) console.log(`${i + 50} lookups: ${mem()}`);
  }
  const sizes = client.cacheSizes();
  const cacheBytes = Object.values(sizes).reduce((n, s) => n + (s.bytes ?? 0), 0);
  console.log(`${LOOKUPS} lookups over ${HOSTS} hosts in ${((Date.now() - started) / 1000).toFixed(1)} s: ${mem()}`);
  console.log(`caches ${(cacheBytes / MiB).toFixed(1)} MiB accounted: ${JSON.stringify(sizes)}`);
  await client.close();
  child.kill();
}

if (process.argv[2] === 'serve') await serveRegistries();
else await main();
