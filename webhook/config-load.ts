import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CLOUD_NAMES } from '../core/cloud-auth/index.js';
import { ConfigError, configSchema, defaultConfig, ENV_PREFIX, envName, HelpDisplayed, parseValue, type ConfigKey, type RawValue, type Spec, type WebhookConfig } from './config.js';

/**
 * Where configuration values come from (flags > ARCHCHECK_* env > the --config YAML file > defaults) and the checks
 * that need more than one key. The keys themselves, their parsers and defaults are the schema in config.ts.
 */

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
