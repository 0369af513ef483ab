import { cloudsToEnable, createCloudProviders, parseCloudAuthSpec, parseEcrHosts, type Detected } from '../cloud-auth/index.js';
import type { CredentialProvider } from '../credential-provider.js';
import { loadDockerConfigFile, type KeyedCredential } from '../credentials.js';
import { settingError } from '../errors.js';
import { RegistryClient, type ContentStore, type RegistryObserver } from './client.js';
import type { LookupFunction } from './guarded-connect.js';
import { configuredRegistryHosts, type CacheLimits, type RegistryOptions } from './options.js';
import type { RegistrySettings } from './registry-settings.js';
import { loadRegistrySettings } from './settings.js';
import { defaultCredentialSources } from './credential-sources.js';

/**
 * What each shell decides rather than the settings table: how long the client may take (an admission's budget is
 * not an audit's), its concurrency and work caps, and which platforms to verify (the audit: its nodes' platforms).
 */
export type RegistryTiming = Pick<RegistryOptions, 'resolveTimeoutMs' | 'requestTimeoutMs'> & Partial<Pick<RegistryOptions, 'maxConcurrencyPerRegistry' | 'workLimits' | 'verifyPlatformsOf'>>;

export interface OpenClientDeps {
  observer?: RegistryObserver;
  contentStore?: ContentStore;
  /** DNS resolution (default `dns.lookup`); tests stub it. */
  lookup?: LookupFunction;
  /** Where cloud identities are detected and configured from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra sources tried after the configured cloud identities (tests, embedding programs). */
  providers?: CredentialProvider[];
  /** Extra stored credentials tried after the docker config's. */
  credentials?: KeyedCredential[];
}

export interface OpenedClient {
  client: RegistryClient;
  /** Things to show once at start-up (unsupported hosts.toml keys). */
  warnings: string[];
  /** The cloud identities enabled, each with why (for the start-up log). */
  clouds: Detected[];
  /**
   * Every registry host the settings name, as parsed: configured hosts (insecure, mirrors, CAs, hosts.toml), mirror
   * sources and mirror-only sources, cloud registry hosts. The webhook gives these their own metric label values.
   */
  namedHosts: string[];
}

const MiB = 1024 * 1024;

/** The settings' cache sizes (MiB, entries) as the client's limits (bytes, entries). */
export function cacheLimitsOf(s: Pick<RegistrySettings, 'contentCacheMiB' | 'answerCacheMiB' | 'tagCacheMiB' | 'tokenCacheMiB' | 'negativeCacheMiB' | 'registryHostEntries'>): CacheLimits {
  return {
    contentBytes: s.contentCacheMiB * MiB,
    answerBytes: s.answerCacheMiB * MiB,
    tagBytes: s.tagCacheMiB * MiB,
    tokenBytes: s.tokenCacheMiB * MiB,
    negativeBytes: s.negativeCacheMiB * MiB,
    hostEntries: s.registryHostEntries,
  };
}

/** Docker config credentials; an unreadable file is a setting error naming `registryConfig`. */
async function dockerConfigCredentials(path: string): Promise<KeyedCredential[]> {
  try {
    return await loadDockerConfigFile(path || undefined);
  } catch (e) {
    throw settingError('registryConfig', (e as Error).message);
  }
}

/**
 * THE place a registry client is built, for the webhook and the plugin alike: reads the files the settings name
 * (docker config, hosts.toml directory, CA bundles), makes the cloud identities, and hands the client its options
 * and credential sources. A setting that cannot work throws an ArchcheckError with code CONFIG naming the setting
 * (`describeSettingError` lets each shell say how the user wrote it). Nothing is contacted over the network here.
 */
export async function openRegistryClient(settings: RegistrySettings, timing: RegistryTiming, deps: OpenClientDeps = {}): Promise<OpenedClient> {
  const env = deps.env ?? process.env;
  const loaded = await loadRegistrySettings(settings);
  const options: Partial<RegistryOptions> = { ...loaded.options, ...timing, cacheLimits: cacheLimitsOf(settings), tagStaleIfErrorMs: settings.tagStaleIfError };
  const credentials = await dockerConfigCredentials(settings.registryConfig);
  const spec = parseCloudAuthSpec(settings.cloudAuth);
  const ecrHosts = parseEcrHosts(settings.ecrHosts);
  const clouds = cloudsToEnable(spec, env);
  const providers = createCloudProviders(spec, env, {
    acrHosts: settings.acrHosts,
    ecrHosts,
    garHosts: settings.garHosts,
    azureIdentity: settings.azureIdentity,
    transport: {
      requestTimeoutMs: timing.requestTimeoutMs,
      ...(options.registryCAs && { registryCAs: options.registryCAs }),
      ...(options.hostTls && { hostTls: options.hostTls }),
      ...(deps.observer?.onRequest && { onRequest: (e) => deps.observer?.onRequest?.(e) }),
    },
  });
  const client = new RegistryClient(options, {
    // Kubelet's order, extended (credential-sources.ts): pod secrets, ServiceAccount secrets, cloud identities, docker config.
    sources: defaultCredentialSources([...providers, ...(deps.providers ?? [])], [...credentials, ...(deps.credentials ?? [])]),
    ...(deps.observer && { observer: deps.observer }),
    ...(deps.contentStore && { contentStore: deps.contentStore }),
    ...(deps.lookup && { lookup: deps.lookup }),
  });
  const namedHosts = [
    ...configuredRegistryHosts(client.options),
    ...client.options.mirrors.map((m) => m.source),
    ...client.options.mirrorOnly,
    ...settings.acrHosts,
    ...Object.keys(ecrHosts),
    ...settings.garHosts,
  ];
  return { client, warnings: loaded.warnings, clouds, namedHosts: [...new Set(namedHosts.map((h) => h.toLowerCase()))] };
}
