import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { nestedDeeperThan, scanEnvelope, type EnvelopeScan } from './json-envelope.js';

/** The apiserver sends at most 3 MiB objects (etcd's default request limit is 1.5 MiB); anything bigger is not ours. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** 415 unless the body is declared JSON (the apiserver always sends application/json). */
export function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is(['application/json', '+json'])) return next();
  res.status(415).json({ error: `Content-Type must be application/json, got ${req.headers['content-type'] ?? 'none'}` });
}

const rawBody: RequestHandler = express.raw({ limit: MAX_BODY_BYTES, type: () => true });

/** The scan of a body nested deeper than MAX_JSON_DEPTH, left in `res.locals` instead of a parsed body. */
export function tooDeepBody(res: Response): EnvelopeScan | undefined {
  return (res.locals as { tooDeep?: EnvelopeScan }).tooDeep;
}

/** The text of a body, decoded: parsed JSON, the envelope scan of a body too deep to parse, or why it is not JSON. */
export function decodeJsonText(text: string): { json: unknown } | { tooDeep: EnvelopeScan } | { notJson: string } {
  if (nestedDeeperThan(text)) return { tooDeep: scanEnvelope(text) };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (e) {
    return { notJson: (e as Error).message };
  }
}

/** The 400 answer's text for a body that is not JSON (one wording for both transports). */
export const notJsonError = (message: string): string => `body is not valid JSON: ${message}`;

/**
 * Reads the body (at most MAX_BODY_BYTES, inflated), bounds its nesting on the raw text, then parses it. A body
 * nested too deep is never parsed: the route answers it from the envelope's uid (decision 0013).
 */
function parseJson(req: Request, res: Response, next: NextFunction): void {
  const raw: unknown = req.body;
  const decoded = decodeJsonText(Buffer.isBuffer(raw) ? raw.toString('utf8') : '');
  if ('notJson' in decoded) return next(Object.assign(new Error(decoded.notJson), { type: 'entity.parse.failed', status: 400 }));
  if ('tooDeep' in decoded) {
    (res.locals as { tooDeep?: EnvelopeScan }).tooDeep = decoded.tooDeep;
    req.body = undefined;
  } else {
    req.body = decoded.json;
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
      res.status(400).json({ error: notJsonError(e.message ?? '') });
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
