/**
 * Artifact Registry through the real google-auth-library application-default credentials against local stand-ins:
 * the GKE metadata server (GCE_METADATA_HOST), as a pod with GKE Workload Identity sees it, and Google STS for an
 * external-account (workload identity federation) credential file. A real docker-registry in token mode plays the
 * registry: like Artifact Registry, its token endpoint takes Basic `oauth2accesstoken:<access token>`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir, startDriver, type Driver } from './cloud-stand-ins/driver-client.js';
import { startGcp, type GcpStandIn } from './cloud-stand-ins/gcp.js';
import { AMD64, ARM64, pushImage } from './cloud-stand-ins/images.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

const ACCESS_TOKEN = 'ya29.archcheck-test-access-token';
const SUBJECT_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.federated-subject.sig';

let gar: TestRegistry;
let other: TestRegistry;
let gcp: GcpStandIn;
let externalAccountFile: string;
const dir = scratchDir();
const drivers: Driver[] = [];

beforeAll(async () => {
  [gar, other] = await Promise.all([
    startRegistry({ name: 'gar', auth: 'token', users: { oauth2accesstoken: ACCESS_TOKEN }, privateRepos: [/.*/] }),
    startRegistry({ name: 'not-gar', auth: 'token', privateRepos: ['private/'] }),
  ]);
  await Promise.all([pushImage(gar, 'project/repo/app', '1.0', [AMD64, ARM64]), pushImage(other, 'private/app', '1.0', [AMD64])]);
  gcp = await startGcp({ accessToken: ACCESS_TOKEN, subjectToken: SUBJECT_TOKEN });
  const subjectFile = join(dir, 'subject-token');
  writeFileSync(subjectFile, SUBJECT_TOKEN);
  externalAccountFile = join(dir, 'external-account.json');
  writeFileSync(
    externalAccountFile,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/archcheck/providers/cluster',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: gcp.stsTokenUrl,
      credential_source: { file: subjectFile },
    }),
  );
});

afterAll(async () => {
  await Promise.all([gcp?.stop(), gar?.stop(), other?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

function driver(env: Record<string, string>, cloudAuth = 'auto'): Driver {
  const d = startDriver(
    { cloudAuth, cloudOptions: { garHosts: [gar.host], failureBackoffMs: 0 }, registryOptions: { insecureRegistries: [gar.host, other.host] } },
    env,
  );
  drivers.push(d);
  return d;
}

describe('Artifact Registry through application-default credentials', { timeout: 60_000 }, () => {
  it('resolves a private image with the GKE metadata server token', async () => {
    const d = driver({ GCE_METADATA_HOST: gcp.metadataHost });
    expect(await d.providers()).toEqual(['gcp application-default credentials']);
    gar.token!.reset();
    const info = await d.resolve(`${gar.host}/project/repo/app:1.0`);
    expect(info.error, d.stderr()).toBeNull();
    expect(info.platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    const tokenCall = gcp.metadata.calls.find((c) => c.path.includes('/service-accounts/default/token'));
    expect(tokenCall?.headers['metadata-flavor']).toBe('Google');
    expect(gar.token!.requests.some((r) => r.authenticated && r.user === 'oauth2accesstoken')).toBe(true);
  });

  it('resolves a private image with an external-account (workload identity federation) file', async () => {
    const d = driver({ GOOGLE_APPLICATION_CREDENTIALS: externalAccountFile });
    const before = gcp.sts.calls.length;
    const info = await d.resolve(`${gar.host}/project/repo/app:1.0`);
    expect(info.error, d.stderr()).toBeNull();
    const sts = gcp.sts.calls.slice(before);
    expect(sts.length).toBe(1);
    expect(sts[0]!.form.get('subject_token')).toBe(SUBJECT_TOKEN);
    expect(sts[0]!.form.get('scope')).toBe('https://www.googleapis.com/auth/cloud-platform');
  });

  it('falls through with the library\'s reason when there is no Google identity', async () => {
    const d = driver({ METADATA_SERVER_DETECTION: 'none' }, 'gcp');
    const info = await d.resolve(`${gar.host}/project/repo/app:1.0`);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(info.error?.message).toContain('tried gcp application-default credentials: no Google access token');
    expect(info.error?.message).toContain('anonymous: UNAUTHORIZED');
  });

  it('never sends the Google token to a registry that is not Artifact Registry', async () => {
    const d = driver({ GCE_METADATA_HOST: gcp.metadataHost });
    const before = gcp.tokenCalls().length;
    other.token!.reset();
    const info = await d.resolve(`${other.host}/private/app:1.0`);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(gcp.tokenCalls().length).toBe(before);
    expect(other.token!.requests.every((r) => !r.presentedCredentials)).toBe(true);
  });
});
