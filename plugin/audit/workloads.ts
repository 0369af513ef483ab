import type { OwnerReference, PodSpec } from '../../core/placement/index.js';
import type { ClusterPod, KubeObject } from '../inventory/inventory.js';

/** One thing a team deploys: a controller (or a bare pod) with its pod template and the pods it runs now. */
export interface Workload {
  kind: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** The pod template's spec (a bare pod's own spec). */
  template: PodSpec;
  /** Pods that roll up to this workload through ownerReferences. */
  pods: ClusterPod[];
  /** Pods it asks for when running steadily (replicas; 1 for DaemonSets and bare pods; 0 for Jobs and CronJobs). */
  desiredPods: number;
}

type Identity = { kind: string; namespace: string; name: string };

/** Where each workload kind keeps its pod template spec. */
export function templateSpec(obj: KubeObject): PodSpec | undefined {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (obj.kind === 'Pod') return spec as unknown as PodSpec;
  if (obj.kind === 'CronJob') {
    const job = (spec.jobTemplate as { spec?: { template?: { spec?: PodSpec } } } | undefined)?.spec;
    return job?.template?.spec;
  }
  return (spec.template as { spec?: PodSpec } | undefined)?.spec;
}

/** Steady-state pod count, for savings from manifests. Jobs and CronJobs do not run all the time: 0. */
export function desiredPods(obj: KubeObject): number {
  const replicas = (obj.spec as { replicas?: unknown } | undefined)?.replicas;
  switch (obj.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'ReplicationController':
      return typeof replicas === 'number' ? replicas : 1;
    case 'Job':
    case 'CronJob':
      return 0;
    default:
      return 1;
  }
}

function controllerRef(meta: KubeObject['metadata']): OwnerReference | undefined {
  const refs = meta?.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

function key(id: Identity): string {
  return `${id.kind}/${id.namespace}/${id.name}`;
}

function identityOf(obj: KubeObject, fallbackNamespace: string): Identity {
  return { kind: obj.kind ?? 'Unknown', namespace: obj.metadata?.namespace ?? fallbackNamespace, name: obj.metadata?.name ?? '' };
}

/** Indexes objects by uid and by kind/namespace/name (manifests carry no uids). */
class OwnerIndex {
  private readonly byUid = new Map<string, KubeObject>();
  private readonly byKey = new Map<string, KubeObject>();

  constructor(
    objects: readonly KubeObject[],
    private readonly defaultNamespace: string,
  ) {
    for (const o of objects) {
      if (o.metadata?.uid) this.byUid.set(o.metadata.uid, o);
      this.byKey.set(key(identityOf(o, defaultNamespace)), o);
    }
  }

  find(ref: OwnerReference, namespace: string): KubeObject | undefined {
    return (ref.uid && this.byUid.get(ref.uid)) || this.byKey.get(key({ kind: ref.kind, namespace, name: ref.name }));
  }

  /**
   * The top of the controller chain (Pod → ReplicaSet → Deployment, Pod → Job → CronJob). An owner that is not in
   * the index (not readable, or a custom controller like an Argo Rollout) is the top itself. Static pods (owned by
   * their Node) are their own workload.
   */
  top(obj: KubeObject): { identity: Identity; object: KubeObject | undefined } {
    let current = obj;
    for (let depth = 0; depth < 10; depth++) {
      const namespace = current.metadata?.namespace ?? this.defaultNamespace;
      const ref = controllerRef(current.metadata);
      if (!ref || ref.kind === 'Node') break;
      const owner = this.find(ref, namespace);
      if (!owner) return { identity: { kind: ref.kind, namespace, name: ref.name }, object: undefined };
      current = owner;
    }
    return { identity: identityOf(current, this.defaultNamespace), object: current };
  }
}

/**
 * Groups objects and pods into workloads: pods roll up through ownerReferences to the top controller;
 * ReplicaSets owned by a Deployment and Jobs owned by a CronJob are part of their owner, not workloads of their own.
 * A workload whose controller could not be read takes its template from the first object or pod that names it.
 */
export function rollUpWorkloads(objects: readonly KubeObject[], pods: readonly ClusterPod[], defaultNamespace = 'default'): Workload[] {
  const index = new OwnerIndex(objects, defaultNamespace);
  const workloads = new Map<string, Workload>();
  const ensure = (obj: KubeObject): Workload | undefined => {
    const top = index.top(obj);
    const k = key(top.identity);
    const existing = workloads.get(k);
    if (existing) return existing;
    const source = top.object ?? obj;
    const template = templateSpec(source);
    if (!template) return undefined;
    const workload: Workload = { ...top.identity, labels: source.metadata?.labels ?? {}, template, pods: [], desiredPods: desiredPods(source) };
    workloads.set(k, workload);
    return workload;
  };
  for (const obj of objects) ensure(obj);
  for (const pod of pods) ensure(pod as KubeObject)?.pods.push(pod);
  return [...workloads.values()].sort(compareWorkloads);
}

const KIND_ORDER = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'ReplicaSet', 'ReplicationController', 'Pod'];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

export function compareWorkloads(a: Identity, b: Identity): number {
  return a.namespace.localeCompare(b.namespace) || kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}
