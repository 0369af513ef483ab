import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { admissionRoute, type AdmissionRouteDeps } from './admission-route.js';
import { bodyErrorHandler, jsonBody, requireJson } from './body-limits.js';
import { WEBHOOK_PATHS, type WebhookPath } from '../metrics.js';
import type { Readiness } from './readiness.js';

export interface AppDeps extends AdmissionRouteDeps {
  readiness: Readiness;
  /** Counts requests in flight so shutdown can drain them. */
  inFlight: { enter(): void; leave(): void; draining(): boolean };
}

function trackInFlight(deps: AppDeps): (req: Request, res: Response, next: NextFunction) => void {
  return (_req: Request, res: Response, next: NextFunction): void => {
    deps.inFlight.enter();
    res.on('close', () => deps.inFlight.leave());
    // While draining, ask keep-alive clients (the apiserver) to reconnect elsewhere.
    if (deps.inFlight.draining()) res.setHeader('Connection', 'close');
    next();
  };
}

/** controller-runtime's webhook metrics for one admission path: in flight, then status code and latency once answered. */
function countWebhookRequests(deps: AppDeps, path: WebhookPath): (req: Request, res: Response, next: NextFunction) => void {
  // The label children are looked up once: prom-client hashes the label object on every inc/observe otherwise.
  const inFlight = deps.metrics.webhookInFlight.labels({ webhook: path });
  const latency = deps.metrics.webhookLatency.labels({ webhook: path });
  return (_req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    inFlight.inc();
    res.on('close', () => {
      inFlight.dec();
      deps.metrics.webhookRequests.inc({ webhook: path, code: String(res.statusCode) });
      latency.observe((performance.now() - started) / 1000);
    });
    next();
  };
}

/** The HTTP surface, middlewares in a fixed order: in-flight tracking, admission, probes and metrics, errors. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(trackInFlight(deps));
  // Admission first: the paths are disjoint, and every admission would otherwise be matched against the probes.
  for (const path of WEBHOOK_PATHS) app.use(path, countWebhookRequests(deps, path));
  app.post('/mutate', requireJson, jsonBody, admissionRoute('mutate', deps));
  app.post('/validate', requireJson, jsonBody, admissionRoute('validate', deps));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const waiting = deps.readiness.waitingFor();
    if (waiting.length === 0) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send(`not ready: ${waiting.join(', ')}`);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found: use POST /mutate, POST /validate, GET /healthz, /readyz, /metrics' });
  });
  app.use(bodyErrorHandler((err, req) => deps.logger.error({ err, path: req.path }, 'request failed')));
  return app;
}
