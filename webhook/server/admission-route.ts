import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AdmissionOutcome } from '../admission/outcome.js';
import { outcomeToReview } from '../admission/response.js';
import { BadAdmissionRequest, parseAdmissionReview, type AdmissionRequest } from '../admission/review.js';
import { admit, type Endpoint } from '../handlers/admit.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { admissionDeadlineMs, Deadline } from '../images/deadline.js';
import type { WebhookMetrics } from '../metrics.js';

export interface AdmissionRouteDeps {
  env: AdmissionEnv;
  metrics: WebhookMetrics;
  logger: Logger;
  resolveTimeoutMs: number;
}

function objectName(request: AdmissionRequest): string | undefined {
  const meta = (request.object as { metadata?: { name?: string; generateName?: string } } | undefined)?.metadata;
  return request.name || meta?.name || (meta?.generateName ? `${meta.generateName}*` : undefined);
}

function logOutcome(deps: AdmissionRouteDeps, endpoint: Endpoint, request: AdmissionRequest, outcome: AdmissionOutcome, ms: number): void {
  const fields = {
    endpoint,
    uid: request.uid,
    kind: request.kind.kind,
    operation: request.operation,
    namespace: request.namespace,
    name: objectName(request),
    decision: outcome.decision,
    allowed: outcome.allowed,
    archs: outcome.archs?.join(','),
    warnings: outcome.warnings.length || undefined,
    dryRun: request.dryRun || undefined,
    ms: Math.round(ms * 10) / 10,
  };
  if (outcome.decision.startsWith('ignored')) deps.logger.debug(fields, 'admission');
  else deps.logger.info(fields, 'admission');
}

/**
 * POST /mutate and /validate: decode → decide → answer. The handler owns no policy: it parses the review, runs
 * `admit` within the deadline, and writes the one response shape. dryRun needs no special case: deciding has no
 * side effects beyond caches, metrics and logs.
 */
export function admissionRoute(endpoint: Endpoint, deps: AdmissionRouteDeps): (req: Request, res: Response) => Promise<void> {
  return async (req: Request, res: Response): Promise<void> => {
    const started = performance.now();
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(req.body);
    } catch (e) {
      if (!(e instanceof BadAdmissionRequest)) throw e;
      deps.metrics.admissionRequests.inc({ operation: 'none', decision: 'bad-request' });
      res.status(e.status).json({ error: e.message });
      return;
    }
    const timeout = typeof req.query.timeout === 'string' ? req.query.timeout : undefined;
    const deadline = new Deadline(admissionDeadlineMs(deps.resolveTimeoutMs, timeout));
    try {
      const outcome = await admit(endpoint, request, deps.env, deadline);
      res.json(outcomeToReview(request, outcome));
      const seconds = (performance.now() - started) / 1000;
      deps.metrics.admissionRequests.inc({ operation: request.operation, decision: outcome.decision });
      deps.metrics.admissionDuration.observe(seconds);
      logOutcome(deps, endpoint, request, outcome, seconds * 1000);
    } catch (e) {
      // A bug, not a policy answer: the apiserver applies the webhook's failurePolicy.
      deps.metrics.admissionRequests.inc({ operation: request.operation, decision: 'error' });
      deps.logger.error({ endpoint, uid: request.uid, err: e }, 'admission failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal error (logged)' });
    } finally {
      deadline.dispose();
    }
  };
}
