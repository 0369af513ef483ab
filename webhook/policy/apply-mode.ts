import { allowUnchanged, type AdmissionOutcome } from '../admission/outcome.js';
import { warn } from './messages.js';
import type { Mode } from './settings.js';
import { verdictParts, type DecisionParts, type SkipVerdict, type UnresolvedVerdict, type Verdict } from './verdict.js';

function auditAnnotations(decision: string, archs: readonly string[]): Record<string, string> {
  return { decision, ...(archs.length > 0 && { archs: archs.join(',') }) };
}

/**
 * The one place an unresolved verdict becomes an answer: allowed, with its warning; in mutate mode with the
 * verdict's own change when it carries one (the gate), otherwise unchanged (decision 0003).
 */
function unresolvedOutcome(verdict: UnresolvedVerdict, mode: Mode, base: Pick<AdmissionOutcome, 'decision' | 'parts' | 'archs' | 'auditAnnotations'>): AdmissionOutcome {
  const warning = mode === 'warn' ? (verdict.wouldWarning ?? verdict.warning) : verdict.warning;
  const warnings = warning ? [warning] : [];
  if (mode === 'mutate' && verdict.mutated !== undefined) return { allowed: true, mutated: verdict.mutated, warnings, ...base };
  return { allowed: true, warnings, ...base };
}

/** Skips are allowed in every mode; only mutate mode records one on the pod (`mutated`). */
function skipOutcome(verdict: SkipVerdict, mode: Mode): AdmissionOutcome {
  const outcome = allowUnchanged(verdict.decision, verdict.parts, verdict.warning ? { warnings: [verdict.warning] } : {});
  return mode === 'mutate' && verdict.mutated !== undefined ? { ...outcome, mutated: verdict.mutated } : outcome;
}

/**
 * Turns a verdict into what the apiserver gets, per mode: mutate patches and denies; warn changes nothing and says
 * what it would have done; audit only records (audit annotations, metrics, logs); off does nothing. Skips are
 * answered the same in every mode. Decisions outside mutate mode carry the mode (`warn:denied:arch-conflict`).
 */
export function applyMode(verdict: Verdict, mode: Mode): AdmissionOutcome {
  // answerInMode's outcome is always a new object: `mode` is added to it rather than to a spread copy (≈ 1 µs on Node 20, decision 0042).
  const outcome = answerInMode(verdict, mode);
  outcome.mode = mode;
  return outcome;
}

const MODE_OFF: DecisionParts = { decision: 'skipped', reason: 'mode-off' };

function answerInMode(verdict: Verdict, mode: Mode): AdmissionOutcome {
  if (verdict.kind === 'skip') return skipOutcome(verdict, mode);
  if (mode === 'off') return allowUnchanged('skipped:mode-off', MODE_OFF);
  const decision = mode === 'mutate' ? verdict.decision : `${mode}:${verdict.decision}`;
  const base = { decision, parts: verdictParts(verdict), archs: verdict.archs, auditAnnotations: auditAnnotations(decision, verdict.archs) };
  if (mode === 'audit') return { allowed: true, warnings: [], ...base };
  switch (verdict.kind) {
    case 'deny':
      return mode === 'mutate' ? { allowed: false, message: verdict.message, warnings: [], ...base } : { allowed: true, warnings: [verdict.warning], ...base };
    case 'unresolved':
      return unresolvedOutcome(verdict, mode, base);
    case 'allow':
      return { allowed: true, warnings: verdict.warnings, ...base };
    case 'place':
      if (mode === 'warn') return { allowed: true, warnings: verdict.changes ? [warn.wouldAdd(verdict.changes), ...verdict.warnings] : verdict.warnings, ...base };
      return { allowed: true, mutated: verdict.mutated, warnings: verdict.warnings, ...base };
  }
}
