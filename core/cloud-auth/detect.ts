import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type CloudName = 'azure' | 'aws' | 'gcp';
export const CLOUD_NAMES: readonly CloudName[] = ['azure', 'aws', 'gcp'];

export interface Detected {
  cloud: CloudName;
  /** Why, for the start-up log: "AZURE_FEDERATED_TOKEN_FILE is set". */
  reason: string;
}

/** Local probes, replaceable in tests. None of them touches the network. */
export interface DetectionProbes {
  fileExists(path: string): boolean;
  readFile(path: string): string | undefined;
  homeDir(): string;
}

export const systemProbes: DetectionProbes = {
  fileExists: (path) => existsSync(path),
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  homeDir: () => homedir(),
};

type Env = Readonly<Record<string, string | undefined>>;

function firstSet(env: Env, names: string[]): string | undefined {
  return names.find((n) => Boolean(env[n]));
}

function azureReason(env: Env, probes: DetectionProbes): string | undefined {
  // The AKS workload-identity webhook injects these; IDENTITY_ENDPOINT marks App Service / Arc managed identity.
  const v = firstSet(env, ['AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_ID', 'IDENTITY_ENDPOINT']);
  if (v) return `${v} is set`;
  const profile = join(env.AZURE_CONFIG_DIR || join(probes.homeDir(), '.azure'), 'azureProfile.json');
  if (probes.fileExists(profile)) return `Azure CLI profile ${profile} exists`;
  return undefined;
}

function awsReason(env: Env, probes: DetectionProbes): string | undefined {
  // IRSA (web identity), EKS Pod Identity / ECS (container credentials), explicit keys or a profile.
  const v = firstSet(env, [
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
  ]);
  if (v) return `${v} is set`;
  const dir = join(probes.homeDir(), '.aws');
  for (const f of [env.AWS_CONFIG_FILE || join(dir, 'config'), env.AWS_SHARED_CREDENTIALS_FILE || join(dir, 'credentials')]) {
    if (probes.fileExists(f)) return `AWS config ${f} exists`;
  }
  return undefined;
}

function gcpReason(env: Env, probes: DetectionProbes): string | undefined {
  const v = firstSet(env, ['GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_HOST', 'GCE_METADATA_IP']);
  if (v) return `${v} is set`;
  const gcloud = join(env.CLOUDSDK_CONFIG || join(probes.homeDir(), '.config', 'gcloud'), 'application_default_credentials.json');
  if (probes.fileExists(gcloud)) return `gcloud application-default login ${gcloud} exists`;
  // GKE nodes (and so pods) run on Compute Engine VMs; the BIOS says so, and reading it is not a network call. GKE
  // Workload Identity sets no environment variable, so this is how auto finds it.
  const product = probes.readFile('/sys/class/dmi/id/product_name')?.trim();
  if (product === 'Google Compute Engine' || product === 'Google') return `running on Google Compute Engine (${product})`;
  return undefined;
}

/**
 * Clouds whose identity is visible from the environment, without any network call: what `--cloud-auth auto` enables.
 * A cloud that is enabled but has no identity only costs a failed token request on lookups of its own registries.
 */
export function detectClouds(env: Env = process.env, probes: DetectionProbes = systemProbes): Detected[] {
  const found: Detected[] = [];
  const checks: Array<[CloudName, (env: Env, probes: DetectionProbes) => string | undefined]> = [
    ['azure', azureReason],
    ['aws', awsReason],
    ['gcp', gcpReason],
  ];
  for (const [cloud, check] of checks) {
    const reason = check(env, probes);
    if (reason) found.push({ cloud, reason });
  }
  return found;
}
