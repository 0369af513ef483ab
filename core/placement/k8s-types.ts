/**
 * Minimal, plain-JSON Kubernetes types: only the fields placement reads or writes.
 * Unknown fields are preserved by the code that clones and edits these objects.
 * (core/ never imports @kubernetes/client-node: the webhook and the plugin both feed it plain JSON.)
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  [field: string]: unknown;
}

export interface LocalObjectReference {
  name?: string;
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator | string;
  values?: string[];
}

/** One ORed term; its expressions and fields are ANDed. An empty term matches no node. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  [field: string]: unknown;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
}

export interface Toleration {
  key?: string;
  /** `Equal` (default) or `Exists`. */
  operator?: string;
  value?: string;
  /** Empty matches every effect. */
  effect?: string;
  tolerationSeconds?: number;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  imagePullSecrets?: LocalObjectReference[];
  os?: { name: string };
  [field: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec: PodSpec;
  [field: string]: unknown;
}

/** The node label the scheduler matches CPU architecture on. */
export const ARCH_LABEL = 'kubernetes.io/arch';
/** Deprecated, still set by kubelet; a constraint on it constrains the arch just the same. */
export const BETA_ARCH_LABEL = 'beta.kubernetes.io/arch';
export const ARCH_LABELS: readonly string[] = [ARCH_LABEL, BETA_ARCH_LABEL];
