/**
 * ACR through the real @azure/identity (WorkloadIdentityCredential with a federated token file, and
 * ManagedIdentityCredential through IMDS) against local stand-ins: Entra ID over https (AZURE_AUTHORITY_HOST), and an
 * ACR login server (/oauth2/exchange, /oauth2/token) in front of a real docker-registry in token mode. The providers
 * and the RegistryClient run in a child process (see cloud-stand-ins/driver.ts) that trusts the stand-ins' CA.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAcr, type AcrStandIn } from './cloud-stand-ins/acr.js';
import { caFile, scratchDir, startDriver, type Driver } from './cloud-stand-ins/driver-client.js';
import { startEntra, type EntraStandIn } from './cloud-stand-ins/entra.js';
import { AMD64, ARM64, pushImage } from './cloud-stand-ins/images.js';
import { sleep } from './registry/http.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';
import { createTlsMaterial } from './registry/tls.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const WORKLOAD_CLIENT = '11111111-2222-3333-4444-555555555555';
const NO_PULL_CLIENT = '99999999-8888-7777-6666-555555555555';
const MANAGED_CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.projected-serviceaccount-token.sig';
const OTHER_SA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.other-serviceaccount-token.sig';

let backend: TestRegistry;
let other: TestRegistry;
let entra: EntraStandIn;
let acr: AcrStandIn;
let ca: string;
let tokenFile: string;
let otherTokenFile: string;
const dir = scratchDir();
const drivers: Driver[] = [];

beforeAll(async () => {
  const tls = await createTlsMaterial();
  ca = caFile(dir, tls.caCertPem);
  [backend, other] = await Promise.all([
    startRegistry({ name: 'acr-backend', auth: 'token', privateRepos: [/.*/] }),
    startRegistry({ name: 'not-acr', auth: 'token', privateRepos: ['private/'] }),
  ]);
  await Promise.all([
    pushImage(backend, 'team/app', '1.0', [AMD64, ARM64]),
    pushImage(backend, 'team/tool', '2', [ARM64]),
    pushImage(backend, 'team/db', '3', [AMD64]),
    pushImage(other, 'private/app', '1.0', [AMD64, ARM64]),
    pushImage(other, 'public/app', '1.0', [ARM64]),
  ]);
  entra = await startEntra({
    tls,
    tenantId: TENANT,
    identities: [
      { clientId: WORKLOAD_CLIENT, federatedToken: SA_TOKEN },
      { clientId: NO_PULL_CLIENT, federatedToken: OTHER_SA_TOKEN },
      { clientId: MANAGED_CLIENT },
    ],
  });
  acr = await startAcr({ tls, backend, entra, acrPull: [WORKLOAD_CLIENT, MANAGED_CLIENT] });
  tokenFile = join(dir, 'azure-identity-token');
  otherTokenFile = join(dir, 'other-token');
  writeFileSync(tokenFile, `${SA_TOKEN}\n`);
  writeFileSync(otherTokenFile, OTHER_SA_TOKEN);
});

