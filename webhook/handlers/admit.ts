import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { Deadline } from '../images/deadline.js';
import type { AdmissionEnv } from './admission-env.js';
import { mutateDaemonSet } from './daemonset-template.js';
import { checkEphemeralUpdate } from './ephemeral-containers.js';
import { WORKLOAD_KINDS } from './objects.js';
import { mutatePod } from './pod-mutation.js';
import { validatePod } from './pod-validation.js';
import { validateWorkload } from './workload-validation.js';

export type Endpoint = 'mutate' | 'validate';

type Handler = (request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline) => Promise<AdmissionOutcome>;

function isCorePod(request: AdmissionRequest): boolean {
  return request.kind.kind === 'Pod' && (request.kind.group ?? '') === '';
}

function isWorkload(request: AdmissionRequest): boolean {
  const group = WORKLOAD_KINDS[request.kind.kind];
  return group !== undefined && request.kind.group === group;
}

/** Which handler answers a request; unknown kinds, subresources and operations are allowed unchanged. */
export function handlerFor(endpoint: Endpoint, request: AdmissionRequest): Handler | undefined {
  if (isCorePod(request) && request.subResource === 'ephemeralcontainers') return checkEphemeralUpdate;
  if (request.subResource) return undefined;
  if (isCorePod(request)) return endpoint === 'mutate' ? mutatePod : validatePod;
  if (!isWorkload(request)) return undefined;
  if (endpoint === 'mutate') return request.kind.kind === 'DaemonSet' ? mutateDaemonSet : undefined;
  return validateWorkload;
}

/** Decides one admission request. Never throws for policy reasons; a thrown error is a bug (answered 500 upstream). */
export async function admit(endpoint: Endpoint, request: AdmissionRequest, env: AdmissionEnv, deadline: Deadline): Promise<AdmissionOutcome> {
  const handler = handlerFor(endpoint, request);
  if (!handler) return allowUnchanged('ignored');
  return handler(request, env, deadline);
}
