import type { Mode } from '../policy/settings.js';
import type { DecisionParts } from '../policy/verdict.js';

/** What the policy decided for one admission request, before it is written as an AdmissionResponse. */
export interface AdmissionOutcome {
  allowed: boolean;
  /** For denials: what is wrong and what to do. */
  message?: string;
  /** The object after mutation; the patch is the diff against the request's object. */
  mutated?: unknown;
  warnings: string[];
  /** Keys without a prefix: the apiserver prefixes them with the webhook's name. */
  auditAnnotations: Record<string, string>;
  /** Bounded vocabulary for metrics and logs: `injected`, `kept`, `skipped:<reason>`, `denied:<reason>`, `unresolved`, `allowed`, prefixed `warn:`/`audit:` outside mutate mode. */
  decision: string;
  /** The decision as data (what and why, without the mode prefix): what metrics and the decision log read. */
  parts: DecisionParts;
  archs?: string[];
  /** The mode the request was judged in (the namespace's, else the configured one); for metrics and logs. */
  mode?: Mode;
}

export function allowUnchanged(decision: string, parts: DecisionParts, extra: Partial<AdmissionOutcome> = {}): AdmissionOutcome {
  return { allowed: true, warnings: [], auditAnnotations: { decision }, decision, parts, ...extra };
}