afterAll(async () => {
  await Promise.all([acr?.stop(), entra?.stop(), backend?.stop(), other?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  acr.forceExchangeStatus(undefined);
  acr.setRefreshTokenSeconds(3 * 3600);
  entra.setExpiresIn(3600);
});

/** What the AKS workload-identity webhook injects, pointed at the stand-ins. */
function workloadEnv(over: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: ca,
    AZURE_CLIENT_ID: WORKLOAD_CLIENT,
    AZURE_TENANT_ID: TENANT,
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
    ...over,
  };
}

function driver(env: Record<string, string>, cloudAuth = 'auto'): Driver {
  const d = startDriver({ cloudAuth, cloudOptions: { acrHosts: [acr.host], failureBackoffMs: 0 } }, env);
  drivers.push(d);
  return d;
}

function counts(): { aad: number; exchanges: number; tokens: number } {
  return { aad: entra.issued.length, exchanges: acr.exchanges().length, tokens: acr.tokenRequests().length };
}

describe('ACR through Azure workload identity', { timeout: 60_000 }, () => {
  it('resolves private images and reuses one refresh token across repositories', async () => {
    const before = counts();
    const entraCallsBefore = entra.calls.length + entra.imdsCalls.length;
    const d = driver(workloadEnv());
    expect(await d.providers()).toEqual([`azure workload identity (client ${WORKLOAD_CLIENT.slice(0, 8)}…)`]);
    // Start-up made no call: Entra and the registry are first asked by a lookup.
    expect(counts()).toEqual(before);
    expect(entra.calls.length + entra.imdsCalls.length).toBe(entraCallsBefore);

    const app = await d.resolve(`${acr.host}/team/app:1.0`);
    expect(app.error, d.stderr()).toBeNull();
    expect(app.platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    const tool = await d.resolve(`${acr.host}/team/tool:2`);
    expect(tool.error).toBeNull();
    expect(tool.platformStrings).toEqual(['linux/arm64']);

    const after = counts();
    expect(after.aad - before.aad).toBe(1);
    expect(after.exchanges - before.exchanges).toBe(1);
    // One access token per repository, each bought with the same refresh token.
    const tokenCalls = acr.tokenRequests().slice(before.tokens);
    expect(new Set(tokenCalls.map((c) => c.form.get('scope')))).toEqual(new Set(['repository:team/app:pull', 'repository:team/tool:pull']));
    const refresh = acr.refreshTokens.at(-1);
    for (const c of tokenCalls) {
      expect(c.method).toBe('POST');
      expect(c.form.get('grant_type')).toBe('refresh_token');
      expect(c.form.get('service')).toBe(acr.host);
      expect(c.form.get('refresh_token')).toBe(refresh);
    }

    // What went to Entra and to the exchange.
    const aadCall = entra.calls.filter((c) => c.method === 'POST').at(-1)!;
    expect(aadCall.form.get('client_id')).toBe(WORKLOAD_CLIENT);
    expect(aadCall.form.get('client_assertion')).toBe(SA_TOKEN);
    expect(aadCall.form.get('scope')).toContain('https://containerregistry.azure.net/.default');
    const ex = acr.exchanges().at(-1)!;
    expect(ex.form.get('grant_type')).toBe('access_token');
    expect(ex.form.get('service')).toBe(acr.host);
    expect(ex.form.get('tenant')).toBe(TENANT);
    expect(ex.form.get('access_token')).toBe(entra.issued.at(-1)!.token);
  });

  it('renews an expired Azure AD token when the refresh token runs out', async () => {
    entra.setExpiresIn(2);
    acr.setRefreshTokenSeconds(4);
    const d = driver(workloadEnv());
    const before = counts();
    expect((await d.resolve(`${acr.host}/team/app:1.0`)).error, d.stderr()).toBeNull();
    const firstAad = entra.issued.at(-1)!;
    // Past the first AAD token's expiry and the refresh token's renewal point (half of its short life).
    await sleep(2_500);
    expect(entra.validate(firstAad.token)).toBeUndefined();
    const second = await d.resolve(`${acr.host}/team/tool:2`);
    expect(second.error, d.stderr()).toBeNull();
    const after = counts();
    expect(after.exchanges - before.exchanges).toBe(2);
    expect(after.aad - before.aad).toBe(2);
    const lastExchange = acr.exchanges().at(-1)!;
    expect(lastExchange.form.get('access_token')).not.toBe(firstAad.token);
    expect(lastExchange.status).toBe(200);
  });

  it('says "AcrPull missing" when the exchange answers 403, and falls through to anonymous', async () => {
    const d = driver(workloadEnv({ AZURE_CLIENT_ID: NO_PULL_CLIENT, AZURE_FEDERATED_TOKEN_FILE: otherTokenFile }));
    const info = await d.resolve(`${acr.host}/team/app:1.0`);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(info.error?.message).toContain('AcrPull missing: 403 from exchange');
    expect(info.error?.message).toMatch(/tried azure workload identity \(client 99999999…\): AcrPull missing: 403 from exchange at 127\.0\.0\.1:\d+: grant .* the AcrPull role/);
    expect(info.error?.message).toContain('anonymous: UNAUTHORIZED');
  });

  it('reports a 401 from the exchange with the registry\'s reason', async () => {
    acr.forceExchangeStatus(401);
    const d = driver(workloadEnv());
    const info = await d.resolve(`${acr.host}/team/db:3`);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(info.error?.message).toContain('401 from exchange at');
    expect(info.error?.message).toContain('"The access token is invalid or expired"');
  });

  it('says the workload identity token file is missing without asking Entra', async () => {
    const before = counts();
    const d = driver(workloadEnv({ AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/absent' }));
    const info = await d.resolve(`${acr.host}/team/app:1.0`);
    expect(info.error?.message).toContain('workload identity token file not found: /var/run/secrets/azure/tokens/absent');
    expect(counts().aad).toBe(before.aad);
    expect(counts().exchanges).toBe(before.exchanges);
  });

  it('never sends Azure credentials to a registry that is not ACR', async () => {
    const d = driver(workloadEnv());
    const before = counts();
    other.token!.reset();
    const priv = await d.resolve(`${other.host}/private/app:1.0`);
    expect(priv.error?.code).toBe('UNAUTHORIZED');
    // Only anonymous was tried: no provider applied.
    expect(priv.error?.message).not.toContain('azure');
    const pub = await d.resolve(`${other.host}/public/app:1.0`);
    expect(pub.error).toBeNull();
    expect(counts()).toEqual(before);
    expect(other.token!.requests.length).toBeGreaterThan(0);
    expect(other.token!.requests.every((r) => !r.presentedCredentials)).toBe(true);
    // And no ACR refresh or access token, nor the AAD token, was presented there.
    const secrets = [...acr.refreshTokens, ...entra.issued.map((t) => t.token)];
    for (const r of other.token!.requests) for (const s of secrets) expect(r.path).not.toContain(s);
  });
});

describe('ACR through a managed identity (IMDS)', { timeout: 60_000 }, () => {
  it('uses the managed identity in a pod without workload identity', async () => {
    const d = driver({
      NODE_EXTRA_CA_CERTS: ca,
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      AZURE_CLIENT_ID: MANAGED_CLIENT,
      // Where MSAL sends IMDS requests instead of 169.254.169.254.
      AZURE_POD_IDENTITY_AUTHORITY_HOST: entra.imdsHost,
    });
    expect(await d.providers()).toEqual([`azure managed identity (client ${MANAGED_CLIENT.slice(0, 8)}…)`]);
    const imdsBefore = entra.imdsCalls.length;
    const info = await d.resolve(`${acr.host}/team/tool:2`);
    expect(info.error, d.stderr()).toBeNull();
    expect(info.platformStrings).toEqual(['linux/arm64']);
    const imds = entra.imdsCalls.slice(imdsBefore);
    expect(imds.length).toBeGreaterThan(0);
    const url = new URL(imds.at(-1)!.path, 'http://x');
    expect(url.searchParams.get('resource')).toBe('https://containerregistry.azure.net');
    expect(url.searchParams.get('client_id')).toBe(MANAGED_CLIENT);
  });
});
