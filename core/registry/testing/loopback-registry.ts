/**
 * What the registry client's tests against misbehaving loopback servers share: a server that is closed after each
 * test, and one small arm64 image (config blob and OCI manifest) to serve. Well-behaved flows use the real registry
 * in test/registry instead.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { MediaTypes } from '../media-types.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The config blob of a linux/arm64 image. */
export const armConfig = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux' }));

/** An OCI image manifest whose config is `armConfig`. */
export const armManifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: sha256(armConfig), size: armConfig.length }, layers: [] }),
);

/**
 * `serve(handler)` starts an HTTP server on 127.0.0.1 and returns its port; every server the file started is closed
 * after each test. Call once at the top of a test file.
 */
export function loopbackServers(): (handler: Handler) => Promise<number> {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  return async (handler) => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };
}
