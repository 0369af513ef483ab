import type { CredentialProvider } from '../credential-provider.js';
import { settingError } from '../errors.js';
import { AcrCredentialProvider, type CloudTransportOptions } from './acr.js';
import type { AzureIdentityMode } from './azure-identity.js';
import { CLOUD_NAMES, detectClouds, systemProbes, type CloudName, type Detected, type DetectionProbes } from './detect.js';
import { EcrCredentialProvider } from './ecr.js';
import { GarCredentialProvider } from './gar.js';

export { ACR_AAD_SCOPE, AcrCredentialProvider, type CloudTransportOptions } from './acr.js';
export type { AzureIdentityMode } from './azure-identity.js';
export { CLOUD_NAMES, detectClouds, type CloudName, type Detected } from './detect.js';
export { EcrCredentialProvider } from './ecr.js';
export { GarCredentialProvider } from './gar.js';
export { ecrHost, isAcrHost, isGarHost } from './hosts.js';

export type CloudAuthSpec = CloudName[] | 'auto';

/** Settings for cloud identities; one schema for flags, environment and Helm values. */
export interface CloudAuthOptions {
  /** Extra hosts to treat as ACR (`--acr-host`). */
  acrHosts?: string[];
  /** AAD scope for the ACR exchange (`--acr-scope`); default ACR's own audience. */
  acrScope?: string;
  /** Which Azure identity (`--azure-identity`); default auto. */
  azureIdentity?: AzureIdentityMode;
  /** Extra hosts to treat as ECR, with their region (`--ecr-host HOST=REGION`). */
  ecrHosts?: Record<string, string>;
  /** Extra hosts to treat as Artifact Registry (`--gar-host`). */
  garHosts?: string[];
  /** Bound on each token request (AAD, exchange, STS/ECR, Google). Default 5 s. */
  timeoutMs?: number;
  /** How long a failed token request is remembered before it is tried again. Default 10 s. */
  failureBackoffMs?: number;
  /** The registry client's HTTP settings, so the ACR exchange trusts the same CAs and reports the same metrics. */
  transport?: CloudTransportOptions;
  probes?: DetectionProbes;
}

/**
 * `--cloud-auth` / Helm `cloudAuth`: "auto", "none" (or empty), or a comma-separated list of azure, aws, gcp.
 * Arrays (from Helm values) are joined first.
 */
export function parseCloudAuthSpec(value: string | readonly string[] | undefined): CloudAuthSpec {
  const items = (typeof value === 'string' || value === undefined ? (value ?? '').split(',') : value.flatMap((v) => v.split(',')))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v.length > 0);
  if (items.length === 1 && items[0] === 'auto') return 'auto';
  if (items.length === 0 || (items.length === 1 && items[0] === 'none')) return [];
  const unknown = items.filter((v) => !(CLOUD_NAMES as readonly string[]).includes(v));
  if (unknown.length > 0) {
    throw settingError('cloudAuth', `unknown ${unknown.join(', ')}; use auto, none, or a list of ${CLOUD_NAMES.join(', ')}`);
  }
  return [...new Set(items as CloudName[])];
}

/** The clouds a spec enables, each with the reason (for the start-up log). */
export function cloudsToEnable(spec: CloudAuthSpec, env: Readonly<Record<string, string | undefined>> = process.env, probes: DetectionProbes = systemProbes): Detected[] {
  if (spec === 'auto') return detectClouds(env, probes);
  return spec.map((cloud) => ({ cloud, reason: 'configured' }));
}

/**
 * Credential providers for the enabled clouds, in the order azure, aws, gcp (they serve disjoint hosts, so the order
 * does not matter). Off unless asked for: an empty spec gives none. Construction makes no network call and loads no
 * cloud SDK; each SDK is imported on the first lookup of one of its registries.
 */
export function createCloudProviders(
  spec: CloudAuthSpec,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: CloudAuthOptions = {},
): CredentialProvider[] {
  const common = {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.failureBackoffMs !== undefined && { failureBackoffMs: options.failureBackoffMs }),
  };
  return cloudsToEnable(spec, env, options.probes).map(({ cloud }): CredentialProvider => {
    switch (cloud) {
      case 'azure':
        return new AcrCredentialProvider({
          ...common,
          env,
          ...(options.acrHosts && { extraHosts: options.acrHosts }),
          ...(options.acrScope && { scope: options.acrScope }),
          ...(options.azureIdentity && { identity: options.azureIdentity }),
          ...(options.transport && { transport: options.transport }),
        });
      case 'aws':
        return new EcrCredentialProvider({ ...common, ...(options.ecrHosts && { extraHosts: options.ecrHosts }) });
      case 'gcp':
        return new GarCredentialProvider({ ...common, ...(options.garHosts && { extraHosts: options.garHosts }) });
    }
  });
}

/** Releases what the providers hold (HTTP agents, SDK clients); call on shutdown. */
export async function closeCloudProviders(providers: readonly CredentialProvider[]): Promise<void> {
  await Promise.all(providers.map((p) => (p as { close?: () => Promise<void> }).close?.()));
}

/** `--ecr-host HOST=REGION` values → map. */
export function parseEcrHosts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const host = v.slice(0, eq).trim();
    const region = v.slice(eq + 1).trim();
    if (eq <= 0 || !host || !/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(region)) {
      throw settingError('ecrHosts', 'expected HOST=REGION, e.g. ecr.example.com=us-east-1', v);
    }
    out[host] = region;
  }
  return out;
}
