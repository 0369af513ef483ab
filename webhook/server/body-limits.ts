import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { scanEnvelope, type EnvelopeScan } from './json-envelope.js';

/** The apiserver sends at most 3 MiB objects (etcd's default request limit is 1.5 MiB); anything bigger is not ours. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

function isPlainJsonWithBody(req: Request): boolean {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && !Number.isNaN(Number(length)));
  return hasBody && req.headers['content-type'] === 'application/json';
}

/** 415 unless the body is declared JSON (the apiserver always sends application/json). */
export function requireJson(req: Request, res: Response, next: NextFunction): void {
  // The apiserver's exact header (with a body, as type-is requires) is checked first: req.is parses the media type,
  // a cost paid on every admission.
  if (isPlainJsonWithBody(req) || req.is(['application/json', '+json'])) return next();
  res.status(415).json({ error: `Content-Type must be application/json, got ${req.headers['content-type'] ?? 'none'}` });
}

const rawBody: RequestHandler = express.raw({ limit: MAX_BODY_BYTES, type: () => true });

/** The scan of a body nested deeper than MAX_JSON_DEPTH, left in `res.locals` instead of a parsed body. */
export function tooDeepBody(res: Response): EnvelopeScan | undefined {
  return (res.locals as { tooDeep?: EnvelopeScan }).tooDeep;
}

/**
 * Reads the body (at most MAX_BODY_BYTES, inflated), bounds its nesting on the raw text, then parses it. A body
 * nested too deep is never parsed: the route answers it from the envelope's uid (decision 0013).
 */
function parseJson(req: Request, res: Response, next: NextFunction): void {
  const raw: unknown = req.body;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  const scan = scanEnvelope(text);
  if (scan.tooDeep) {
    (res.locals as { tooDeep?: EnvelopeScan }).tooDeep = scan;
    req.body = undefined;
    return next();
  }
  try {
    req.body = JSON.parse(text) as unknown;
  } catch (e) {
    return next(Object.assign(new Error((e as Error).message), { type: 'entity.parse.failed', status: 400 }));
  }
  next();
}

export const jsonBody: RequestHandler[] = [rawBody, parseJson];

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** Maps body-parser failures to clear 4xx answers; anything else is a bug and gets a 500 without details. */
export function bodyErrorHandler(onInternal: (err: unknown, req: Request) => void): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = (err ?? {}) as BodyParserError;
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: `body larger than ${MAX_BODY_BYTES} bytes` });
    } else if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: `body is not valid JSON: ${e.message ?? ''}` });
    } else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      res.status(415).json({ error: e.message ?? 'unsupported encoding' });
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? 'bad request' });
    } else {
      onInternal(err, req);
      res.status(500).json({ error: 'internal error (logged)' });
    }
  };
}
