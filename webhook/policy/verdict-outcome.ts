import type { AdmissionOutcome } from '../admission/outcome.js';
import type { Mode } from './settings.js';

/** A check that can only allow or deny (validation, templates, ephemeral containers). */
export interface CheckVerdict {
  verdict: 'ok' | 'deny' | 'place' | 'unresolved';
  decision: string;
  archs?: string[];
  message?: string;
  warning?: string;
  warnings?: string[];
}

/**
 * Maps an allow/deny verdict to an outcome per mode: mutate denies, warn turns the denial into a warning,
 * audit only records. Never mutates.
 */
export function outcomeForCheck(check: CheckVerdict, mode: Mode): AdmissionOutcome {
  const decision = mode === 'mutate' ? check.decision : `${mode}:${check.decision}`;
  const archs = check.archs ?? [];
  const auditAnnotations = { decision, ...(archs.length > 0 && { archs: archs.join(',') }) };
  const base = { decision, archs, auditAnnotations };
  if (mode === 'audit') return { allowed: true, warnings: [], ...base };
  if (check.verdict === 'deny') {
    if (mode === 'mutate') return { allowed: false, message: check.message ?? 'denied by archcheck', warnings: [], ...base };
    return { allowed: true, warnings: check.warning ? [check.warning] : [], ...base };
  }
  const warnings = [...(check.warnings ?? []), ...(check.verdict === 'unresolved' && check.warning ? [check.warning] : [])];
  return { allowed: true, warnings, ...base };
}
