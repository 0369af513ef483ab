import { once } from 'node:events';
import type { Server } from 'node:net';

/**
 * Starts listening and returns the bound port (port 0 resolved) and the address a local client reaches it on:
 * a wildcard bind is reached on 127.0.0.1, an IPv6 host in brackets.
 */
export async function listenOn(server: Server, listen: { host: string; port: number }): Promise<{ port: number; hostForUrl: string }> {
  server.listen(listen.port, listen.host);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  return { port, hostForUrl: host.includes(':') ? `[${host}]` : host };
}
