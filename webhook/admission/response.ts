import { diffJson, type PatchOperation } from './json-patch-diff.js';
import type { AdmissionOutcome } from './outcome.js';
import { admissionReview, type AdmissionRequest, type AdmissionReview, type AdmissionResponse } from './review.js';
import { clampWarnings } from './warnings.js';

/** JSON Patch from the request's object to the mutated clone; empty when nothing changed (fast-json-patch's `compare`, without its copies). */
export function patchBetween(original: unknown, mutated: unknown): PatchOperation[] {
  return diffJson(original as object, mutated as object);
}

/** The one place an outcome becomes an AdmissionReview: uid echoed, patch only when non-empty, warnings clamped. */
export function outcomeToReview(request: Pick<AdmissionRequest, 'uid' | 'object'>, outcome: AdmissionOutcome): AdmissionReview {
  const response: AdmissionResponse = { uid: request.uid, allowed: outcome.allowed };
  if (!outcome.allowed) response.status = { code: 403, reason: 'Forbidden', message: outcome.message ?? 'denied by archcheck' };
  if (outcome.allowed && outcome.mutated !== undefined && request.object !== undefined) {
    const patch = patchBetween(request.object, outcome.mutated);
    if (patch.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
    }
  }
  const warnings = clampWarnings(outcome.warnings);
  if (warnings.length > 0) response.warnings = warnings;
  if (Object.keys(outcome.auditAnnotations).length > 0) response.auditAnnotations = { ...outcome.auditAnnotations };
  return admissionReview(response);
}
