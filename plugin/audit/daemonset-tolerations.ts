import type { PodSpec, Toleration } from '../../core/placement/index.js';

/**
 * The tolerations the DaemonSet controller adds to every pod it creates (pkg/controller/daemon/util): its pods
 * still run on cordoned, not-ready or pressured nodes. Without them a DaemonSet would look unable to reach a
 * cordoned pool.
 */
export const DAEMONSET_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The spec the scheduler sees for this workload's pods. */
export function schedulingSpec(kind: string, template: PodSpec): PodSpec {
  if (kind !== 'DaemonSet') return template;
  return { ...template, tolerations: [...(template.tolerations ?? []), ...DAEMONSET_TOLERATIONS] };
}
