import type { ObjectMeta, Pod, PodTemplateSpec } from '../../core/placement/index.js';
import { podProblem, workloadProblem } from '../admission/object-shape.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object as a pod, when every field placement reads has its JSON type (admission/object-shape.ts). */
export function readPod(object: unknown, path = 'object'): { target: Pod } | { problem: string } {
  const problem = podProblem(object, path);
  return problem ? { problem } : { target: object as Pod };
}

/** The object as a pod, or undefined when it is not the shape placement reads. */
export function asPod(object: unknown): Pod | undefined {
  const read = readPod(object);
  return 'target' in read ? read.target : undefined;
}

/** What is wrong with a workload of this kind as the template handlers read it. */
export function workloadShapeProblem(kind: string, object: unknown, path = 'object'): string | undefined {
  return workloadProblem(object, templatePath(kind), path);
}

export interface Workload {
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Workload kinds whose pod template is validated at apply time (docs/placement-rules.md, "Workload templates"), by API group. */
export const WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  ReplicaSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
};

/** Where the pod template of a workload lives: `spec.template`, or `spec.jobTemplate.spec.template` for CronJobs. */
export function templatePath(kind: string): string[] {
  return kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
}

export function podTemplateOf(kind: string, object: unknown): PodTemplateSpec | undefined {
  let node: unknown = object;
  for (const key of templatePath(kind)) node = isRecord(node) ? node[key] : undefined;
  if (!isRecord(node) || !isRecord(node.spec) || !Array.isArray(node.spec.containers)) return undefined;
  return node as unknown as PodTemplateSpec;
}

/**
 * A copy of the workload with its pod template replaced. Only the objects on the way to the template are copied;
 * the rest is shared with the request's object, which nothing modifies (a deep clone of every DaemonSet was a
 * measurable share of an admission's CPU).
 */
export function withPodTemplate(kind: string, object: unknown, template: PodTemplateSpec): unknown {
  const path = templatePath(kind);
  const copy = { ...(object as Record<string, unknown>) };
  let node = copy;
  for (const key of path.slice(0, -1)) {
    const next = { ...(node[key] as Record<string, unknown>) };
    node[key] = next;
    node = next;
  }
  node[path[path.length - 1]!] = template;
  return copy;
}

/** A pod template shaped as a pod, so pod placement applies to it unchanged. */
export function templateAsPod(template: PodTemplateSpec): Pod {
  return { metadata: template.metadata ?? {}, spec: template.spec };
}

/** The pod template did not change in an UPDATE (scaling, labels, status-like edits): nothing to re-check. */
export function templateUnchanged(kind: string, object: unknown, oldObject: unknown): boolean {
  const now = podTemplateOf(kind, object);
  const before = podTemplateOf(kind, oldObject);
  return before !== undefined && JSON.stringify(now) === JSON.stringify(before);
}
