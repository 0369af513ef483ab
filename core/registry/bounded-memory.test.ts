/**
 * Soak: many distinct hosts, repositories, tags, tokens and failures through the real client against loopback
 * registries (plain http on 127.0.0.1, so each host is first tried over https and falls back), with small cache
 * limits. Every cache the client reports must stay within its bound however many distinct names go through it —
 * the growth that took the webhook past its memory limit under hostile traffic (docs/decisions/0022).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { MediaTypes } from './media-types.js';
import type { CacheLimits } from './options.js';
import { armConfig, loopbackServers, sha256 } from './testing/loopback-registry.js';

const serve = loopbackServers();

const KiB = 1024;
const limits: CacheLimits = { contentBytes: 64 * KiB, answerBytes: 32 * KiB, tagBytes: 16 * KiB, tokenBytes: 32 * KiB, negativeBytes: 8 * KiB, hostEntries: 16 };
const HOSTS = 40;
const REPOS_PER_HOST = 8;

/** What each reported cache may hold at most: bytes for the byte-bounded caches, entries for per-host state. */
const BOUNDS: Record<string, { bytes?: number; entries?: number }> = {
  content: { bytes: limits.contentBytes },
  resolved: { bytes: (limits.answerBytes * 3) / 8 },
  answers: { bytes: (limits.answerBytes * 3) / 8 },
  access: { bytes: limits.answerBytes / 4 },
  tags: { bytes: limits.tagBytes, entries: 50_000 },
  failures: { bytes: (limits.negativeBytes * 3) / 4, entries: 10_000 },
  failingTags: { bytes: limits.negativeBytes / 4, entries: 10_000 },
  tokens: { bytes: limits.tokenBytes },
  challenges: { entries: limits.hostEntries },
  httpFallback: { entries: limits.hostEntries },
  rateLimits: { entries: limits.hostEntries },
  agents: { entries: 1 },
};

/** A manifest of its own per repository (so every repository adds content), all with the arm64 config. */
function manifestFor(repo: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: sha256(armConfig), size: armConfig.length },
      layers: [],
      annotations: { repository: repo },
    }),
  );
}

/** A token server handing out a long token per scope (so every repository adds a token). */
function tokenServer(): Promise<number> {
  return serve((req: IncomingMessage, res: ServerResponse) => {
    const scope = new URL(req.url ?? '/', 'http://x').searchParams.get('scope') ?? '';
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token: `${Buffer.from(scope).toString('base64url')}.${'t'.repeat(1500)}`, expires_in: 300 }));
  });
}

function registry(tokenPort: number): Promise<number> {
  return serve((req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.url ?? '');
    if (!req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${tokenPort}/token",service="soak"` });
      return res.end();
    }
    res.setHeader('ratelimit-remaining', '99;w=21600');
    if (!m || m[3]!.startsWith('missing')) {
      res.writeHead(404);
      return res.end();
    }
    const body = m[2] === 'blobs' ? armConfig : manifestFor(m[1]!);
    res.writeHead(200, { 'content-type': m[2] === 'blobs' ? MediaTypes.ociConfig : MediaTypes.ociManifest, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

function withinBounds(sizes: Record<string, { entries: number; bytes?: number }>): string[] {
  const problems: string[] = [];
  for (const [name, bound] of Object.entries(BOUNDS)) {
    const size = sizes[name];
    if (!size) problems.push(`${name}: not reported`);
    else if (bound.bytes !== undefined && (size.bytes === undefined || size.bytes > bound.bytes)) problems.push(`${name}: ${size.bytes} bytes > ${bound.bytes}`);
    else if (bound.entries !== undefined && size.entries > bound.entries) problems.push(`${name}: ${size.entries} entries > ${bound.entries}`);
  }
  return problems;
}

describe('memory bounded by configuration', () => {
  it('keeps every cache within its bound while distinct hosts, repositories, tags, tokens and failures go through', { timeout: 120_000 }, async () => {
    const tokenPort = await tokenServer();
    const ports = await Promise.all(Array.from({ length: HOSTS }, () => registry(tokenPort)));
    const client = new RegistryClient({ cacheLimits: limits, resolveTimeoutMs: 10_000, requestTimeoutMs: 5_000 });
    const refs = ports.flatMap((port, h) => Array.from({ length: REPOS_PER_HOST }, (_, r) => `127.0.0.1:${port}/soak/h${h}-r${r}:${r % 3 === 0 ? 'missing' : `v${r}`}`));
    const checkpoints: Record<string, { entries: number; bytes?: number }>[] = [];
    let resolved = 0;
    for (let i = 0; i < refs.length; i += 20) {
      const infos = await Promise.all(refs.slice(i, i + 20).map((r) => client.resolve(r)));
      resolved += infos.filter((info) => info.platformStrings.includes('linux/arm64')).length;
      expect(infos.every((info) => info.error === null || info.error.code === 'NOT_FOUND'), JSON.stringify(infos.find((x) => x.error && x.error.code !== 'NOT_FOUND'))).toBe(true);
      checkpoints.push(client.cacheSizes());
    }
    await client.close();
    expect(resolved).toBe(refs.filter((r) => !r.endsWith(':missing')).length);
    for (const [n, sizes] of checkpoints.entries()) expect(withinBounds(sizes), `after batch ${n}`).toEqual([]);
    // The traffic was enough to fill every bound, so the bounds (not a lack of traffic) kept the sizes down.
    const last = checkpoints[checkpoints.length - 1]!;
    expect(last.content!.bytes!).toBeGreaterThan(limits.contentBytes / 2);
    expect(last.tokens!.bytes!).toBeGreaterThan(limits.tokenBytes / 2);
    expect(last.tags!.bytes!).toBeGreaterThan(limits.tagBytes / 2);
    expect(last.failures!.bytes!).toBeGreaterThan(limits.negativeBytes / 2);
    expect(last.challenges!.entries).toBe(limits.hostEntries);
    expect(last.httpFallback!.entries).toBe(limits.hostEntries);
  });
});
