import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listenOn } from './listen.js';

export interface MetricsServerHandle {
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Plain HTTP serving only `GET /metrics`, on its own port: Prometheus scrapes it without the webhook's CA, and a
 * NetworkPolicy can open it to the monitoring namespace while the admission port stays open to the API server only.
 */
export async function listenMetrics(registry: Registry, listen: { host: string; port: number }): Promise<MetricsServerHandle> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  const { port, hostForUrl } = await listenOn(server, listen);
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
