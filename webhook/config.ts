import {
  parseArchPreference,
  parseArchTaint,
  parseImageOverride,
  type ArchPreference,
  type ArchTaint,
  type ImageOverride,
} from '../core/placement/index.js';
import { defaultWorkLimits } from '../core/registry/index-walk.js';
import { registrySettingSpecs } from '../core/registry/registry-settings.js';
import { list, scalar, type ListSpec, type ScalarSpec, type Spec, type ValueOf } from '../core/settings/setting-spec.js';
import {
  parseArch,
  parseBoolean,
  parseBoundedDuration,
  parseBoundedInteger,
  parseDnsLabel,
  parseEnum,
  parseListen,
  parseOptionalListen,
  parseObjectName,
  parseText,
  type ListenAddress,
} from './config-values.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { MODES, SINGLE_ARCH_POLICIES, UNRESOLVED_POLICIES, type Mode, type SingleArchPolicy, type UnresolvedPolicy } from './policy/settings.js';

/**
 * THE configuration schema of archcheck-webhook. Every key is read from (highest precedence first):
 * a flag (`--single-arch deny`), an environment variable (`ARCHCHECK_SINGLE_ARCH=deny`), the YAML file given by
 * `--config` / `ARCHCHECK_CONFIG` (`singleArch: deny`), then the default. The Helm chart maps its values onto the
 * same keys. Documented for users in webhook/config.md (keep both in step; a test checks every key is there).
 */
