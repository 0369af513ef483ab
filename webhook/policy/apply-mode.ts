import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import type { PlacementPlan } from './plan-placement.js';
import { warn } from './messages.js';
import type { Mode } from './settings.js';

function auditAnnotations(decision: string, archs: readonly string[]): Record<string, string> {
  return { decision, ...(archs.length > 0 && { archs: archs.join(',') }) };
}

function modeDecision(mode: Mode, decision: string): string {
  return mode === 'mutate' ? decision : `${mode}:${decision}`;
}

/**
 * Turns a placement plan into what the apiserver gets, per mode: mutate patches and denies; warn changes nothing
 * and says what it would have done; audit only records (audit annotations, metrics, logs).
 * `embed` puts the placed pod back into the admitted object (the pod itself, or a workload's template).
 */
export function outcomeForPlan(plan: PlacementPlan, mode: Mode, embed: (placed: PlacementPlan & { verdict: 'place' }) => unknown): AdmissionOutcome {
  const decision = modeDecision(mode, plan.decision);
  const base = { decision, archs: plan.archs, auditAnnotations: auditAnnotations(decision, plan.archs) };
  if (mode === 'off') return allowUnchanged('skipped:mode-off');
  if (mode === 'audit') return { allowed: true, warnings: [], ...base };
  if (plan.verdict === 'deny') {
    return mode === 'mutate' ? { allowed: false, message: plan.message, warnings: [], ...base } : { allowed: true, warnings: [plan.warning], ...base };
  }
  if (plan.verdict === 'unresolved') return { allowed: true, warnings: [plan.warning], ...base };
  if (mode === 'warn') {
    const warnings = plan.changes ? [warn.wouldAdd(plan.changes), ...plan.warnings] : plan.warnings;
    return { allowed: true, warnings, ...base };
  }
  return { allowed: true, mutated: embed(plan), warnings: plan.warnings, ...base };
}
