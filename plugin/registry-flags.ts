import type { Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import { describeSettingError } from '../core/errors.js';
import type { RegistryClient } from '../core/registry/client.js';
import { openRegistryClient, type OpenClientDeps, type RegistryTiming } from '../core/registry/open-client.js';
import { registrySettingFlag, registrySettingSpecs, type RegistrySettingKey, type RegistrySettings } from '../core/registry/registry-settings.js';
import type { Spec } from '../core/settings/setting-spec.js';
import { UsageError } from './usage-error.js';

/**
 * The registry flags every command that reads images shares: core's registry settings table, one flag per setting
 * (the webhook reads the same table as flags, env and Helm values), plus the plugin's own --timeout and
 * --registry-concurrency. Values stay text in commander; the table's parsers check them.
 */
export interface RegistryFlags {
  timeout: string;
  /** Concurrent requests per registry host (default: core's). */
  registryConcurrency?: string;
  /** One entry per setting of core's table, under commander's camelCase of its flag. */
  [flag: string]: unknown;
}

/** Where the plugin's defaults differ from the webhook's. */
const PLUGIN_DEFAULTS: Partial<Record<RegistrySettingKey, string>> = {
  // A workstation's az/aws/gcloud login is what people expect to work; nothing is called until a cloud registry is read.
  cloudAuth: 'auto',
};

const specs = Object.entries(registrySettingSpecs) as [RegistrySettingKey, Spec][];

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function collectRaw(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addRegistryFlags(cmd: Command): Command {
  cmd.option('--timeout <duration>', 'overall time allowed per image, e.g. 10s', '15s');
  for (const [key, spec] of specs) {
    if (key === 'verifyPlatforms') {
      // On by default for the plugin: an audit must not trust an index label that the image contradicts.
      cmd.option('--no-verify-platforms', "trust index platform labels instead of checking each child's config (fewer requests)");
    } else if (spec.kind === 'list') {
      cmd.option(`--${spec.flag} <${spec.value}>`, `${spec.description} [repeatable]${PLUGIN_DEFAULTS[key] ? ` (default ${PLUGIN_DEFAULTS[key]})` : ''}`, collectRaw);
    } else {
      cmd.option(`--${spec.flag} <${spec.value}>`, spec.description, PLUGIN_DEFAULTS[key]);
    }
  }
  return cmd.option('--registry-concurrency <n>', 'concurrent requests per registry host (default 8; 32 for audits)');
}

function parseFlag(spec: Spec, given: unknown, pluginDefault: string | undefined): unknown {
  const parse = (text: string, fn: (t: string) => unknown): unknown => {
    try {
      return fn(text);
    } catch (e) {
      throw new UsageError(`--${spec.flag} "${text}": ${(e as Error).message}`);
    }
  };
  if (spec.kind === 'scalar') {
    if (typeof given === 'boolean') return given;
    return parse(typeof given === 'string' ? given : spec.defaultText, spec.parse);
  }
  const raw = Array.isArray(given) ? (given as string[]) : pluginDefault !== undefined ? [pluginDefault] : [];
  const items = spec.flagCommaSplit ? raw.flatMap((v) => v.split(',').map((s) => s.trim()).filter(Boolean)) : raw;
  return items.map((item) => parse(item, spec.parseItem));
}

/** The registry settings as the flags give them, checked by the table's parsers. */
export function registrySettingsFromFlags(flags: RegistryFlags): RegistrySettings {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of specs) out[key] = parseFlag(spec, flags[camelCase(spec.flag)], PLUGIN_DEFAULTS[key]);
  return out as RegistrySettings;
}

export function registryTimingFromFlags(flags: RegistryFlags): RegistryTiming {
  try {
    const resolveTimeoutMs = parseDuration(flags.timeout, '--timeout');
    return {
      resolveTimeoutMs,
      requestTimeoutMs: Math.min(resolveTimeoutMs, 10_000),
      ...(flags.registryConcurrency !== undefined && { maxConcurrencyPerRegistry: positiveInteger(flags.registryConcurrency, '--registry-concurrency') }),
    };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${value}: expected a positive integer`);
  return n;
}

const flagOf = (setting: string): string | undefined => {
  const flag = registrySettingFlag(setting);
  return flag ? `--${flag}` : undefined;
};

/** The registry client for a command, built by core's openRegistryClient (the webhook's builder too). */
export async function registryClientFromFlags(
  flags: RegistryFlags,
  deps: OpenClientDeps = {},
  warn: (s: string) => void = (s) => process.stderr.write(`warning: ${s}\n`),
  /** Options a command decides rather than a flag (the audit's verifyPlatformsOf: the cluster's node platforms). */
  extra: Pick<RegistryTiming, 'verifyPlatformsOf'> = {},
): Promise<RegistryClient> {
  const settings = registrySettingsFromFlags(flags);
  const timing = { ...registryTimingFromFlags(flags), ...extra };
  try {
    const opened = await openRegistryClient(settings, timing, deps);
    for (const w of opened.warnings) warn(w);
    return opened.client;
  } catch (e) {
    throw new UsageError(describeSettingError(e, flagOf));
  }
}
