import type { ImageArchitectures, Pod } from '../../core/placement/index.js';
import type { UnresolvedVerdict } from '../policy/verdict.js';
import { gatePod, gateReason, isTransient } from './gate-marks.js';

/**
 * `onUnresolved: gate` at admission: a pod whose images had no answer in time (or a transient registry failure) is
 * admitted with archcheck's scheduling gate instead of unprotected; the gate controller places and ungates it.
 * Returns undefined when some image failed for a reason waiting cannot fix (NOT_FOUND, UNAUTHORIZED…): the pod then
 * follows the `allow` path (unchanged, with a warning), as it would have been no better after the gate timeout.
 * As every verdict, it goes through applyMode: warn mode only says it would gate; audit only records.
 */
export function gateAtAdmission(pod: Pod, unresolved: readonly ImageArchitectures[]): UnresolvedVerdict | undefined {
  if (unresolved.length === 0 || !unresolved.every(isTransient)) return undefined;
  const reason = gateReason(unresolved);
  return {
    kind: 'unresolved',
    decision: 'gated',
    archs: [],
    mutated: gatePod(pod, reason),
    warning: `archcheck: pod gated until its images are resolved (${unresolved[0]?.error?.code ?? 'TIMEOUT'})`,
    wouldWarning: `archcheck: would gate the pod: ${reason}`,
  };
}
