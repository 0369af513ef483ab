import type { ArchPreference, ArchTaint, ImageOverride } from '../../core/placement/index.js';

export const MODES = ['mutate', 'warn', 'audit', 'off'] as const;
/** mutate: inject and deny; warn: change nothing, say what would happen; audit: only record; off: nothing. */
export type Mode = (typeof MODES)[number];

export const SINGLE_ARCH_POLICIES = ['allow', 'warn', 'deny'] as const;
export type SingleArchPolicy = (typeof SINGLE_ARCH_POLICIES)[number];

/** allow: admit unchanged; deny: reject; gate: admit with a scheduling gate, placed later by the gate controller. */
export const UNRESOLVED_POLICIES = ['allow', 'deny', 'gate'] as const;
export type UnresolvedPolicy = (typeof UNRESOLVED_POLICIES)[number];

export function isMode(value: unknown): value is Mode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

/** The placement policy, as configured (flags/env/file) and completed by discovery. */
export interface PolicySettings {
  mode: Mode;
  singleArch: SingleArchPolicy;
  onUnresolved: UnresolvedPolicy;
  /** Configured (`--arch-taint`) and discovered `kubernetes.io/arch` taints: pods that may run on ARCH tolerate them. */
  archTaints: ArchTaint[];
  prefer: ArchPreference[];
  /** Archs pods may be placed on: `--allowed-archs`, else the cluster's node archs, else amd64,arm64. */
  allowedArchs: string[];
  imageOverrides: ImageOverride[];
  /** Always includes kube-system, kube-public, kube-node-lease and the webhook's own namespace. */
  excludedNamespaces: string[];
  /** Honour `archcheck.dev/skip: "true"` on pods and pod templates. */
  podOptOut: boolean;
}

export const ANNOTATION_ARCHS = 'archcheck.dev/archs';
export const ANNOTATION_DECISION = 'archcheck.dev/decision';
export const ANNOTATION_SKIP = 'archcheck.dev/skip';
export const NAMESPACE_MODE_LABEL = 'archcheck.dev/mode';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Namespaces whose pods a broken webhook must never block (it could not recover itself, nor nodes register). */
export const ALWAYS_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];
