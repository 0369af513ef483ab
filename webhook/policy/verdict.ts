import type { Pod } from '../../core/placement/index.js';

export type DenyReason = 'no-common-arch' | 'arch-conflict' | 'single-arch' | 'platform-mismatch' | 'unresolved' | 'unreachable-arch' | 'ephemeral-arch';
export type SkipReason = 'mode-off' | 'excluded-namespace' | 'opted-out' | 'has-node-name' | 'mirror-pod' | 'daemonset-pod' | 'template-unchanged' | 'owned-by-deployment' | 'owned-by-cronjob';
export type IgnoreReason = 'malformed' | 'no-new-ephemeral-container';

/**
 * A decision as data: what was decided and why, before any mode prefix. It travels from the verdict through the
 * outcome to the metrics and the decision log, which never parse the annotation string (`warn:denied:arch-conflict`).
 */
export type DecisionParts =
  | { decision: 'injected' | 'kept' | 'unresolved' | 'gated'; reason: 'none' }
  | { decision: 'allowed'; reason: 'none' | 'node-unknown' }
  | { decision: 'denied'; reason: DenyReason }
  | { decision: 'skipped'; reason: SkipReason }
  | { decision: 'ignored'; reason: IgnoreReason | 'none' }
  | { decision: 'error' | 'bad-request'; reason: 'none' };

/**
 * Why an object is left alone before any policy runs. `ignored`: not something archcheck handles (kind, operation,
 * subresource); `ignored:malformed`: not the shape placement relies on; `skipped:<reason>`: a guard's rule
 * (webhook/handlers/guards.ts); `gated`: /validate on a pod archcheck gated (placed later by the gate controller).
 */
export type SkipDecision = 'ignored' | `ignored:${IgnoreReason}` | `skipped:${SkipReason}` | 'gated';

/**
 * What a handler decided, before the mode (mutate, warn, audit, off) says what the apiserver gets. Every handler
 * returns one of these, and `applyMode` is the only place that turns one into an answer.
 */
export type Verdict =
  /**
   * `warning`: only for objects that are not the shape placement relies on (say what was wrong, decision 0013).
   * `mutated`: the pod with the skip recorded on it, applied in mutate mode only (decision 0014).
   */
  | { kind: 'skip'; decision: SkipDecision; parts: DecisionParts; warning?: string; mutated?: unknown }
  /** Nothing to change and nothing wrong (`ok`, `node-unknown`): warnings only. */
  | { kind: 'allow'; decision: 'ok' | 'node-unknown'; archs: string[]; warnings: string[] }
  /** Placed: `mutated` is the admitted object with the placement applied (the pod, or a workload with its template). */
  | { kind: 'place'; decision: 'injected' | 'kept'; archs: string[]; mutated: unknown; changes: string; warnings: string[] }
  /**
   * Some image's archs are unknown and the policy lets the pod in: unchanged (`unresolved`, decision 0003), or
   * changed by `mutated` in mutate mode (`gated`: onUnresolved gate adds a scheduling gate, webhook/gate). `warning`
   * is absent when another webhook call already said it (/validate after /mutate); `wouldWarning` replaces it in
   * warn mode when the verdict changes the pod.
   */
  | { kind: 'unresolved'; decision: 'unresolved' | 'gated'; archs: string[]; warning?: string; wouldWarning?: string; mutated?: unknown }
  | { kind: 'deny'; decision: `denied:${DenyReason}`; reason: DenyReason; archs: string[]; message: string; warning: string };

export type SkipVerdict = Extract<Verdict, { kind: 'skip' }>;
export type PlaceVerdict = Extract<Verdict, { kind: 'place' }>;
export type DenyVerdict = Extract<Verdict, { kind: 'deny' }>;
export type UnresolvedVerdict = Extract<Verdict, { kind: 'unresolved' }>;

/** A placement for a pod, before it is put back into the admitted object (a pod, or a DaemonSet's template). */
export type PlacedPod = Omit<PlaceVerdict, 'mutated'> & { placed: Pod };
export type PlacementPlan = PlacedPod | DenyVerdict | UnresolvedVerdict;

/** Left alone: `skip('skipped', 'opted-out')`, `skip('ignored')`, `skip('gated')`. */
export function skip(decision: 'skipped', reason: SkipReason): Verdict;
export function skip(decision: 'ignored', reason?: IgnoreReason): Verdict;
export function skip(decision: 'gated'): Verdict;
export function skip(decision: 'skipped' | 'ignored' | 'gated', reason?: SkipReason | IgnoreReason): Verdict {
  if (decision === 'gated') return { kind: 'skip', decision, parts: { decision: 'gated', reason: 'none' } };
  if (decision === 'skipped') return { kind: 'skip', decision: `skipped:${reason as SkipReason}`, parts: { decision, reason: reason as SkipReason } };
  const ignored = reason as IgnoreReason | undefined;
  return { kind: 'skip', decision: ignored ? `ignored:${ignored}` : 'ignored', parts: { decision, reason: ignored ?? 'none' } };
}

/** What a verdict decided, as data (the mode is added by the outcome). */
export function verdictParts(verdict: Verdict): DecisionParts {
  switch (verdict.kind) {
    case 'skip':
      return verdict.parts;
    case 'deny':
      return { decision: 'denied', reason: verdict.reason };
    case 'allow':
      return { decision: 'allowed', reason: verdict.decision === 'node-unknown' ? 'node-unknown' : 'none' };
    case 'place':
    case 'unresolved':
      return { decision: verdict.decision, reason: 'none' };
  }
}

/** The answer for an object whose fields are not the JSON types placement reads (decision 0013): allowed, unchanged, said why. */
export function malformed(problem: string): Verdict {
  return { ...(skip('ignored', 'malformed') as SkipVerdict), warning: `archcheck: not checked (malformed object): ${problem}` };
}

/** The plan as a verdict, with the placed pod embedded into the admitted object by `embed`. */
export function embedPlacement(plan: PlacementPlan, embed: (placed: Pod) => unknown): Verdict {
  if (plan.kind !== 'place') return plan;
  // `{ ...rest, mutated }` written out: a spread followed by a new key costs ≈ 1 µs on Node 20 (decision 0042).
  return { kind: plan.kind, decision: plan.decision, archs: plan.archs, changes: plan.changes, warnings: plan.warnings, mutated: embed(plan.placed) };
}
