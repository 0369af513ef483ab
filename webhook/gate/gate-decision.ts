import { addTolerations, mergeArchAffinity, tolerationsFor, type Pod } from '../../core/placement/index.js';
import { planPlacement, type PlannedArchitectures, type PlanSettings } from '../policy/plan-placement.js';
import { ANNOTATION_DECISION } from '../policy/settings.js';
import { staleAsOf } from '../policy/messages.js';
import { ANNOTATION_REASON, gateReason, hasArchcheckGate, isTransient, ungatePod, withDecision } from './gate-marks.js';

export interface GateSettings {
  /** How long after its creation a pod may stay gated while its images stay unresolved. */
  gateTimeoutMs: number;
  /** On timeout, pin to these archs; empty: ungate unchanged. */
  fallbackArchs: readonly string[];
  /** A late denial: keep the pod gated (with an Event) or evict it. */
  denied: 'keep' | 'evict';
}

export interface GateEvent {
  type: 'Normal' | 'Warning';
  reason: 'ArchcheckPlaced' | 'ArchcheckGateTimeout' | 'ArchcheckDenied' | 'ArchcheckUnresolved';
  message: string;
}

/**
 * What the gate controller does with one gated pod, given what the registry now says about its images.
 * - `update`: write `pod` in one update (placement added, gate removed; or, for a denial, the annotations only).
 * - `evict`: a late denial under `gateDenied: evict` (the pod's controller recreates it).
 * - `retry`: images still unresolved for a transient reason and the timeout not reached: try again later.
 * - `none`: not archcheck's to touch (no archcheck gate), or nothing changed since the last time.
 * Only additions to node affinity and tolerations are made, which Kubernetes allows while a pod is gated.
 */
export type GateAction =
  | { kind: 'update'; pod: Pod; decision: string; ungated: boolean; event: GateEvent }
  | { kind: 'evict'; pod: Pod; decision: string; event: GateEvent }
  | { kind: 'retry'; reason: string }
  | { kind: 'none' };

export interface GateInput {
  pod: Pod;
  podArchs: PlannedArchitectures;
  /** Policy settings completed by discovery (allowed archs, arch taints). */
  settings: PlanSettings;
  nodeArchs: readonly string[];
  gate: GateSettings;
  /** Milliseconds since the pod was created. */
  gatedForMs: number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function timeout(input: GateInput, reason: string): GateAction {
  const { pod, gate, settings, gatedForMs } = input;
  const fallback = [...gate.fallbackArchs];
  if (fallback.length === 0) {
    const message = `archcheck: gate timeout after ${seconds(gatedForMs)}: ${reason}. The pod was released unplaced and may land on a node its images do not run on. Fix: make the registry reachable (or add an --image-override), then recreate the pod.`;
    return { kind: 'update', pod: withDecision(ungatePod(pod), 'gate-timeout', message), decision: 'gate-timeout', ungated: true, event: { type: 'Warning', reason: 'ArchcheckGateTimeout', message } };
  }
  const spec = addTolerations(mergeArchAffinity(pod.spec, fallback), tolerationsFor(fallback, settings.archTaints));
  const message = `archcheck: gate timeout after ${seconds(gatedForMs)}: ${reason}. The pod was pinned to the fallback archs ${fallback.join(',')} (gateFallbackArchs).`;
  return { kind: 'update', pod: withDecision(ungatePod({ ...pod, spec }), 'gate-timeout', message, fallback), decision: 'gate-timeout', ungated: true, event: { type: 'Warning', reason: 'ArchcheckGateTimeout', message } };
}

function lateDenial(input: GateInput, decision: string, message: string): GateAction {
  const { pod, gate } = input;
  const event: GateEvent = { type: 'Warning', reason: 'ArchcheckDenied', message: `${message} The pod stays gated (never scheduled); delete or fix its workload.` };
  if (gate.denied === 'evict') return { kind: 'evict', pod, decision, event: { ...event, message: `${message} Evicting it so its controller retries.` } };
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[ANNOTATION_DECISION] === decision && annotations[ANNOTATION_REASON] === message) return { kind: 'none' };
  return { kind: 'update', pod: withDecision(pod, decision, message), decision, ungated: false, event };
}

/** Pure: the next step for one pod (see GateAction). */
export function decideGate(input: GateInput): GateAction {
  const { pod, podArchs, settings, nodeArchs, gate, gatedForMs } = input;
  if (!hasArchcheckGate(pod)) return { kind: 'none' };
  // Our gate is taken off first, so placement sees the pod as the scheduler will; other gates stay.
  const plan = planPlacement(ungatePod(pod), podArchs, { ...settings, onUnresolved: 'allow' }, nodeArchs);
  if (plan.kind === 'deny') return lateDenial(input, plan.decision, plan.message);
  if (plan.kind === 'unresolved') {
    const reason = gateReason(podArchs.unresolved);
    if (!podArchs.unresolved.every(isTransient)) {
      const message = `archcheck: ${reason.replace(/; archcheck resolves.*$/, '')}: waiting will not help, so the pod was released unplaced. Fix: check the image names and the pod's imagePullSecrets, or add an --image-override.`;
      return { kind: 'update', pod: withDecision(ungatePod(pod), 'unresolved', message), decision: 'unresolved', ungated: true, event: { type: 'Warning', reason: 'ArchcheckUnresolved', message } };
    }
    if (gatedForMs >= gate.gateTimeoutMs) return timeout(input, reason);
    return { kind: 'retry', reason };
  }
  // Placed by a tag's last known answer while its registry fails (stale-if-error): said in the reason and the Event.
  const stale = podArchs.stale ?? [];
  const byStale = stale.length > 0 ? `; by the last known arch of ${stale.map((s) => `${s.image} (registry ${s.code}, as of ${staleAsOf(s)})`).join(', ')}` : '';
  const message = `archcheck: placed on ${plan.archs.join(',')} after ${seconds(gatedForMs)} gated (images resolved by the gate controller${byStale})`;
  return { kind: 'update', pod: withDecision(plan.placed, plan.decision, message), decision: plan.decision, ungated: true, event: { type: stale.length > 0 ? 'Warning' : 'Normal', reason: 'ArchcheckPlaced', message } };
}
