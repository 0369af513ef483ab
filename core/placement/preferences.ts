import { ARCH_LABELS, type PodSpec, type PreferredSchedulingTerm } from './k8s-types.js';
import { withNodeAffinity } from './merge-arch-affinity.js';

/** `--prefer arm64=80`: a preferred node affinity weight (1–100) for pods that can run on the arch. */
export interface ArchPreference {
  arch: string;
  weight: number;
}

function preferenceTerm({ arch, weight }: ArchPreference): PreferredSchedulingTerm {
  return { weight, preference: { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: [arch] }] } };
}

function isSameTerm(a: PreferredSchedulingTerm, b: PreferredSchedulingTerm): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function mentionsArch(term: PreferredSchedulingTerm): boolean {
  return (term.preference?.matchExpressions ?? []).some((r) => ARCH_LABELS.includes(r.key));
}

/**
 * Adds preferred node affinity terms `kubernetes.io/arch In [arch]` with the given weights (callers pass only
 * archs the pod can run on). A pod that already states its own arch preference keeps it untouched: any existing
 * preferred term on the arch label that is not one of ours means "leave preferences alone". Idempotent; returns a new spec.
 */
export function addPreferences(spec: PodSpec, preferences: readonly ArchPreference[]): PodSpec {
  const wanted = preferences.map(preferenceTerm);
  const existing = spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const usersOwn = existing.some((t) => mentionsArch(t) && !wanted.some((w) => isSameTerm(w, t)));
  if (usersOwn) return spec;
  const missing = wanted.filter((w) => !existing.some((t) => isSameTerm(w, t)));
  if (missing.length === 0) return spec;
  return withNodeAffinity(spec, { preferredDuringSchedulingIgnoredDuringExecution: [...existing, ...missing] });
}

/** Parses `ARCH=WEIGHT` with WEIGHT an integer 1–100. Throws an Error saying what is wrong. */
export function parseArchPreference(text: string): ArchPreference {
  const m = /^\s*([a-z0-9_]+)\s*=\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not ARCH=WEIGHT (e.g. arm64=80)`);
  const weight = Number(m[2]);
  if (weight < 1 || weight > 100) throw new Error(`"${text}": weight must be 1–100 (Kubernetes' range for preferred affinity)`);
  return { arch: m[1]!, weight };
}
