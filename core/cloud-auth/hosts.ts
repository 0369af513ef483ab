/**
 * Which registry hosts belong to which cloud. These decide where a cloud credential may be sent, so they match
 * whole host names only (no suffix tricks like `x.azurecr.io.evil.example`) and never make network calls.
 */

/** Lower-cases and drops a default `:443`, the only port a cloud registry is reached on. */
export function normalizeHost(registry: string): string {
  const host = registry.trim().toLowerCase();
  return host.endsWith(':443') ? host.slice(0, -4) : host;
}

function inList(registry: string, extra: readonly string[]): boolean {
  const host = normalizeHost(registry);
  return extra.some((h) => normalizeHost(h) === host);
}

// One DNS label. ACR login servers are `<name>.azurecr.<tld>` with a single label before it; other names under
// azurecr.io (data endpoints such as `myreg.westeurope.data.azurecr.io`) are not login servers and are not matched:
// a registry reached under such a name is added with --acr-host.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const ACR = new RegExp(`^${LABEL}\\.azurecr\\.(?:io|cn|us)$`);

/** `myreg.azurecr.io` (public), `.azurecr.cn` (China), `.azurecr.us` (US Government), or a configured host. */
export function isAcrHost(registry: string, extra: readonly string[] = []): boolean {
  return ACR.test(normalizeHost(registry)) || inList(registry, extra);
}

// 123456789012.dkr.ecr.us-east-1.amazonaws.com, …amazonaws.com.cn, FIPS (dkr.ecr-fips) and dual-stack
// (dkr-ecr.REGION.on.aws) endpoints. The region is taken from the name, so it must look like one.
const ECR = /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/;

export interface EcrHost {
  /** AWS region whose ECR API issues tokens for this registry. */
  region: string;
  /** 12-digit account id; undefined for a configured host. */
  accountId: string | undefined;
}

/**
 * The region an ECR registry lives in, or undefined when the host is not ECR. Configured hosts (`host=region`)
 * cover registries reached by another name.
 */
export function ecrHost(registry: string, extra: Readonly<Record<string, string>> = {}): EcrHost | undefined {
  const host = normalizeHost(registry);
  const m = ECR.exec(host);
  if (m) return { accountId: m[1]!, region: m[2]! };
  for (const [h, region] of Object.entries(extra)) {
    if (normalizeHost(h) === host) return { accountId: undefined, region };
  }
  return undefined;
}

// us-docker.pkg.dev, europe-west1-docker.pkg.dev; gcr.io, us.gcr.io, eu.gcr.io, asia.gcr.io (now served by
// Artifact Registry too).
const GAR = new RegExp(`^(?:${LABEL}-docker\\.pkg\\.dev|(?:${LABEL}\\.)?gcr\\.io)$`);

/** Artifact Registry (`*-docker.pkg.dev`) and Container Registry (`gcr.io`, `*.gcr.io`) hosts, or a configured host. */
export function isGarHost(registry: string, extra: readonly string[] = []): boolean {
  return GAR.test(normalizeHost(registry)) || inList(registry, extra);
}
