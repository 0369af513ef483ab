import type { AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import { applyMode } from '../policy/apply-mode.js';
import { malformed, skip } from '../policy/verdict.js';
import type { AdmissionEnv } from './admission-env.js';
import { daemonSetTemplate } from './daemonset-template.js';
import { ephemeralContainers } from './ephemeral-containers.js';
import { firstSkip, operationGuard, subresourceGuard } from './guards.js';
import type { Endpoint, HandlerSpec } from './handler.js';
import { podMutation } from './pod-mutation.js';
import { podValidation } from './pod-validation.js';
import { requestScope } from './guards.js';
import { workloadValidation } from './workload-validation.js';

export type { Endpoint } from './handler.js';

/** A row with its target type erased, so one table holds them all (each row's read, guards and decide agree on it). */
const row = <T>(spec: HandlerSpec<T>): HandlerSpec<unknown> => spec as unknown as HandlerSpec<unknown>;

/**
 * THE handler table: every request archcheck answers, by endpoint, kind and subresource. Anything else (other
 * kinds, other subresources) is allowed unchanged as `ignored`.
 */
export const HANDLERS: readonly HandlerSpec<unknown>[] = [row(podMutation), row(podValidation), row(ephemeralContainers), row(daemonSetTemplate), row(workloadValidation)];

/** The handler for a request: endpoint and kind match, and the subresource guard passes. */
export function handlerFor(endpoint: Endpoint, request: AdmissionRequest): HandlerSpec<unknown> | undefined {
  return HANDLERS.find((s) => s.endpoints.includes(endpoint) && s.matchesKind(request.kind) && subresourceGuard(request, s.subresource) === undefined);
}

/**
 * Decides one admission request: the handler table, then the guard chain (operation, shape, namespace and the
 * handler's own guards), then the handler's decision, then the mode. Never throws for policy reasons; a thrown
 * error is a bug (answered upstream).
 */
export async function admit(endpoint: Endpoint, request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  const spec = handlerFor(endpoint, request);
  if (!spec) return applyMode(skip('ignored'), 'mutate');
  const wrongOperation = operationGuard(request, spec.operations);
  if (wrongOperation) return applyMode(wrongOperation, 'mutate');
  const read = spec.read(request);
  if ('problem' in read) return applyMode(malformed(read.problem), 'mutate');
  const scope = await requestScope(request, env);
  const admission = { request, target: read.target, scope };
  const skipped = firstSkip(spec.guards, admission);
  if (skipped) return applyMode(spec.onSkip && skipped.kind === 'skip' ? spec.onSkip(admission, skipped) : skipped, scope.mode);
  return applyMode(await spec.decide(admission, env, deadline), scope.mode);
}
