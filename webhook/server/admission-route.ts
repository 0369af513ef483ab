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
import { MAX_JSON_DEPTH } from './json-envelope.js';

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

function logOutcome(deps: AdmissionRouteDeps, fields: Record<string, unknown>, ignored: boolean): void {
  if (ignored) deps.logger.debug(fields, 'admission');
  else deps.logger.info(fields, 'admission');
}

/**
 * POST /mutate and /validate: decode → decide → answer. The handler owns no policy: it reads the review at the
 * edge, runs `admit` within the deadline, and writes the one response shape. Every review with a uid gets an
 * AdmissionReview; only a bug answers 500. Deciding has no side effects beyond caches, metrics and logs; the one
 * write, an Event for a denial or an unresolved/gated pod, is queued after the answer and never made for a dry run
 * (the webhook configurations say sideEffects: NoneOnDryRun).
 */
export function admissionRoute(endpoint: Endpoint, deps: AdmissionRouteDeps): (req: Request, res: Response) => Promise<void> {
  return async (req: Request, res: Response): Promise<void> => {
    const started = performance.now();
    let read: ReadReview;
    try {
      read = readReview(req, res);
    } catch (e) {
      if (!(e instanceof BadAdmissionRequest)) throw e;
      deps.metrics.observeAdmission({ endpoint, operation: undefined, kind: undefined, parts: { decision: 'bad-request', reason: 'none' } });
      res.status(e.status).json({ error: e.message });
      return;
    }
    if ('problem' in read) {
      // Malformed but answerable: allowed with a warning, never a 500 (decision 0013).
      sendJson(res, outcomeToReview({ uid: read.uid }, applyMode(malformed(read.problem), 'mutate')));
      deps.metrics.observeAdmission({ endpoint, operation: undefined, kind: undefined, parts: { decision: 'ignored', reason: 'malformed' } });
      deps.logger.info({ endpoint, uid: read.uid, decision: 'ignored:malformed', problem: read.problem }, 'admission');
      return;
    }
    const { request } = read;
    const timeout = typeof req.query.timeout === 'string' ? req.query.timeout : undefined;
    const deadline = new Deadline(admissionDeadlineMs(deps.resolveTimeoutMs, timeout));
    try {
      const images: ResolvedPodImage[] = [];
      const outcome = await admit(endpoint, request, recordingEnv(deps.env, images), deadline);
      sendJson(res, outcomeToReview(request, outcome));
      const seconds = (performance.now() - started) / 1000;
      deps.metrics.observeAdmission({ endpoint, operation: request.operation, kind: request.kind.kind, parts: outcome.parts, ...(outcome.mode && { mode: outcome.mode }), seconds });
      logOutcome(deps, decisionLogFields(endpoint, request, outcome, images, seconds * 1000), outcome.parts.decision === 'ignored');
      recordEvent(deps, endpoint, request, outcome);
    } catch (e) {
      // A bug, not a policy answer: the apiserver applies the webhook's failurePolicy.
      deps.metrics.observeAdmission({ endpoint, operation: request.operation, kind: request.kind.kind, parts: { decision: 'error', reason: 'none' } });
      deps.logger.error({ endpoint, uid: request.uid, err: e }, 'admission failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal error (logged)' });
    } finally {
      deadline.dispose();
    }
  };
}

/**
 * Writes a JSON answer with the headers express's res.json gives it (Content-Type with charset; Node adds the
 * Content-Length), without its content-type parsing and formatting on every admission.
 */
function sendJson(res: Response, body: unknown): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** The review in the body, or — for a body nested too deep to parse — its uid with the problem. */
function readReview(req: Request, res: Response): ReadReview {
  const deep = tooDeepBody(res);
  if (!deep) return readAdmissionReview(req.body);
  if (deep.apiVersion !== undefined && deep.apiVersion !== 'admission.k8s.io/v1') readAdmissionReview({ apiVersion: deep.apiVersion });
  if (!deep.uid) throw new BadAdmissionRequest(400, `body nested deeper than ${MAX_JSON_DEPTH} levels and no request.uid found`);
  return { uid: deep.uid, problem: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
}
