import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Endpoint } from '../handlers/admit.js';
import { WEBHOOK_PATHS, type WebhookPath } from '../metrics.js';
import { answerAdmission, answerWriter, sendJson, type AdmissionRouteDeps } from './admission-route.js';
import { decodeJsonText, MAX_BODY_BYTES, notJsonError } from './body-limits.js';
import { webhookRequestCounter, type InFlightCounter } from './request-tracking.js';

export interface FastPathDeps extends AdmissionRouteDeps {
  inFlight: InFlightCounter;
}

const ENDPOINT_OF: Readonly<Record<WebhookPath, Endpoint>> = { '/mutate': 'mutate', '/validate': 'validate' };

/** An admission path: its endpoint and its controller-runtime request counter. */
interface Target {
  endpoint: Endpoint;
  path: WebhookPath;
  count: (res: ServerResponse, alsoInFlight?: InFlightCounter) => void;
}

/**
 * The length of the body when this request is the apiserver's own shape — POST to /mutate or /validate exactly,
 * `Content-Type: application/json`, a Content-Length within the limit, no Content-Encoding, not chunked — else
 * undefined (express answers it: compressed and chunked bodies, other media types, oversize bodies, other paths).
 */
export function apiserverShaped(req: IncomingMessage): number | undefined {
  const { headers } = req;
  if (req.method !== 'POST' || headers['content-type'] !== 'application/json') return undefined;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return undefined;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length > 0 && length <= MAX_BODY_BYTES ? length : undefined;
}

/** The last query string read: the apiserver sends its webhook configuration's `?timeout=` on every request. */
let lastQuery: { text: string; timeout: string | undefined } | undefined;

/** The apiserver's `?timeout=10s`, read as express's query parser reads it (one value, else none). */
export function timeoutParam(url: string, queryAt: number): string | undefined {
  if (queryAt === -1) return undefined;
  const text = url.slice(queryAt + 1);
  if (lastQuery?.text === text) return lastQuery.timeout;
  const value = parseQuery(text).timeout;
  lastQuery = { text, timeout: typeof value === 'string' ? value : undefined };
  return lastQuery.timeout;
}

function readBody(req: IncomingMessage, onBody: (text: string) => void, onAborted: () => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => onBody((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')));
  req.on('error', onAborted);
}

/**
 * Admission requests as the apiserver sends them, answered on Node's own request and response without express:
 * its routing, body parsers and per-response listeners were ≈ 15–20% of an admission's CPU (decision 0043). The
 * answers are the express route's — the same `answerAdmission`, the same metrics, in-flight tracking, limits and
 * error texts; any request of another shape returns false and goes to express, which still serves the rest of
 * the HTTP surface (probes, /metrics, 404s, compressed or chunked bodies, 413/415 answers).
 */
export function admissionFastPath(deps: FastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const targets = new Map<string, Target>(WEBHOOK_PATHS.map((path) => [path, { endpoint: ENDPOINT_OF[path], path, count: webhookRequestCounter(deps.metrics, path) }]));
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const target = targets.get(queryAt === -1 ? url : url.slice(0, queryAt));
    if (!target || apiserverShaped(req) === undefined) return false;
    // In flight for the drain and for controller-runtime's metrics alike, on one close listener.
    target.count(res, deps.inFlight);
    readBody(
      req,
      (text) => {
        const decoded = decodeJsonText(text);
        if ('notJson' in decoded) return sendJson(res, 400, { error: notJsonError(decoded.notJson) });
        answerAdmission(target.endpoint, deps, decoded, timeoutParam(url, queryAt), answerWriter(res)).catch((err: unknown) => {
          deps.logger.error({ err, path: target.path }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error (logged)' });
        });
      },
      () => {
        // The client went away mid-body: nothing can be answered; the response's close ends the tracking.
        if (!res.headersSent) res.destroy();
      },
    );
    return true;
  };
}
