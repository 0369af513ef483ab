import type { Command } from 'commander';
import { loadDockerConfigFile } from '../core/credentials.js';
import { parseDuration } from '../core/duration.js';
import { RegistryClient, type RegistryClientDeps } from '../core/registry/client.js';
import type { RegistryOptions } from '../core/registry/options.js';
import { loadRegistrySettings } from '../core/registry/settings.js';
import { createCloudProviders, parseCloudAuthSpec, parseEcrHosts, type AzureIdentityMode } from '../core/cloud-auth/index.js';
import { UsageError } from './usage-error.js';
import { describeSettingError } from '../core/errors.js';

/** The flag a user wrote for a setting core reports as wrong. */
const SETTING_FLAGS: Readonly<Record<string, string>> = {
  registryCAs: '--registry-ca',
  registryMirrors: '--registry-mirror',
  registryHostsDir: '--registry-hosts-dir',
  cloudAuth: '--cloud-auth',
  ecrHosts: '--ecr-host',
};
const settingFlag = (setting: string): string | undefined => SETTING_FLAGS[setting];

export interface RegistryFlags {
  insecureRegistry: string[];
  registryConfig?: string;
  timeout: string;
  registryMirror: string[];
  mirrorOnly: string[];
  registryHostsDir?: string;
  registryCa: string[];
  verifyPlatforms: boolean;
  /** Concurrent requests per registry host (default: core's). */
  registryConcurrency?: string;
  cloudAuth: string;
  acrHost: string[];
  ecrHost: string[];
  garHost: string[];
  azureIdentity: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** The registry flags every command that reads images shares. */
export function addRegistryFlags(cmd: Command): Command {
  return cmd
    .option('--insecure-registry <host[:port]>', 'registry reachable over plain http (repeatable)', collect, [])
    .option('--registry-config <path>', 'Docker config.json with registry credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .option('--timeout <duration>', 'overall time allowed per image, e.g. 10s', '15s')
    .option('--registry-mirror <source=mirror[/prefix]>', 'try a mirror before the source, e.g. docker.io=myacr.azurecr.io/docker-hub (repeatable, in order)', collectRaw, [])
    .option('--mirror-only <source>', 'never contact SOURCE directly, only its mirrors (repeatable)', collect, [])
    .option('--registry-hosts-dir <dir>', "containerd certs.d directory of <registry>/hosts.toml files (mirrors, CAs)")
    .option('--registry-ca <host=file>', 'PEM CA bundle for one registry host (repeatable)', collectRaw, [])
    .option('--registry-concurrency <n>', 'concurrent requests per registry host (default 8; 32 for audits)')
    // On by default for the plugin: an audit must not trust an index label that the image contradicts.
    .option('--no-verify-platforms', "trust index platform labels instead of checking each child's config (fewer requests)")
    // A workstation's az/aws/gcloud login is what people expect to work; nothing is called until a cloud registry is read.
    .option('--cloud-auth <clouds>', 'cloud identities for ACR/ECR/GAR: auto, none, or azure,aws,gcp', 'auto')
    .option('--acr-host <host>', 'treat HOST as an Azure Container Registry (repeatable)', collect, [])
    .option('--ecr-host <host=region>', 'treat HOST as Amazon ECR in REGION (repeatable)', collectRaw, [])
    .option('--gar-host <host>', 'treat HOST as Google Artifact Registry (repeatable)', collect, [])
    .option('--azure-identity <mode>', 'which Azure identity: auto, workload, service-principal, managed, developer', 'auto');
}

const AZURE_IDENTITIES: readonly AzureIdentityMode[] = ['auto', 'workload', 'service-principal', 'managed', 'developer'];

function parseAzureIdentity(value: string): AzureIdentityMode {
  if ((AZURE_IDENTITIES as readonly string[]).includes(value)) return value as AzureIdentityMode;
  throw new UsageError(`--azure-identity ${value}: use one of ${AZURE_IDENTITIES.join(', ')}`);
}

function collectRaw(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function registryOptionsFromFlags(flags: RegistryFlags, warn: (s: string) => void = () => undefined): Promise<Partial<RegistryOptions>> {
  try {
    const resolveTimeoutMs = parseDuration(flags.timeout, '--timeout');
    const { options, warnings } = await loadRegistrySettings({
      insecureRegistries: flags.insecureRegistry,
      registryMirrors: flags.registryMirror,
      mirrorOnly: flags.mirrorOnly,
      ...(flags.registryHostsDir && { registryHostsDir: flags.registryHostsDir }),
      registryCAs: flags.registryCa,
      verifyPlatforms: flags.verifyPlatforms,
    });
    for (const w of warnings) warn(w);
    return {
      ...options,
      ...(flags.registryConcurrency !== undefined && { maxConcurrencyPerRegistry: positiveInteger(flags.registryConcurrency, '--registry-concurrency') }),
      ...(flags.registryConfig && { registryConfig: flags.registryConfig }),
      resolveTimeoutMs,
      requestTimeoutMs: Math.min(resolveTimeoutMs, 10_000),
    };
  } catch (e) {
    throw new UsageError(describeSettingError(e, settingFlag));
  }
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${value}: expected a positive integer`);
  return n;
}

export async function registryClientFromFlags(
  flags: RegistryFlags,
  deps: RegistryClientDeps = {},
  warn: (s: string) => void = (s) => process.stderr.write(`warning: ${s}\n`),
  /** Options a command decides rather than a flag (the audit's verifyPlatformsOf: the cluster's node platforms). */
  extra: Partial<RegistryOptions> = {},
): Promise<RegistryClient> {
  const options = { ...(await registryOptionsFromFlags(flags, warn)), ...extra };
  let providers;
  try {
    providers = createCloudProviders(parseCloudAuthSpec(flags.cloudAuth), process.env, {
      acrHosts: flags.acrHost,
      ecrHosts: parseEcrHosts(flags.ecrHost),
      garHosts: flags.garHost,
      azureIdentity: parseAzureIdentity(flags.azureIdentity),
      transport: { requestTimeoutMs: options.requestTimeoutMs ?? 10_000, ...(options.registryCAs && { registryCAs: options.registryCAs }), ...(options.hostTls && { hostTls: options.hostTls }) },
    });
  } catch (e) {
    throw new UsageError(describeSettingError(e, settingFlag));
  }
  let credentials;
  try {
    credentials = await loadDockerConfigFile(flags.registryConfig);
  } catch (e) {
    throw new UsageError(describeSettingError(e, settingFlag));
  }
  return new RegistryClient(options, { ...deps, providers: [...providers, ...(deps.providers ?? [])], credentials: [...credentials, ...(deps.credentials ?? [])] });
}
