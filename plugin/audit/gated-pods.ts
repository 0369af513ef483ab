import type { ClusterPod } from '../inventory/inventory.js';
import { listShort } from './workload-status.js';

/**
 * Pods waiting behind archcheck's scheduling gate: the webhook admitted them before their images' architectures
 * were known (registry slow or down) and its gate controller has not placed them yet, or placed them as a denial
 * and keeps them gated. The names are the webhook's (webhook/gate/gate-marks.ts); the plugin never imports the
 * webhook, so they are repeated here.
 */
export const ARCHCHECK_GATE = 'archcheck.dev/resolving';
const ANNOTATION_DECISION = 'archcheck.dev/decision';
const ANNOTATION_REASON = 'archcheck.dev/reason';

export interface GatedPod {
  pod: string;
  /** `gated`, or `denied:<reason>` for a late denial kept gated. */
  decision: string;
  /** The webhook's `archcheck.dev/reason`: why it waits, or why it was denied and what to do. */
  reason: string;
}

const FINISHED = new Set(['Succeeded', 'Failed']);

function hasArchcheckGate(pod: ClusterPod): boolean {
  const gates = pod.spec.schedulingGates;
  return Array.isArray(gates) && gates.some((g) => (g as { name?: unknown } | null)?.name === ARCHCHECK_GATE);
}

export function gatedPods(pods: readonly ClusterPod[]): GatedPod[] {
  return pods
    .filter((p) => !FINISHED.has(p.status?.phase ?? '') && hasArchcheckGate(p))
    .map((p) => ({
      pod: p.metadata?.name ?? '',
      decision: p.metadata?.annotations?.[ANNOTATION_DECISION] ?? 'gated',
      reason: p.metadata?.annotations?.[ANNOTATION_REASON] ?? 'no archcheck.dev/reason annotation',
    }));
}

/** `; 2 pods (web-1, web-2) wait behind archcheck's scheduling gate: <first reason>` — appended to the status reason. */
export function gatedReason(gated: readonly GatedPod[]): string {
  if (gated.length === 0) return '';
  const denied = gated.filter((g) => g.decision.startsWith('denied:'));
  const first = denied[0] ?? gated[0]!;
  const count = `${gated.length} pod${gated.length === 1 ? '' : 's'} (${listShort(gated.map((g) => g.pod))})`;
  const why = denied.length > 0 ? `held gated by archcheck (${first.decision}): ${first.reason}` : `wait behind archcheck's scheduling gate: ${first.reason}`;
  return `; ${count} ${why}`;
}