export const configSchema = {
  listen: scalar<ListenAddress>({ flag: 'listen', value: 'HOST:PORT', defaultText: '0.0.0.0:8443', parse: parseListen, description: 'Address for HTTPS (admission, probes, metrics).' }),
  certMode: scalar<'file' | 'self'>({ flag: 'cert-mode', value: 'file|self', defaultText: 'file', parse: parseEnum(['file', 'self'] as const), description: 'file: serve --tls-cert-file/--tls-private-key-file (watched, hot-reloaded; cert-manager or an existing Secret). self: generate a CA and certificate, keep them in a Secret, patch caBundle, rotate.' }),
  tlsCertFile: scalar<string>({ flag: 'tls-cert-file', value: 'PATH', defaultText: '', parse: parseText, description: 'Serving certificate (PEM) for --cert-mode file.' }),
  tlsPrivateKeyFile: scalar<string>({ flag: 'tls-private-key-file', value: 'PATH', defaultText: '', parse: parseText, description: 'Private key (PEM) for --cert-mode file.' }),
  clientCAFile: scalar<string>({ flag: 'client-ca-file', value: 'PATH', defaultText: '', parse: parseText, description: 'PEM CA bundle: require a client certificate signed by it on the HTTPS port (mTLS from the API server; connections without one fail the TLS handshake, so probe the --metrics-listen port). Re-read every 10 s. Empty: no client certificate asked for.' }),
  namespace: scalar<string>({ flag: 'namespace', value: 'NAME', defaultText: '', parse: parseDnsLabel(true), description: "The webhook's own namespace (always excluded; holds the self-cert Secret). Empty: POD_NAMESPACE, else the service account's namespace." }),
  serviceName: scalar<string>({ flag: 'service-name', value: 'NAME', defaultText: 'archcheck-webhook', parse: parseDnsLabel(false), description: 'Service in front of the webhook; self certificates are issued for its DNS names.' }),
  certSecret: scalar<string>({ flag: 'cert-secret', value: 'NAME', defaultText: 'archcheck-webhook-tls', parse: parseObjectName(false), description: 'Secret (in --namespace) that --cert-mode self keeps the CA and certificate in, shared by replicas.' }),
  mutatingWebhookConfiguration: scalar<string>({ flag: 'mutating-webhook-configuration', value: 'NAME', defaultText: 'archcheck', parse: parseObjectName(true), description: 'MutatingWebhookConfiguration whose caBundle --cert-mode self keeps current ("" = none).' }),
  validatingWebhookConfiguration: scalar<string>({ flag: 'validating-webhook-configuration', value: 'NAME', defaultText: 'archcheck', parse: parseObjectName(true), description: 'ValidatingWebhookConfiguration whose caBundle --cert-mode self keeps current ("" = none).' }),
  mode: scalar<Mode>({ flag: 'mode', value: MODES.join('|'), defaultText: 'mutate', parse: parseEnum(MODES), description: 'mutate: inject placement and deny; warn: change nothing, warn what would happen; audit: only record; off. Namespace label archcheck.dev/mode overrides it.' }),
  singleArch: scalar<SingleArchPolicy>({ flag: 'single-arch', value: SINGLE_ARCH_POLICIES.join('|'), defaultText: 'allow', parse: parseEnum(SINGLE_ARCH_POLICIES), description: 'Pods with a single-arch image: pin them (allow), pin and warn, or deny.' }),
  onUnresolved: scalar<UnresolvedPolicy>({ flag: 'on-unresolved', value: UNRESOLVED_POLICIES.join('|'), defaultText: 'allow', parse: parseEnum(UNRESOLVED_POLICIES), description: 'An image not resolved by the deadline: admit unchanged with a warning (allow), deny, or admit with scheduling gate archcheck.dev/resolving that the gate controller removes once it has placed the pod (gate; needs API access).' }),
  gateTimeout: scalar<number>({ flag: 'gate-timeout', value: 'DURATION', defaultText: '10m', parse: parseBoundedDuration(1_000, 86_400_000), description: 'Longest a pod stays gated while its images cannot be resolved; then it is ungated with decision gate-timeout (or pinned to --gate-fallback-archs) and an Event.' }),
  gateFallbackArchs: list<string>({ flag: 'gate-fallback-archs', value: 'ARCH,ARCH', defaultText: '', parseItem: parseArch, flagCommaSplit: true, description: 'On gate timeout, pin the pod to these archs (node affinity + their arch taint tolerations). Empty: ungate it unchanged.' }),
  gateDenied: scalar<'keep' | 'evict'>({ flag: 'gate-denied', value: 'keep|evict', defaultText: 'keep', parse: parseEnum(['keep', 'evict'] as const), description: 'A gated pod that policy denies once its images are known (no common arch, single-arch deny): keep it gated with an Event and annotation saying why, or evict it so its controller retries.' }),
  leaseName: scalar<string>({ flag: 'lease-name', value: 'NAME', defaultText: 'archcheck-controller', parse: parseObjectName(false), description: 'coordination.k8s.io Lease (in --namespace) the replicas elect the gate controller leader with.' }),
  reconcile: scalar<boolean>({ flag: 'reconcile', value: 'true|false', defaultText: 'false', parse: parseBoolean, description: 'Run the escaped-pod reconciler (leader only; needs API access): every --reconcile-period, pods of managed namespaces without an archcheck.dev/decision (created while the webhook was away, or before install) are resolved and the broken (on a node arch an image lacks) and at-risk ones reported with a Warning Event, a log line and the gauge archcheck_escaped_pods{status}.' }),
  reconcilePeriod: scalar<number>({ flag: 'reconcile-period', value: 'DURATION', defaultText: '5m', parse: parseBoundedDuration(1_000, 86_400_000), description: 'Time between two passes of the escaped-pod reconciler (the first runs when a replica becomes leader).' }),
  reconcileEvictBroken: scalar<boolean>({ flag: 'reconcile-evict-broken', value: 'true|false', defaultText: 'false', parse: parseBoolean, description: 'Evict escaped pods that are broken, crash-looping and have a controller (Eviction API: PodDisruptionBudgets are respected), so they are recreated through the webhook. Bare pods are only reported.' }),
  archTaints: list<ArchTaint>({ flag: 'arch-taint', value: 'ARCH=KEY[=VALUE]:EFFECT', defaultText: '', parseItem: parseArchTaint, description: 'Pods that may run on ARCH get a toleration for this taint (repeatable), e.g. arm64=kubernetes.io/arch=arm64:NoSchedule. kubernetes.io/arch taints on nodes are discovered too.' }),
  prefer: list<ArchPreference>({ flag: 'prefer', value: 'ARCH=WEIGHT', defaultText: '', parseItem: parseArchPreference, description: 'Preferred node affinity weight 1-100 for pods that can run on ARCH and another arch (repeatable), e.g. arm64=80.' }),
  allowedArchs: list<string>({ flag: 'allowed-archs', value: 'ARCH,ARCH', defaultText: '', parseItem: parseArch, flagCommaSplit: true, description: 'Archs pods may be placed on. Empty: the archs of the cluster nodes (API), else amd64,arm64.' }),
  imageOverrides: list<ImageOverride>({ flag: 'image-override', value: 'PATTERN=ARCHS|any', defaultText: '', parseItem: parseImageOverride, itemsContainCommas: true, description: 'Archs for images whose manifests lie, or any for data-only images (repeatable). PATTERN: a reference with * (one path component) and ** globs; first match wins.' }),
  excludedNamespaces: list<string>({ flag: 'exclude-namespace', value: 'NAME', defaultText: '', parseItem: parseDnsLabel(false), flagCommaSplit: true, description: 'Namespaces left alone, in addition to kube-system, kube-public, kube-node-lease and the webhook namespace (always excluded).' }),
  podOptOut: scalar<boolean>({ flag: 'pod-opt-out', value: 'true|false', defaultText: 'true', parse: parseBoolean, description: 'Honour the annotation archcheck.dev/skip: "true" on pods and pod templates.' }),
  resolveTimeout: scalar<number>({ flag: 'resolve-timeout', value: 'DURATION', defaultText: '3s', parse: parseBoundedDuration(100, 29_000), description: 'Time allowed for registries per admission request; also capped below the apiserver timeout (?timeout=) minus 20%.' }),
  // Registry settings: one table in core, read the same way by the plugin.
  ...registrySettingSpecs,
  maxIndexEntries: scalar<number>({ flag: 'max-index-entries', value: 'N', defaultText: String(defaultWorkLimits.maxIndexEntries), parse: parseBoundedInteger(1, 4096), description: 'Platform entries looked at per index (attestations not counted); an image with more is left unresolved (LIMIT_EXCEEDED, remembered by digest).' }),
  maxIndexDepth: scalar<number>({ flag: 'max-index-depth', value: 'N', defaultText: String(defaultWorkLimits.maxIndexDepth), parse: parseBoundedInteger(1, 8), description: 'Index levels followed for one image (1: an index of images); deeper is LIMIT_EXCEEDED.' }),
  maxChildFetches: scalar<number>({ flag: 'max-child-fetches', value: 'N', defaultText: String(defaultWorkLimits.maxChildFetches), parse: parseBoundedInteger(1, 8192), description: 'Child manifests and configs looked at for one image, cached or not; more is LIMIT_EXCEEDED. Bounds the registry requests one new image can cause.' }),
  kubeconfig: scalar<string>({ flag: 'kubeconfig', value: 'PATH', defaultText: '', parse: parseText, description: 'Kubeconfig for API access. Empty: in-cluster service account; with neither the webhook runs without API access (no discovery, pull secrets, namespace modes or self certs).' }),
  metricsListen: scalar<ListenAddress | undefined>({ flag: 'metrics-listen', value: 'HOST:PORT', defaultText: '', parse: parseOptionalListen, description: 'Address for plain-HTTP /metrics, /healthz and /readyz, apart from the admission port (the chart sets 0.0.0.0:8080). Empty: none (/metrics stays on the HTTPS port too).' }),
  logLevel: scalar<LogLevel>({ flag: 'log-level', value: LOG_LEVELS.join('|'), defaultText: 'info', parse: parseEnum(LOG_LEVELS), description: 'Log level (JSON logs on stdout).' }),
  drainTimeout: scalar<number>({ flag: 'drain-timeout', value: 'DURATION', defaultText: '20s', parse: parseBoundedDuration(0, 300_000), description: 'On SIGTERM, how long to wait for admission requests in flight before closing connections.' }),
} satisfies Record<string, Spec>;

