import type { ServerResponse } from 'node:http';
import type { WebhookMetrics, WebhookPath } from '../metrics.js';

/** What every request on the HTTPS port is counted in: requests in flight, for shutdown's drain. */
export interface InFlightCounter {
  enter(): void;
  leave(): void;
  draining(): boolean;
}

/** Counts the request in flight until its response closes; while draining, asks keep-alive clients (the apiserver) to reconnect elsewhere. */
export function trackInFlight(inFlight: InFlightCounter, res: ServerResponse): void {
  inFlight.enter();
  res.on('close', () => inFlight.leave());
  if (inFlight.draining()) res.setHeader('Connection', 'close');
}

/**
 * controller-runtime's webhook metrics for one admission path: in flight, then status code and latency once the
 * response closes. The label children are looked up once: prom-client hashes the label object on every inc/observe.
 */
export function webhookRequestCounter(metrics: WebhookMetrics, path: WebhookPath): (res: ServerResponse) => void {
  const inFlight = metrics.webhookInFlight.labels({ webhook: path });
  const latency = metrics.webhookLatency.labels({ webhook: path });
  return (res: ServerResponse): void => {
    const started = performance.now();
    inFlight.inc();
    res.on('close', () => {
      inFlight.dec();
      metrics.webhookRequests.inc({ webhook: path, code: String(res.statusCode) });
      latency.observe((performance.now() - started) / 1000);
    });
  };
}
