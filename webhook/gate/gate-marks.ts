import type { ImageArchitectures, Pod } from '../../core/placement/index.js';
import { ANNOTATION_ARCHS, ANNOTATION_DECISION, ANNOTATION_REASON } from '../policy/settings.js';

export { ANNOTATION_REASON };

/**
 * What archcheck writes on a pod it admits gated, and reads back in the gate controller. A gated pod is never
 * scheduled until the gate is removed; the controller removes only its own gate and keeps any other.
 */
export const GATE_NAME = 'archcheck.dev/resolving';
/** Label on gated pods, so the controller watches only them (a label selector; annotations cannot be selected). */
export const GATED_LABEL = 'archcheck.dev/gated';

export interface SchedulingGate {
  name: string;
}

export function schedulingGates(pod: Pod): SchedulingGate[] {
  const gates = pod.spec.schedulingGates;
  return Array.isArray(gates) ? (gates as SchedulingGate[]) : [];
}

export function hasArchcheckGate(pod: Pod): boolean {
  return schedulingGates(pod).some((g) => g.name === GATE_NAME);
}

/**
 * Registry answers worth waiting for: no answer in time, rate limits, a registry that cannot be reached or answers
 * 5xx. NOT_FOUND, UNAUTHORIZED and the like will not change by waiting, so they follow the `allow` path instead
 * (admitted unchanged, with a warning) rather than holding a pod until the gate timeout.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['TIMEOUT', 'RATE_LIMITED', 'UNREACHABLE', 'BAD_RESPONSE']);

export function isTransient(image: ImageArchitectures): boolean {
  return TRANSIENT_CODES.has(image.error?.code ?? 'TIMEOUT');
}

/** `TIMEOUT: reg/app:1, reg/db:2` — why the pod is gated, for the annotation and the Event. */
export function gateReason(unresolved: readonly ImageArchitectures[]): string {
  const byCode = new Map<string, string[]>();
  for (const i of unresolved) {
    const code = i.error?.code ?? 'TIMEOUT';
    byCode.set(code, [...(byCode.get(code) ?? []), i.image]);
  }
  const text = [...byCode].map(([code, images]) => `${code}: ${[...new Set(images)].join(', ')}`).join('; ');
  return `architectures of images not known at admission (${text}); archcheck resolves them and then lets the pod schedule`;
}

/**
 * The pod admitted gated: scheduling gate `archcheck.dev/resolving` appended after any gates it already has, label
 * `archcheck.dev/gated: "true"`, annotations `decision: gated` and `reason`. Idempotent (a pod gated before keeps
 * one gate). Placement is left alone: the controller adds it once the images are known.
 */
export function gatePod(pod: Pod, reason: string): Pod {
  const metadata = pod.metadata ?? {};
  const gates = hasArchcheckGate(pod) ? schedulingGates(pod) : [...schedulingGates(pod), { name: GATE_NAME }];
  return {
    ...pod,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, [GATED_LABEL]: 'true' },
      annotations: { ...metadata.annotations, [ANNOTATION_DECISION]: 'gated', [ANNOTATION_REASON]: reason },
    },
    spec: { ...pod.spec, schedulingGates: gates },
  };
}

/** The pod without archcheck's gate and label (other gates and labels kept). */
export function ungatePod(pod: Pod): Pod {
  const metadata = pod.metadata ?? {};
  const labels = { ...metadata.labels };
  delete labels[GATED_LABEL];
  const gates = schedulingGates(pod).filter((g) => g.name !== GATE_NAME);
  const { schedulingGates: _old, ...rest } = pod.spec;
  const spec: Pod['spec'] = gates.length > 0 ? { ...rest, schedulingGates: gates } : rest;
  return { ...pod, metadata: { ...metadata, labels }, spec };
}

/** Sets decision and reason annotations (and optionally archs) on a copy. */
export function withDecision(pod: Pod, decision: string, reason: string, archs?: readonly string[]): Pod {
  const metadata = pod.metadata ?? {};
  const annotations: Record<string, string> = { ...metadata.annotations, [ANNOTATION_DECISION]: decision, [ANNOTATION_REASON]: reason };
  if (archs) annotations[ANNOTATION_ARCHS] = archs.join(',');
  return { ...pod, metadata: { ...metadata, annotations } };
}