export type { ListSpec, ScalarSpec, Spec };

type Schema = typeof configSchema;

/** The parsed configuration. Durations are milliseconds. */
export type WebhookConfig = { [K in keyof Schema]: ValueOf<Schema[K]> };
export type ConfigKey = keyof WebhookConfig;

/** A bad setting: printed as one line, exit code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `--help` was asked for and printed: exit 0. */
export class HelpDisplayed extends Error {
  constructor() {
    super('help displayed');
    this.name = 'HelpDisplayed';
  }
}

export const ENV_PREFIX = 'ARCHCHECK_';

export function envName(flag: string): string {
  return `${ENV_PREFIX}${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** `--registry-ca` for the setting `registryCAs`: how a user names a setting that core reports as wrong. */
export function settingFlag(setting: string): string | undefined {
  const spec = (configSchema as Record<string, Spec>)[setting];
  return spec ? `--${spec.flag}` : undefined;
}

/** Keys, flags, env vars and defaults, for docs and the Helm chart (values map 1:1 onto keys). */
export function configKeys(): { key: ConfigKey; flag: string; env: string; default: string; list: boolean; description: string }[] {
  return (Object.entries(configSchema) as [ConfigKey, Spec][]).map(([key, spec]) => ({
    key,
    flag: `--${spec.flag}`,
    env: envName(spec.flag),
    default: spec.defaultText,
    list: spec.kind === 'list',
    description: spec.description,
  }));
}

/** Raw text for one key from one source; `where` names the source for error messages. */
export interface RawValue {
  items: string[] | string;
  where: string;
}

function splitItems(text: string, spec: ListSpec<unknown>): string[] {
  const tokens = text.split(spec.itemsContainCommas ? /[;\n]|,/ : /[,;\n]/).map((t) => t.trim()).filter((t) => t !== '');
  if (!spec.itemsContainCommas) return tokens;
  // `a=amd64,arm64,b=any`: `arm64` has no `=`, so it continues the item before it.
  const items: string[] = [];
  for (const t of tokens) {
    if (!t.includes('=') && items.length > 0) items[items.length - 1] += `,${t}`;
    else items.push(t);
  }
  return items;
}

export function parseValue(key: ConfigKey, spec: Spec, raw: RawValue): unknown {
  const describe = (text: string): string => `${raw.where}${text === '' ? '' : ` "${text}"`}`;
  if (spec.kind === 'scalar') {
    const text = Array.isArray(raw.items) ? (raw.items[raw.items.length - 1] ?? '') : raw.items;
    try {
      return spec.parse(text);
    } catch (e) {
      throw new ConfigError(`invalid ${describe(text)} (${key}): ${(e as Error).message}`);
    }
  }
  const items = Array.isArray(raw.items) ? raw.items : splitItems(raw.items, spec);
  return items.map((item) => {
    try {
      return spec.parseItem(item);
    } catch (e) {
      throw new ConfigError(`invalid ${describe(item)} (${key}): ${(e as Error).message}`);
    }
  });
}

function defaults(): WebhookConfig {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(configSchema) as [ConfigKey, Spec][]) {
    out[key] = parseValue(key, spec, { items: spec.kind === 'list' ? [] : spec.defaultText, where: 'default' });
  }
  return out as WebhookConfig;
}

/** The defaults, parsed. */
export const defaultConfig: Readonly<WebhookConfig> = Object.freeze(defaults());

// Reading the sources (flags, env, file) and checking combinations: webhook/config-load.ts.
export { buildCommand, loadConfig } from './config-load.js';
