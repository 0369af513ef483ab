import type { WebhookConfig } from '../config.js';

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

/**
 * The placement policy: the configuration's own keys (webhook/config.ts, one schema for flags, env, file and Helm
 * values), not a copy in another shape. Two are completed: `excludedNamespaces` always holds kube-system,
 * kube-public, kube-node-lease and the webhook's own namespace (here, once); `allowedArchs` and `archTaints` are
 * completed by node discovery per request (handlers/request-scope.ts).
 */
export type PolicySettings = Pick<WebhookConfig, 'mode' | 'singleArch' | 'onUnresolved' | 'archTaints' | 'prefer' | 'allowedArchs' | 'imageOverrides' | 'excludedNamespaces' | 'podOptOut'>;

/** The policy part of the configuration, with the namespaces a webhook must never block added. */
export function policySettings(config: PolicySettings, ownNamespace: string | undefined): PolicySettings {
  const { mode, singleArch, onUnresolved, archTaints, prefer, allowedArchs, imageOverrides, podOptOut } = config;
  const excludedNamespaces = [...new Set([...ALWAYS_EXCLUDED_NAMESPACES, ...(ownNamespace ? [ownNamespace] : []), ...config.excludedNamespaces])];
  return { mode, singleArch, onUnresolved, archTaints, prefer, allowedArchs, imageOverrides, excludedNamespaces, podOptOut };
}

export const ANNOTATION_ARCHS = 'archcheck.dev/archs';
export const ANNOTATION_DECISION = 'archcheck.dev/decision';
/** Why, in words, next to the decision (decision 0014). */
export const ANNOTATION_REASON = 'archcheck.dev/reason';
export const ANNOTATION_SKIP = 'archcheck.dev/skip';
export const NAMESPACE_MODE_LABEL = 'archcheck.dev/mode';
/** The chart's namespaceSelector never sends this namespace to the webhook (the reconciler leaves it alone too). */
export const NAMESPACE_IGNORE_LABEL = 'archcheck.dev/ignore';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Namespaces whose pods a broken webhook must never block (it could not recover itself, nor nodes register). */
export const ALWAYS_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];
