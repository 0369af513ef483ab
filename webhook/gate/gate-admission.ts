import type { ImageArchitectures, Pod } from '../../core/placement/index.js';
import type { AdmissionOutcome } from '../admission/outcome.js';
import type { Mode } from '../policy/settings.js';
import { gatePod, gateReason, isTransient } from './gate-marks.js';

/**
 * `onUnresolved: gate` at admission: a pod whose images had no answer in time (or a transient registry failure) is
 * admitted with archcheck's scheduling gate instead of unprotected; the gate controller places and ungates it.
 * Returns undefined when some image failed for a reason waiting cannot fix (NOT_FOUND, UNAUTHORIZED…): the pod then
 * follows the `allow` path (unchanged, with a warning), as it would have been no better after the gate timeout.
 * warn mode only says it would gate; audit only records.
 */
export function gateAtAdmission(pod: Pod, unresolved: readonly ImageArchitectures[], mode: Mode): AdmissionOutcome | undefined {
  if (unresolved.length === 0 || !unresolved.every(isTransient)) return undefined;
  const reason = gateReason(unresolved);
  const decision = mode === 'mutate' ? 'gated' : `${mode}:gated`;
  const base = { allowed: true, decision, archs: [], auditAnnotations: { decision } };
  if (mode === 'mutate') return { ...base, mutated: gatePod(pod, reason), warnings: [`archcheck: pod gated until its images are resolved (${unresolved[0]?.error?.code ?? 'TIMEOUT'})`] };
  if (mode === 'warn') return { ...base, warnings: [`archcheck: would gate the pod: ${reason}`] };
  return { ...base, warnings: [] };
}
