import { withFields } from '../with-fields.js';
import type { PodSpec, Taint, Toleration } from './k8s-types.js';

/** A taint that nodes of one CPU architecture carry (e.g. AKS arm64 pools: `kubernetes.io/arch=arm64:NoSchedule`). */
export interface ArchTaint {
  arch: string;
  taint: Taint;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Kubernetes' own matching rule (k8s.io/api core/v1 Toleration.ToleratesTaint). */
export function toleratesTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerationMatches(t, taint));
}

function tolerationMatches(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  const operator = t.operator || 'Equal';
  if (!t.key) return operator === 'Exists'; // empty key + Exists tolerates everything
  if (t.key !== taint.key) return false;
  if (operator === 'Exists') return true;
  return operator === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

/** The toleration that tolerates exactly this taint: `Equal` with its value, `Exists` when it has none. */
export function tolerationForTaint(taint: Taint): Toleration {
  if (taint.value) return { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect };
  return { key: taint.key, operator: 'Exists', effect: taint.effect };
}

function taintOfToleration(t: Toleration): Taint {
  return { key: t.key ?? '', ...(t.value ? { value: t.value } : {}), effect: t.effect ?? '' };
}

/**
 * Whether `existing` tolerates every taint `wanted` does. Matching the one taint a toleration was made from is not
 * enough: a wanted `Exists` stands for every value of its key, which only an existing `Exists` (for the key, or the
 * wildcard) covers — not an `Equal` with the empty value (a pod tolerating `dedicated` only with the empty value
 * still needs `dedicated=arm64:NoSchedule`).
 */
function subsumes(existing: Toleration, wanted: Toleration): boolean {
  if (!tolerationMatches(existing, taintOfToleration(wanted))) return false;
  return (wanted.operator || 'Equal') === 'Equal' || existing.operator === 'Exists';
}

/** Tolerations for the arch taints of the given archs, one per distinct taint. */
export function tolerationsFor(archs: readonly string[], archTaints: readonly ArchTaint[]): Toleration[] {
  const out: Toleration[] = [];
  for (const { arch, taint } of archTaints) {
    if (!archs.includes(arch) || toleratesTaint(out, taint)) continue;
    out.push(tolerationForTaint(taint));
  }
  return out;
}

/**
 * Adds tolerations the pod lacks. A wanted toleration is skipped when one the pod has tolerates all it tolerates
 * (an existing `Exists` for its key, an empty-key wildcard or an identical entry). Idempotent; returns a new spec.
 */
export function addTolerations(spec: PodSpec, tolerations: readonly Toleration[]): PodSpec {
  const existing = spec.tolerations ?? [];
  const merged = [...existing];
  for (const t of tolerations) {
    if (!merged.some((e) => subsumes(e, t))) merged.push(t);
  }
  if (merged.length === existing.length) return spec;
  return withFields(spec, { tolerations: merged });
}

/**
 * Parses `ARCH=KEY[=VALUE]:EFFECT`, e.g. `arm64=kubernetes.io/arch=arm64:NoSchedule` or
 * `arm64=node-role.vos/arm_controller=true:NoSchedule`. Throws an Error saying what is wrong.
 */
export function parseArchTaint(text: string): ArchTaint {
  const example = 'e.g. arm64=kubernetes.io/arch=arm64:NoSchedule';
  const eq = text.indexOf('=');
  const colon = text.lastIndexOf(':');
  if (eq <= 0 || colon < eq) throw new Error(`"${text}" is not ARCH=KEY[=VALUE]:EFFECT (${example})`);
  const arch = text.slice(0, eq).trim();
  const keyValue = text.slice(eq + 1, colon).trim();
  const effect = text.slice(colon + 1).trim();
  if (!EFFECTS.includes(effect)) throw new Error(`"${text}": effect "${effect}" must be one of ${EFFECTS.join(', ')}`);
  const valueAt = keyValue.indexOf('=');
  const key = valueAt === -1 ? keyValue : keyValue.slice(0, valueAt);
  const value = valueAt === -1 ? '' : keyValue.slice(valueAt + 1);
  if (!/^[a-z0-9_]+$/.test(arch) || key === '') throw new Error(`"${text}" needs an arch and a taint key (${example})`);
  return { arch, taint: { key, ...(value ? { value } : {}), effect } };
}

/** `arm64=kubernetes.io/arch=arm64:NoSchedule`, the inverse of parseArchTaint. */
export function formatArchTaint({ arch, taint }: ArchTaint): string {
  return `${arch}=${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}
