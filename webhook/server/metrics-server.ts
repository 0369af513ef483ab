import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listenOn } from './listen.js';
import type { Readiness } from './readiness.js';

export interface MetricsServerHandle {
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `/healthz` and `/readyz` as the HTTPS port answers them. */
function probe(path: string, readiness: Readiness): { status: number; text: string } | undefined {
  if (path === '/healthz') return { status: 200, text: 'ok' };
  if (path !== '/readyz') return undefined;
  const waiting = readiness.waitingFor();
  return waiting.length === 0 ? { status: 200, text: 'ok' } : { status: 503, text: `not ready: ${waiting.join(', ')}` };
}

/**
 * Plain HTTP serving only `GET /metrics` and the probes, on its own port: Prometheus scrapes it without the
 * webhook's CA, a NetworkPolicy can open it to the monitoring namespace while the admission port stays open to
 * the API server only, and kubelet probes it when the admission port requires client certificates (kubelet
 * presents none).
 */
export async function listenMetrics(registry: Registry, listen: { host: string; port: number }, readiness: Readiness): Promise<MetricsServerHandle> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const answer = req.method === 'GET' ? probe(path, readiness) : undefined;
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.text);
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics, /healthz, /readyz\n');
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
