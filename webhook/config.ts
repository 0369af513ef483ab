import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  parseArchPreference,
  parseArchTaint,
  parseImageOverride,
  type ArchPreference,
  type ArchTaint,
  type ImageOverride,
} from '../core/placement/index.js';
import { CLOUD_NAMES, parseEcrHosts, type AzureIdentityMode } from '../core/cloud-auth/index.js';
import { parseMirrorRule } from '../core/registry/endpoints.js';
import {
  checkedText,
  parseArch,
  parseBoolean,
  parseBoundedDuration,
  parseDnsLabel,
  parseEnum,
  parseHostAssignment,
  parseHostPort,
  parseListen,
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

interface SpecBase {
  /** Long flag without dashes; the env var is ARCHCHECK_ + upper snake case of it. */
  flag: string;
  /** Placeholder in --help. */
  value: string;
  description: string;
  /** The default as a user would write it. */
  defaultText: string;
}

interface ScalarSpec<T> extends SpecBase {
  kind: 'scalar';
  parse: (text: string) => T;
}

interface ListSpec<I> extends SpecBase {
  kind: 'list';
  parseItem: (text: string) => I;
  /** `--allowed-archs amd64,arm64`: one flag value holds several items (otherwise each flag occurrence is one item). */
  flagCommaSplit?: boolean;
  /** Items may contain commas (`PATTERN=amd64,arm64`): in env/file text, a token without `=` belongs to the item before. */
  itemsContainCommas?: boolean;
}

type Spec = ScalarSpec<unknown> | ListSpec<unknown>;

const scalar = <T>(spec: Omit<ScalarSpec<T>, 'kind'>): ScalarSpec<T> => ({ kind: 'scalar', ...spec });
const list = <I>(spec: Omit<ListSpec<I>, 'kind'>): ListSpec<I> => ({ kind: 'list', ...spec });

const AZURE_IDENTITY_MODES: readonly AzureIdentityMode[] = ['auto', 'workload', 'service-principal', 'managed', 'developer'];

export const configSchema = {
  listen: scalar<ListenAddress>({ flag: 'listen', value: 'HOST:PORT', defaultText: '0.0.0.0:8443', parse: parseListen, description: 'Address for HTTPS (admission, probes, metrics).' }),
  certMode: scalar<'file' | 'self'>({ flag: 'cert-mode', value: 'file|self', defaultText: 'file', parse: parseEnum(['file', 'self'] as const), description: 'file: serve --tls-cert-file/--tls-private-key-file (watched, hot-reloaded; cert-manager or an existing Secret). self: generate a CA and certificate, keep them in a Secret, patch caBundle, rotate.' }),
  tlsCertFile: scalar<string>({ flag: 'tls-cert-file', value: 'PATH', defaultText: '', parse: parseText, description: 'Serving certificate (PEM) for --cert-mode file.' }),
  tlsPrivateKeyFile: scalar<string>({ flag: 'tls-private-key-file', value: 'PATH', defaultText: '', parse: parseText, description: 'Private key (PEM) for --cert-mode file.' }),
  namespace: scalar<string>({ flag: 'namespace', value: 'NAME', defaultText: '', parse: parseDnsLabel(true), description: "The webhook's own namespace (always excluded; holds the self-cert Secret). Empty: POD_NAMESPACE, else the service account's namespace." }),
  serviceName: scalar<string>({ flag: 'service-name', value: 'NAME', defaultText: 'archcheck-webhook', parse: parseDnsLabel(false), description: 'Service in front of the webhook; self certificates are issued for its DNS names.' }),
  certSecret: scalar<string>({ flag: 'cert-secret', value: 'NAME', defaultText: 'archcheck-webhook-tls', parse: parseObjectName(false), description: 'Secret (in --namespace) that --cert-mode self keeps the CA and certificate in, shared by replicas.' }),
  mutatingWebhookConfiguration: scalar<string>({ flag: 'mutating-webhook-configuration', value: 'NAME', defaultText: 'archcheck', parse: parseObjectName(true), description: 'MutatingWebhookConfiguration whose caBundle --cert-mode self keeps current ("" = none).' }),
  validatingWebhookConfiguration: scalar<string>({ flag: 'validating-webhook-configuration', value: 'NAME', defaultText: 'archcheck', parse: parseObjectName(true), description: 'ValidatingWebhookConfiguration whose caBundle --cert-mode self keeps current ("" = none).' }),
  mode: scalar<Mode>({ flag: 'mode', value: MODES.join('|'), defaultText: 'mutate', parse: parseEnum(MODES), description: 'mutate: inject placement and deny; warn: change nothing, warn what would happen; audit: only record; off. Namespace label archcheck.dev/mode overrides it.' }),
  singleArch: scalar<SingleArchPolicy>({ flag: 'single-arch', value: SINGLE_ARCH_POLICIES.join('|'), defaultText: 'allow', parse: parseEnum(SINGLE_ARCH_POLICIES), description: 'Pods with a single-arch image: pin them (allow), pin and warn, or deny.' }),
  onUnresolved: scalar<UnresolvedPolicy>({ flag: 'on-unresolved', value: UNRESOLVED_POLICIES.join('|'), defaultText: 'allow', parse: parseEnum(UNRESOLVED_POLICIES), description: 'An image not resolved by the deadline: admit unchanged with a warning (allow), deny, or admit with scheduling gate archcheck.dev/resolving that the gate controller removes once it has placed the pod (gate; needs API access).' }),
  archTaints: list<ArchTaint>({ flag: 'arch-taint', value: 'ARCH=KEY[=VALUE]:EFFECT', defaultText: '', parseItem: parseArchTaint, description: 'Pods that may run on ARCH get a toleration for this taint (repeatable), e.g. arm64=kubernetes.io/arch=arm64:NoSchedule. kubernetes.io/arch taints on nodes are discovered too.' }),
  prefer: list<ArchPreference>({ flag: 'prefer', value: 'ARCH=WEIGHT', defaultText: '', parseItem: parseArchPreference, description: 'Preferred node affinity weight 1-100 for pods that can run on ARCH and another arch (repeatable), e.g. arm64=80.' }),
  allowedArchs: list<string>({ flag: 'allowed-archs', value: 'ARCH,ARCH', defaultText: '', parseItem: parseArch, flagCommaSplit: true, description: 'Archs pods may be placed on. Empty: the archs of the cluster nodes (API), else amd64,arm64.' }),
  imageOverrides: list<ImageOverride>({ flag: 'image-override', value: 'PATTERN=ARCHS|any', defaultText: '', parseItem: parseImageOverride, itemsContainCommas: true, description: 'Archs for images whose manifests lie, or any for data-only images (repeatable). PATTERN: a reference with * (one path component) and ** globs; first match wins.' }),
  excludedNamespaces: list<string>({ flag: 'exclude-namespace', value: 'NAME', defaultText: '', parseItem: parseDnsLabel(false), flagCommaSplit: true, description: 'Namespaces left alone, in addition to kube-system, kube-public, kube-node-lease and the webhook namespace (always excluded).' }),
  podOptOut: scalar<boolean>({ flag: 'pod-opt-out', value: 'true|false', defaultText: 'true', parse: parseBoolean, description: 'Honour the annotation archcheck.dev/skip: "true" on pods and pod templates.' }),
  resolveTimeout: scalar<number>({ flag: 'resolve-timeout', value: 'DURATION', defaultText: '3s', parse: parseBoundedDuration(100, 29_000), description: 'Time allowed for registries per admission request; also capped below the apiserver timeout (?timeout=) minus 20%.' }),
  insecureRegistries: list<string>({ flag: 'insecure-registry', value: 'HOST[:PORT]', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Registries reached over plain HTTP (repeatable).' }),
  registryConfig: scalar<string>({ flag: 'registry-config', value: 'PATH', defaultText: '', parse: parseText, description: "Docker config.json with the webhook's own registry credentials (tried after the pod's pull secrets)." }),
  registryMirrors: list<string>({ flag: 'registry-mirror', value: 'SOURCE=MIRROR[/PREFIX]', defaultText: '', parseItem: checkedText(parseMirrorRule), description: 'Try MIRROR (with an optional path prefix) before SOURCE, e.g. docker.io=myacr.azurecr.io/docker-hub (repeatable; order is preference). Credentials follow the mirror.' }),
  mirrorOnly: list<string>({ flag: 'mirror-only', value: 'SOURCE', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Never contact SOURCE itself, only its mirrors (repeatable).' }),
  registryHostsDir: scalar<string>({ flag: 'registry-hosts-dir', value: 'DIR', defaultText: '', parse: parseText, description: "containerd certs.d directory (<host>/hosts.toml: server, [host.\"…\"] capabilities, ca, skip_verify, override_path), as the nodes use it." }),
  registryCAs: list<string>({ flag: 'registry-ca', value: 'HOST[:PORT]=FILE', defaultText: '', parseItem: parseHostAssignment('registry.internal:5000=/etc/archcheck/registry-cas/internal.crt'), description: 'PEM CA bundle trusted for one registry host (repeatable); verification is never turned off globally.' }),
  verifyPlatforms: scalar<boolean>({ flag: 'verify-platforms', value: 'true|false', defaultText: 'false', parse: parseBoolean, description: "Fetch each index child's config once (cached by digest) and trust its os/arch over the index label; mismatches are warned about (denied with single-arch deny)." }),
  cloudAuth: list<string>({ flag: 'cloud-auth', value: 'auto|none|azure,aws,gcp', defaultText: '', parseItem: parseEnum(['auto', 'none', ...CLOUD_NAMES]), flagCommaSplit: true, description: "Cloud identities for ACR/ECR/GAR, tried after the pod's pull secrets: auto (detect from the environment), none, or a list of azure, aws, gcp. Empty: none." }),
  acrHosts: list<string>({ flag: 'acr-host', value: 'HOST', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Treat HOST as an Azure Container Registry besides *.azurecr.io|cn|us (repeatable).' }),
  ecrHosts: list<string>({ flag: 'ecr-host', value: 'HOST=REGION', defaultText: '', parseItem: checkedText((t) => parseEcrHosts([t])), flagCommaSplit: true, description: 'Treat HOST as Amazon ECR in REGION besides *.dkr.ecr.REGION.amazonaws.com (repeatable).' }),
  garHosts: list<string>({ flag: 'gar-host', value: 'HOST', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Treat HOST as Google Artifact Registry besides *-docker.pkg.dev and gcr.io (repeatable).' }),
  azureIdentity: scalar<AzureIdentityMode>({ flag: 'azure-identity', value: AZURE_IDENTITY_MODES.join('|'), defaultText: 'auto', parse: parseEnum(AZURE_IDENTITY_MODES), description: 'Azure identity for ACR: auto (workload identity if injected, else a service principal from env, else managed identity in a cluster), or exactly one.' }),
  kubeconfig: scalar<string>({ flag: 'kubeconfig', value: 'PATH', defaultText: '', parse: parseText, description: 'Kubeconfig for API access. Empty: in-cluster service account; with neither the webhook runs without API access (no discovery, pull secrets, namespace modes or self certs).' }),
  logLevel: scalar<LogLevel>({ flag: 'log-level', value: LOG_LEVELS.join('|'), defaultText: 'info', parse: parseEnum(LOG_LEVELS), description: 'Log level (JSON logs on stdout).' }),
  drainTimeout: scalar<number>({ flag: 'drain-timeout', value: 'DURATION', defaultText: '20s', parse: parseBoundedDuration(0, 300_000), description: 'On SIGTERM, how long to wait for admission requests in flight before closing connections.' }),
} satisfies Record<string, Spec>;

type Schema = typeof configSchema;
type ValueOf<S> = S extends ScalarSpec<infer T> ? T : S extends ListSpec<infer I> ? I[] : never;

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
interface RawValue {
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

function parseValue(key: ConfigKey, spec: Spec, raw: RawValue): unknown {
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

function fileItem(v: unknown, key: string, file: string): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ConfigError(`invalid ${key} in ${file}: expected text, a number or a list of them`);
}

/** A YAML value as raw text: scalars as text; lists item by item; `{arm64: 80}` maps as `arm64=80` items. */
function yamlToRaw(key: ConfigKey, spec: Spec, value: unknown, file: string): RawValue {
  const where = `${key} in ${file}`;
  if (Array.isArray(value)) return { items: value.map((v) => fileItem(v, key, file)), where };
  if (value !== null && typeof value === 'object' && spec.kind === 'list') {
    const items = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${Array.isArray(v) ? v.map((x) => fileItem(x, key, file)).join(',') : fileItem(v, key, file)}`);
    return { items, where };
  }
  if (value === null || value === undefined) return { items: spec.kind === 'list' ? [] : '', where };
  return { items: fileItem(value, key, file), where };
}

function readConfigFile(file: string): Partial<Record<ConfigKey, RawValue>> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must be a YAML mapping of keys (e.g. "mode: warn")`);
  const out: Partial<Record<ConfigKey, RawValue>> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!(key in configSchema)) {
      throw new ConfigError(`unknown key "${key}" in ${file}: known keys are ${Object.keys(configSchema).join(', ')}`);
    }
    out[key as ConfigKey] = yamlToRaw(key as ConfigKey, configSchema[key as ConfigKey], value, file);
  }
  return out;
}

/** Environment variables for known keys only (Kubernetes injects ARCHCHECK_*_SERVICE_HOST for a Service named archcheck-*). */
function readEnv(env: NodeJS.ProcessEnv): Partial<Record<ConfigKey, RawValue>> {
  const out: Partial<Record<ConfigKey, RawValue>> = {};
  for (const [key, spec] of Object.entries(configSchema) as [ConfigKey, Spec][]) {
    const name = envName(spec.flag);
    const value = env[name];
    if (value !== undefined) out[key] = { items: value, where: name };
  }
  return out;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The commander program: every schema key as a flag, plus --config. Values stay text here; the schema parses them. */
export function buildCommand(): Command {
  const program = new Command('archcheck-webhook')
    .description('Admission webhook that places pods only on nodes whose CPU architecture all their images support.')
    .option('--config <file>', `YAML file with configuration keys (env ${ENV_PREFIX}CONFIG)`)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  for (const spec of Object.values(configSchema) as Spec[]) {
    const help = `${spec.description} (env ${envName(spec.flag)}${spec.defaultText ? `, default ${spec.defaultText}` : ''})`;
    if (spec.kind === 'list') program.option(`--${spec.flag} <${spec.value}>`, `${help} [repeatable]`, collect);
    else program.option(`--${spec.flag} <${spec.value}>`, help);
  }
  return program;
}

function readFlags(program: Command, argv: string[]): { flags: Partial<Record<ConfigKey, RawValue>>; configFile?: string } {
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError && e.code === 'commander.helpDisplayed') throw new HelpDisplayed();
    if (e instanceof CommanderError) throw new ConfigError(`${e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see --help)`);
    throw e;
  }
  const opts = program.opts<Record<string, string | string[] | undefined>>();
  const flags: Partial<Record<ConfigKey, RawValue>> = {};
  for (const [key, spec] of Object.entries(configSchema) as [ConfigKey, Spec][]) {
    const value = opts[camelCase(spec.flag)];
    if (value === undefined) continue;
    const items = Array.isArray(value) && spec.kind === 'list' && spec.flagCommaSplit ? value.flatMap((v) => v.split(',').map((s) => s.trim()).filter(Boolean)) : value;
    flags[key] = { items, where: `--${spec.flag}` };
  }
  const configFile = opts.config as string | undefined;
  return { flags, ...(configFile !== undefined && { configFile }) };
}

function checkCombination(config: WebhookConfig): void {
  if (config.certMode === 'file' && (!config.tlsCertFile || !config.tlsPrivateKeyFile)) {
    throw new ConfigError('--cert-mode file needs --tls-cert-file and --tls-private-key-file (or use --cert-mode self to let the webhook make its own)');
  }
  if (config.allowedArchs.length > 0) {
    const outside = config.prefer.find((p) => !config.allowedArchs.includes(p.arch));
    if (outside) throw new ConfigError(`--prefer ${outside.arch}=${outside.weight}: ${outside.arch} is not in --allowed-archs ${config.allowedArchs.join(',')}; add it there or drop the preference`);
  }
  if (config.cloudAuth.length > 1 && config.cloudAuth.some((c) => c === 'auto' || c === 'none')) {
    throw new ConfigError(`--cloud-auth ${config.cloudAuth.join(',')}: auto and none stand alone; use auto, none, or a list of ${CLOUD_NAMES.join(', ')}`);
  }
  const archs = config.prefer.map((p) => p.arch);
  const twice = archs.find((a, i) => archs.indexOf(a) !== i);
  if (twice) throw new ConfigError(`--prefer lists ${twice} twice; give each arch one weight`);
}

/**
 * Parses flags, `ARCHCHECK_*` env and the `--config` YAML file (flags > env > file > defaults) into one validated
 * configuration. Throws ConfigError (one line: what is wrong, what to do) for any bad value.
 * `--help` prints the help and throws HelpDisplayed.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const { flags, configFile } = readFlags(buildCommand(), argv);
  const file = configFile ?? env[`${ENV_PREFIX}CONFIG`];
  const fromFile = file ? readConfigFile(file) : {};
  const fromEnv = readEnv(env);
  const config: Record<string, unknown> = { ...defaultConfig };
  for (const [key, spec] of Object.entries(configSchema) as [ConfigKey, Spec][]) {
    const raw = flags[key] ?? fromEnv[key] ?? fromFile[key];
    if (raw) config[key] = parseValue(key, spec, raw);
  }
  checkCombination(config as WebhookConfig);
  return config as WebhookConfig;
}
