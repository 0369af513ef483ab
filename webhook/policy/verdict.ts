import type { Pod } from '../../core/placement/index.js';

export type DenyReason = 'no-common-arch' | 'arch-conflict' | 'single-arch' | 'platform-mismatch' | 'unresolved' | 'unreachable-arch' | 'ephemeral-arch';

/**
 * Why an object is left alone before any policy runs. `ignored`: not something archcheck handles (kind, operation,
 * subresource); `ignored:malformed`: not the shape placement relies on; `skipped:<reason>`: a guard's rule
 * (webhook/handlers/guards.ts); `gated`: /validate on a pod archcheck gated (placed later by the gate controller).
 */
export type SkipDecision = 'ignored' | 'ignored:malformed' | `ignored:${string}` | `skipped:${string}` | 'gated';

/**
 * What a handler decided, before the mode (mutate, warn, audit, off) says what the apiserver gets. Every handler
 * returns one of these, and `applyMode` is the only place that turns one into an answer.
 */
export type Verdict =
  /**
   * `warning`: only for objects that are not the shape placement relies on (say what was wrong, decision 0013).
   * `mutated`: the pod with the skip recorded on it, applied in mutate mode only (decision 0014).
   */
  | { kind: 'skip'; decision: SkipDecision; warning?: string; mutated?: unknown }
  /** Nothing to change and nothing wrong (`ok`, `node-unknown`): warnings only. */
  | { kind: 'allow'; decision: string; archs: string[]; warnings: string[] }
  /** Placed: `mutated` is the admitted object with the placement applied (the pod, or a workload with its template). */
  | { kind: 'place'; decision: 'injected' | 'kept'; archs: string[]; mutated: unknown; changes: string; warnings: string[] }
  /**
   * Some image's archs are unknown and the policy lets the pod in: unchanged (`unresolved`, decision 0003), or
   * changed by `mutated` in mutate mode (`gated`: onUnresolved gate adds a scheduling gate, webhook/gate). `warning`
   * is absent when another webhook call already said it (/validate after /mutate); `wouldWarning` replaces it in
   * warn mode when the verdict changes the pod.
   */
  | { kind: 'unresolved'; decision: 'unresolved' | 'gated'; archs: string[]; warning?: string; wouldWarning?: string; mutated?: unknown }
  | { kind: 'deny'; decision: `denied:${DenyReason}`; archs: string[]; message: string; warning: string };

export type SkipVerdict = Extract<Verdict, { kind: 'skip' }>;
export type PlaceVerdict = Extract<Verdict, { kind: 'place' }>;
export type DenyVerdict = Extract<Verdict, { kind: 'deny' }>;
export type UnresolvedVerdict = Extract<Verdict, { kind: 'unresolved' }>;

/** A placement for a pod, before it is put back into the admitted object (a pod, or a DaemonSet's template). */
export type PlacedPod = Omit<PlaceVerdict, 'mutated'> & { placed: Pod };
export type PlacementPlan = PlacedPod | DenyVerdict | UnresolvedVerdict;

export function skip(decision: SkipDecision): Verdict {
  return { kind: 'skip', decision };
}

/** The answer for an object whose fields are not the JSON types placement reads (decision 0013): allowed, unchanged, said why. */
export function malformed(problem: string): Verdict {
  return { kind: 'skip', decision: 'ignored:malformed', warning: `archcheck: not checked (malformed object): ${problem}` };
}

/** The plan as a verdict, with the placed pod embedded into the admitted object by `embed`. */
export function embedPlacement(plan: PlacementPlan, embed: (placed: Pod) => unknown): Verdict {
  if (plan.kind !== 'place') return plan;
  const { placed, ...rest } = plan;
  return { ...rest, mutated: embed(placed) };
}
