import type { Command } from 'commander';
import { loadDockerConfigFile } from '../core/credentials.js';
import { parseDuration } from '../core/duration.js';
import { RegistryClient, type RegistryClientDeps } from '../core/registry/client.js';
import type { RegistryOptions } from '../core/registry/options.js';
import { UsageError } from './usage-error.js';

export interface RegistryFlags {
  insecureRegistry: string[];
  registryConfig?: string;
  timeout: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** The registry flags every command that reads images shares. */
export function addRegistryFlags(cmd: Command): Command {
  return cmd
    .option('--insecure-registry <host[:port]>', 'registry reachable over plain http (repeatable)', collect, [])
    .option('--registry-config <path>', 'Docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .option('--timeout <duration>', 'overall time allowed per image, e.g. 10s', '15s');
}

export function registryOptionsFromFlags(flags: RegistryFlags): Partial<RegistryOptions> {
  let resolveTimeoutMs: number;
  try {
    resolveTimeoutMs = parseDuration(flags.timeout, '--timeout');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {
    insecureRegistries: flags.insecureRegistry,
    ...(flags.registryConfig && { registryConfig: flags.registryConfig }),
    resolveTimeoutMs,
    requestTimeoutMs: Math.min(resolveTimeoutMs, 10_000),
  };
}

export async function registryClientFromFlags(flags: RegistryFlags, deps: RegistryClientDeps = {}): Promise<RegistryClient> {
  const options = registryOptionsFromFlags(flags);
  let credentials;
  try {
    credentials = await loadDockerConfigFile(flags.registryConfig);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return new RegistryClient(options, { ...deps, credentials: [...credentials, ...(deps.credentials ?? [])] });
}
