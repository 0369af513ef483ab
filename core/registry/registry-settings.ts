import { CLOUD_NAMES, parseEcrHosts, type AzureIdentityMode } from '../cloud-auth/index.js';
import { list, scalar, type Spec, type ValueOf } from '../settings/setting-spec.js';
import { checkedText, parseBoolean, parseBoundedDuration, parseBoundedInteger, parseEnum, parseHostAssignment, parseHostPort, parseText } from '../settings/setting-values.js';
import { parseMirrorRule } from './endpoints.js';

export const AZURE_IDENTITY_MODES: readonly AzureIdentityMode[] = ['auto', 'workload', 'service-principal', 'managed', 'developer'];

/**
 * THE table of registry settings: where the registry client finds credentials, mirrors, CAs and cloud identities.
 * The webhook's configuration schema (flags, ARCHCHECK_* env, YAML file, Helm values) includes these entries as
 * they are, and the plugin makes its registry flags from them, so both read the same names the same way.
 * `openRegistryClient` (open-client.ts) turns the parsed values into a client.
 */
export const registrySettingSpecs = {
  insecureRegistries: list<string>({ flag: 'insecure-registry', value: 'HOST[:PORT]', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Registries reached over plain HTTP (repeatable).' }),
  registryConfig: scalar<string>({ flag: 'registry-config', value: 'PATH', defaultText: '', parse: parseText, description: 'Docker config.json with registry credentials of its own (tried after the pod\'s pull secrets and cloud identities). Empty: $DOCKER_CONFIG/config.json or ~/.docker/config.json if present.' }),
  registryMirrors: list<string>({ flag: 'registry-mirror', value: 'SOURCE=MIRROR[/PREFIX]', defaultText: '', parseItem: checkedText(parseMirrorRule), description: 'Try MIRROR (with an optional path prefix) before SOURCE, e.g. docker.io=myacr.azurecr.io/docker-hub (repeatable; order is preference). Credentials follow the mirror.' }),
  mirrorOnly: list<string>({ flag: 'mirror-only', value: 'SOURCE', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Never contact SOURCE itself, only its mirrors (repeatable).' }),
  registryHostsDir: scalar<string>({ flag: 'registry-hosts-dir', value: 'DIR', defaultText: '', parse: parseText, description: "containerd certs.d directory (<host>/hosts.toml: server, [host.\"…\"] capabilities, ca, skip_verify, override_path), as the nodes use it." }),
  registryCAs: list<string>({ flag: 'registry-ca', value: 'HOST[:PORT]=FILE', defaultText: '', parseItem: parseHostAssignment('registry.internal:5000=/etc/archcheck/registry-cas/internal.crt'), description: 'PEM CA bundle trusted for one registry host (repeatable); verification is never turned off globally.' }),
  tagStaleIfError: scalar<number>({ flag: 'tag-stale-if-error', value: 'DURATION', defaultText: '15m', parse: parseBoundedDuration(0, 24 * 3_600_000), description: "How long past its TTL a tag's last known platforms still answer, marked stale, when the registry cannot be asked (timeout, 5xx, 429, no connection), instead of the image being unresolved; the webhook places the pod by them with a warning. 0 turns it off (decision 0053)." }),
  verifyPlatforms: scalar<boolean>({ flag: 'verify-platforms', value: 'true|false', defaultText: 'false', parse: parseBoolean, description: "Fetch each index child's config once (cached by digest) and trust its os/arch over the index label; mismatches are warned about (denied with single-arch deny)." }),
  cloudAuth: list<string>({ flag: 'cloud-auth', value: 'auto|none|azure,aws,gcp', defaultText: '', parseItem: parseEnum(['auto', 'none', ...CLOUD_NAMES]), flagCommaSplit: true, description: "Cloud identities for ACR/ECR/GAR, tried after the pod's pull secrets: auto (detect from the environment), none, or a list of azure, aws, gcp. Empty: none." }),
  acrHosts: list<string>({ flag: 'acr-host', value: 'HOST', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Treat HOST as an Azure Container Registry besides *.azurecr.io|cn|us (repeatable).' }),
  ecrHosts: list<string>({ flag: 'ecr-host', value: 'HOST=REGION', defaultText: '', parseItem: checkedText((t) => parseEcrHosts([t])), flagCommaSplit: true, description: 'Treat HOST as Amazon ECR in REGION besides *.dkr.ecr.REGION.amazonaws.com (repeatable).' }),
  garHosts: list<string>({ flag: 'gar-host', value: 'HOST', defaultText: '', parseItem: parseHostPort, flagCommaSplit: true, description: 'Treat HOST as Google Artifact Registry besides *-docker.pkg.dev and gcr.io (repeatable).' }),
  // What the client may keep in memory (docs/decisions/0022): the sum is the memory budget the chart sizes the pod by.
  contentCacheMiB: scalar<number>({ flag: 'content-cache-mib', value: 'MIB', defaultText: '64', parse: parseBoundedInteger(1, 4096), description: 'Memory for manifests and config blobs by digest (immutable; least recently used dropped first).' }),
  answerCacheMiB: scalar<number>({ flag: 'answer-cache-mib', value: 'MIB', defaultText: '8', parse: parseBoundedInteger(1, 1024), description: "Memory for answers, platform resolutions and who-may-read records by digest." }),
  tagCacheMiB: scalar<number>({ flag: 'tag-cache-mib', value: 'MIB', defaultText: '8', parse: parseBoundedInteger(1, 1024), description: 'Memory for tag → digest answers per repository and credential (also at most 50,000 entries).' }),
  tokenCacheMiB: scalar<number>({ flag: 'token-cache-mib', value: 'MIB', defaultText: '8', parse: parseBoundedInteger(1, 1024), description: 'Memory for registry bearer tokens per host, repository and credential.' }),
  negativeCacheMiB: scalar<number>({ flag: 'negative-cache-mib', value: 'MIB', defaultText: '4', parse: parseBoundedInteger(1, 1024), description: 'Memory for failures remembered for 10 s (not found, denied; ¾ of it) and tags whose registry is failing (stale-if-error; ¼); each at most 10,000 entries.' }),
  registryHostEntries: scalar<number>({ flag: 'registry-host-entries', value: 'N', defaultText: '1024', parse: parseBoundedInteger(16, 100_000), description: 'Registry hosts whose auth challenge, learned http fallback and rate-limit reading are kept (least recently used forgotten first).' }),
  azureIdentity: scalar<AzureIdentityMode>({ flag: 'azure-identity', value: AZURE_IDENTITY_MODES.join('|'), defaultText: 'auto', parse: parseEnum(AZURE_IDENTITY_MODES), description: 'Azure identity for ACR: auto (workload identity if injected, else a service principal from env, else managed identity in a cluster), or exactly one.' }),
} satisfies Record<string, Spec>;

type Specs = typeof registrySettingSpecs;
export type RegistrySettingKey = keyof Specs;

/** The registry settings, parsed: what `openRegistryClient` is given. */
export type RegistrySettings = { [K in RegistrySettingKey]: ValueOf<Specs[K]> };

/** The flag (without dashes) a registry setting is written as, for messages of the shells that use flags. */
export function registrySettingFlag(setting: string): string | undefined {
  return (registrySettingSpecs as Record<string, Spec>)[setting]?.flag;
}
