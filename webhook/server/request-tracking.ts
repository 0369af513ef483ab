import type { ServerResponse } from 'node:http';
import type { WebhookMetrics, WebhookPath } from '../metrics.js';

/** What every request on the HTTPS port is counted in: requests in flight, for shutdown's drain. */
export interface InFlightCounter {
  enter(): void;
  leave(): void;
  draining(): boolean;
}

/** Counts the request in flight; while draining, asks keep-alive clients (the apiserver) to reconnect elsewhere. The caller leaves on close. */
function enterInFlight(inFlight: InFlightCounter, res: ServerResponse): void {
  inFlight.enter();
  if (inFlight.draining()) res.setHeader('Connection', 'close');
}

/** Counts the request in flight until its response closes (enterInFlight). */
export function trackInFlight(inFlight: InFlightCounter, res: ServerResponse): void {
  enterInFlight(inFlight, res);
  res.on('close', () => inFlight.leave());
}

/**
 * controller-runtime's webhook metrics for one admission path: in flight, then status code and latency once the
 * response closes. With `alsoInFlight` the request is also counted there (shutdown's drain, as `trackInFlight`
 * counts it), on the same `close` listener: one listener per admission instead of two. The label children are
 * looked up once (per path, and per status code as codes appear): prom-client builds and checks a label object's
 * key on every inc/observe.
 */
export function webhookRequestCounter(metrics: WebhookMetrics, path: WebhookPath): (res: ServerResponse, alsoInFlight?: InFlightCounter) => void {
  const inFlight = metrics.webhookInFlight.labels({ webhook: path });
  const latency = metrics.webhookLatency.labels({ webhook: path });
  const byCode = new Map<number, { inc(): void }>();
  const requests = (code: number): { inc(): void } => {
    let child = byCode.get(code);
    if (!child) byCode.set(code, (child = metrics.webhookRequests.labels({ webhook: path, code: String(code) })));
    return child;
  };
  return (res: ServerResponse, alsoInFlight?: InFlightCounter): void => {
    const started = performance.now();
    inFlight.inc();
    if (alsoInFlight) enterInFlight(alsoInFlight, res);
    res.on('close', () => {
      alsoInFlight?.leave();
      inFlight.dec();
      requests(res.statusCode).inc();
      latency.observe((performance.now() - started) / 1000);
    });
  };
}
