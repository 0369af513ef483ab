import type { ErrorCode } from '../core/errors.js';
import type { DecisionParts, DenyReason } from './policy/verdict.js';

/**
 * Every Prometheus label value the webhook writes comes from one of these closed sets; anything else is `other`.
 * Request fields (operation, kind, names) and image strings are user input: copied into a label, 400 reviews with
 * long operation strings once grew /metrics to 100 MB. A new decision or reason must be added here to be counted
 * under its own name.
 */
export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'none', 'other'] as const;
export const KINDS = ['Pod', 'Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController', 'none', 'other'] as const;
export const DECISIONS = ['injected', 'kept', 'allowed', 'unresolved', 'gated', 'skipped', 'ignored', 'denied', 'error', 'bad-request', 'other'] as const;
export const ADMISSION_MODES = ['mutate', 'warn', 'audit', 'off', 'none'] as const;

const DENY_REASONS = ['no-common-arch', 'arch-conflict', 'single-arch', 'platform-mismatch', 'unresolved', 'unreachable-arch', 'ephemeral-arch'] as const satisfies readonly DenyReason[];
const SKIP_REASONS = ['mode-off', 'excluded-namespace', 'opted-out', 'has-node-name', 'mirror-pod', 'daemonset-pod', 'template-unchanged', 'owned-by-deployment', 'owned-by-cronjob'] as const;
const IGNORE_REASONS = ['malformed', 'no-new-ephemeral-container'] as const;
export const REASONS = ['none', 'node-unknown', ...DENY_REASONS, ...SKIP_REASONS, ...IGNORE_REASONS, 'other'] as const;

/** Error codes of core/errors.ts (the type check below fails when one is added there and not here). */
export const ERROR_CODES = [
  'NOT_FOUND',
  'UNAUTHORIZED',
  'DENIED',
  'NOT_AN_IMAGE',
  'UNSUPPORTED_SCHEMA1',
  'RATE_LIMITED',
  'TIMEOUT',
  'UNREACHABLE',
  'INVALID_REFERENCE',
  'BAD_RESPONSE',
  'FORBIDDEN_ADDRESS',
  'LIMIT_EXCEEDED',
  'CONFIG',
] as const satisfies readonly ErrorCode[];
const allErrorCodesListed: ErrorCode extends (typeof ERROR_CODES)[number] ? true : never = true;
void allErrorCodesListed;

/** HTTP statuses registries answer often enough to be worth their own value; others become `2xx` … `5xx`. */
const STATUSES = ['200', '201', '202', '204', '206', '301', '302', '303', '304', '307', '308', '400', '401', '403', '404', '405', '408', '409', '410', '413', '416', '429', '500', '501', '502', '503', '504'];

export function closedLabel<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export interface DecisionLabels {
  decision: (typeof DECISIONS)[number];
  reason: (typeof REASONS)[number];
  mode: (typeof ADMISSION_MODES)[number];
}

/**
 * The labels of one admission from its decision as data (never from the annotation string): `mode` is the mode the
 * request was judged in; ignored requests (not archcheck's business) and bad requests have none, and
 * `skipped:mode-off` is mode off whatever the configured mode.
 */
export function admissionLabels(parts: DecisionParts, mode?: string): DecisionLabels {
  let labelMode: DecisionLabels['mode'] = closedLabel(ADMISSION_MODES, mode, 'none');
  if (parts.decision === 'ignored' || parts.decision === 'bad-request') labelMode = 'none';
  if (parts.reason === 'mode-off') labelMode = 'off';
  return { decision: parts.decision, reason: parts.reason, mode: labelMode };
}

/** A registry answer as a label: common statuses as they are, others by class; no response: the error code. */
export function registryCodeLabel(code: string): string {
  if (/^\d{3}$/.test(code)) return STATUSES.includes(code) ? code : `${code[0]}xx`;
  return (ERROR_CODES as readonly string[]).includes(code) ? code : 'other';
}

/** The registry host of a canonical reference (`docker.io/library/nginx:1` → `docker.io`). */
export function referenceHost(canonical: string): string {
  const slash = canonical.indexOf('/');
  return slash < 0 ? '' : canonical.slice(0, slash).toLowerCase();
}
