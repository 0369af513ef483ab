import type { ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ResolvedPodImage } from '../../core/placement/index.js';
import { outcomeToReview } from '../admission/response.js';
import { BadAdmissionRequest, readAdmissionReview, type AdmissionRequest, type ReadReview } from '../admission/review.js';
import { admit, type Endpoint } from '../handlers/admit.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { admissionDeadlineMs, Deadline } from '../images/deadline.js';
import type { WebhookMetrics } from '../metrics.js';
import { applyMode } from '../policy/apply-mode.js';
import { malformed } from '../policy/verdict.js';
import { tooDeepBody } from './body-limits.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { AdmissionOutcome } from '../admission/outcome.js';
import { admissionEvent } from './admission-events.js';
import { decisionLogFields, recordingEnv } from './decision-log.js';
import { MAX_JSON_DEPTH, type EnvelopeScan } from './json-envelope.js';

export interface AdmissionRouteDeps {
  env: AdmissionEnv;
  metrics: WebhookMetrics;
  logger: Logger;
  resolveTimeoutMs: number;
  /** Denials and pods admitted unresolved or gated become Kubernetes Events (after the answer is sent). */
  events?: EventRecorder;
}

/** Queues the admission's Event, if it deserves one. Runs after the answer; a bug here must not touch the answer. */
function recordEvent(deps: AdmissionRouteDeps, endpoint: Endpoint, request: AdmissionRequest, outcome: AdmissionOutcome): void {
  if (!deps.events) return;
  try {
    const event = admissionEvent(endpoint, request, outcome);
    if (event) deps.events.record(event);
  } catch (e) {
    deps.logger.warn({ endpoint, uid: request.uid, err: e }, 'admission Event not recorded');
  }
}

/**
 * The decision log's logger: the webhook's, without the redaction walk. The line's keys are fixed
 * (decisionLogFields) and none is a redacted one (`data`, `password`, `auth`, `token`, `authorization`), so the
 * walk — ≈ 2% of an admission's CPU — never changed a line; every other log call keeps the fence.
 */
const decisionLoggers = new WeakMap<Logger, Logger>();
function decisionLogger(logger: Logger): Logger {
  let child = decisionLoggers.get(logger);
  if (!child) decisionLoggers.set(logger, (child = logger.child({}, { redact: [] })));
  return child;
}

function logOutcome(deps: AdmissionRouteDeps, fields: Record<string, unknown>, ignored: boolean): void {
  const logger = decisionLogger(deps.logger);
  if (ignored) logger.debug(fields, 'admission');
  else logger.info(fields, 'admission');
}

/** A read body: the decoded JSON, or — for a body nested too deep to parse — the scan of its envelope. */
export type AdmissionBody = { json: unknown } | { tooDeep: EnvelopeScan };

/** Writes one JSON answer; the transport (express or the plain fast path) decides how. */
export interface AnswerWriter {
  send(status: number, body: unknown): void;
  sent(): boolean;
}

/**
 * POST /mutate and /validate, whatever carried the body: decode → decide → answer. Owns no policy: it reads the
 * review at the edge, runs `admit` within the deadline, and writes the one response shape. Every review with a uid
 * gets an AdmissionReview; only a bug answers 500. Deciding has no side effects beyond caches, metrics and logs; the
 * one write, an Event for a denial or an unresolved/gated pod, is queued after the answer and never made for a dry
 * run (the webhook configurations say sideEffects: NoneOnDryRun). `timeout` is the apiserver's `?timeout=`.
 */
export async function answerAdmission(endpoint: Endpoint, deps: AdmissionRouteDeps, body: AdmissionBody, timeout: string | undefined, out: AnswerWriter): Promise<void> {
  const started = performance.now();
  let read: ReadReview;
  try {
    read = readReview(body);
  } catch (e) {
    if (!(e instanceof BadAdmissionRequest)) throw e;
    deps.metrics.observeAdmission({ endpoint, operation: undefined, kind: undefined, parts: { decision: 'bad-request', reason: 'none' } });
    out.send(e.status, { error: e.message });
    return;
  }
  if ('problem' in read) {
    // Malformed but answerable: allowed with a warning, never a 500 (decision 0013).
    out.send(200, outcomeToReview({ uid: read.uid }, applyMode(malformed(read.problem), 'mutate')));
    deps.metrics.observeAdmission({ endpoint, operation: undefined, kind: undefined, parts: { decision: 'ignored', reason: 'malformed' } });
    deps.logger.info({ endpoint, uid: read.uid, decision: 'ignored:malformed', problem: read.problem }, 'admission');
    return;
  }
  const { request } = read;
  const deadline = new Deadline(admissionDeadlineMs(deps.resolveTimeoutMs, timeout));
  try {
    const images: ResolvedPodImage[] = [];
    const outcome = await admit(endpoint, request, recordingEnv(deps.env, images), deadline);
    out.send(200, outcomeToReview(request, outcome));
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observeAdmission({ endpoint, operation: request.operation, kind: request.kind.kind, parts: outcome.parts, mode: outcome.mode, seconds });
    logOutcome(deps, decisionLogFields(endpoint, request, outcome, images, seconds * 1000), outcome.parts.decision === 'ignored');
    recordEvent(deps, endpoint, request, outcome);
  } catch (e) {
    // A bug, not a policy answer: the apiserver applies the webhook's failurePolicy.
    deps.metrics.observeAdmission({ endpoint, operation: request.operation, kind: request.kind.kind, parts: { decision: 'error', reason: 'none' } });
    deps.logger.error({ endpoint, uid: request.uid, err: e }, 'admission failed');
    if (!out.sent()) out.send(500, { error: 'internal error (logged)' });
  } finally {
    deadline.dispose();
  }
}

/**
 * Writes a JSON answer with the headers express's res.json gives it (Content-Type with charset, Content-Length),
 * without its content-type parsing and formatting on every admission. The headers go to writeHead as raw pairs:
 * setHeader's validation and header map per call cost a warm admission ≈ 6% of its CPU (compare-builds, 2026-12-07).
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}

/** The answer writer for a Node response. */
export function answerWriter(res: ServerResponse): AnswerWriter {
  return { send: (status, body) => sendJson(res, status, body), sent: () => res.headersSent };
}

/** The express route for a body read by express's body parsers (requests the fast path leaves to express). */
export function admissionRoute(endpoint: Endpoint, deps: AdmissionRouteDeps): (req: Request, res: Response) => Promise<void> {
  return async (req: Request, res: Response): Promise<void> => {
    const deep = tooDeepBody(res);
    const timeout = typeof req.query.timeout === 'string' ? req.query.timeout : undefined;
    await answerAdmission(endpoint, deps, deep ? { tooDeep: deep } : { json: req.body }, timeout, answerWriter(res));
  };
}

/** The review in the body, or — for a body nested too deep to parse — its uid with the problem. */
function readReview(body: AdmissionBody): ReadReview {
  if ('json' in body) return readAdmissionReview(body.json);
  const deep = body.tooDeep;
  if (deep.apiVersion !== undefined && deep.apiVersion !== 'admission.k8s.io/v1') readAdmissionReview({ apiVersion: deep.apiVersion });
  if (!deep.uid) throw new BadAdmissionRequest(400, `body nested deeper than ${MAX_JSON_DEPTH} levels and no request.uid found`);
  return { uid: deep.uid, problem: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
}
