import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { admissionRoute, type AdmissionRouteDeps } from './admission-route.js';
import { bodyErrorHandler, jsonBody, requireJson } from './body-limits.js';
import { WEBHOOK_PATHS, type WebhookPath } from '../metrics.js';
import type { Readiness } from './readiness.js';
import { admissionFastPath } from './admission-fast-path.js';
import { trackInFlight, webhookRequestCounter, type InFlightCounter } from './request-tracking.js';

export interface AppDeps extends AdmissionRouteDeps {
  readiness: Readiness;
  /** Counts requests in flight so shutdown can drain them. */
  inFlight: InFlightCounter;
}

function inFlightMiddleware(deps: AppDeps): (req: Request, res: Response, next: NextFunction) => void {
  return (_req: Request, res: Response, next: NextFunction): void => {
    trackInFlight(deps.inFlight, res);
    next();
  };
}

function webhookRequestsMiddleware(deps: AppDeps, path: WebhookPath): (req: Request, res: Response, next: NextFunction) => void {
  const count = webhookRequestCounter(deps.metrics, path);
  return (_req: Request, res: Response, next: NextFunction): void => {
    count(res);
    next();
  };
}

/** The HTTP surface, middlewares in a fixed order: in-flight tracking, admission, probes and metrics, errors. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(inFlightMiddleware(deps));
  // Admission first: the paths are disjoint, and every admission would otherwise be matched against the probes.
  for (const path of WEBHOOK_PATHS) app.use(path, webhookRequestsMiddleware(deps, path));
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

/**
 * The HTTPS port's request listener: admission requests of the apiserver's shape on the fast path (plain Node,
 * decision 0043), everything else through express.
 */
export function buildRequestListener(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const app = buildApp(deps);
  const fastPath = admissionFastPath(deps);
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (!fastPath(req, res)) app(req, res);
  };
}
