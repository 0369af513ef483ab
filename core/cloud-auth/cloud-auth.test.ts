import { describe, expect, it } from 'vitest';
import { decodeEcrToken } from './ecr.js';
import { ecrHost, isAcrHost, isGarHost } from './hosts.js';
import { cloudsToEnable, createCloudProviders, parseCloudAuthSpec, parseEcrHosts } from './index.js';
import { detectClouds, type DetectionProbes } from './detect.js';
import { jwtTimes } from '../jwt.js';
import { resolveAzureIdentityMode } from './azure-identity.js';
import { sdkMessage } from './messages.js';
import { TokenCache } from './token-cache.js';

describe('cloud registry hosts', () => {
  it('recognizes ACR login servers in every Azure cloud, and only whole names', () => {
    for (const h of ['myreg.azurecr.io', 'MyReg.AzureCR.io', 'myreg.azurecr.cn', 'myreg.azurecr.us', 'myreg.azurecr.io:443']) expect(isAcrHost(h), h).toBe(true);
    for (const h of ['azurecr.io', 'myreg.azurecr.io.evil.example', 'evil.example/myreg.azurecr.io', 'myreg.azurecr.io:5000', 'a.b.azurecr.io', 'myregazurecr.io', 'myreg.azurecr.com']) {
      expect(isAcrHost(h), h).toBe(false);
    }
    expect(isAcrHost('registry.internal:5000', ['registry.internal:5000'])).toBe(true);
    expect(isAcrHost('registry.internal', ['registry.internal:5000'])).toBe(false);
  });

  it('takes the region from an ECR host', () => {
    expect(ecrHost('123456789012.dkr.ecr.us-east-1.amazonaws.com')).toEqual({ accountId: '123456789012', region: 'us-east-1' });
    expect(ecrHost('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')?.region).toBe('cn-north-1');
    expect(ecrHost('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')?.region).toBe('us-gov-west-1');
    expect(ecrHost('123456789012.dkr-ecr.eu-central-2.on.aws')?.region).toBe('eu-central-2');
    for (const h of ['12345.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example', '123456789012.dkr.ecr.evil.amazonaws.com', 'public.ecr.aws', 'amazonaws.com']) {
      expect(ecrHost(h), h).toBeUndefined();
    }
    expect(ecrHost('ecr.proxy.internal', { 'ecr.proxy.internal': 'eu-west-1' })).toEqual({ accountId: undefined, region: 'eu-west-1' });
  });

  it('recognizes Artifact Registry and Container Registry hosts', () => {
    for (const h of ['us-docker.pkg.dev', 'europe-west1-docker.pkg.dev', 'gcr.io', 'eu.gcr.io', 'us.gcr.io']) expect(isGarHost(h), h).toBe(true);
    for (const h of ['docker.pkg.dev', 'us-docker.pkg.dev.evil.example', 'evilgcr.io', 'gcr.io.evil.example', 'us-python.pkg.dev', 'pkg.dev']) expect(isGarHost(h), h).toBe(false);
  });
});

describe('--cloud-auth', () => {
  it('parses auto, none, lists and Helm arrays', () => {
    expect(parseCloudAuthSpec('auto')).toBe('auto');
    expect(parseCloudAuthSpec(undefined)).toEqual([]);
    expect(parseCloudAuthSpec('')).toEqual([]);
    expect(parseCloudAuthSpec('none')).toEqual([]);
    expect(parseCloudAuthSpec('azure, AWS,azure')).toEqual(['azure', 'aws']);
    expect(parseCloudAuthSpec(['gcp', 'azure'])).toEqual(['gcp', 'azure']);
    expect(() => parseCloudAuthSpec('azure,ibm')).toThrow(/unknown ibm/);
    expect(() => parseCloudAuthSpec('auto,azure')).toThrow(/unknown auto/);
  });

  it('parses --ecr-host HOST=REGION', () => {
    expect(parseEcrHosts(['ecr.internal=us-east-1'])).toEqual({ 'ecr.internal': 'us-east-1' });
    expect(() => parseEcrHosts(['ecr.internal'])).toThrow(/HOST=REGION/);
    expect(() => parseEcrHosts(['ecr.internal=../evil'])).toThrow(/HOST=REGION/);
  });

  it('is off by default and builds providers without any network call or SDK', () => {
    expect(createCloudProviders([], {})).toEqual([]);
    const providers = createCloudProviders(['azure', 'aws', 'gcp'], {});
    expect(providers.map((p) => p.name)).toEqual(['azure Azure CLI login (az login, or azd auth login)', 'aws ecr', 'gcp application-default credentials']);
    expect(providers.map((p) => p.appliesTo('myreg.azurecr.io'))).toEqual([true, false, false]);
    expect(providers.map((p) => p.appliesTo('123456789012.dkr.ecr.us-east-1.amazonaws.com'))).toEqual([false, true, false]);
    expect(providers.map((p) => p.appliesTo('us-docker.pkg.dev'))).toEqual([false, false, true]);
    expect(providers.map((p) => p.appliesTo('docker.io'))).toEqual([false, false, false]);
  });
});

describe('auto detection', () => {
  const none: DetectionProbes = { fileExists: () => false, readFile: () => undefined, homeDir: () => '/home/u' };

  it('finds each cloud from what its Kubernetes integration injects', () => {
    expect(detectClouds({}, none)).toEqual([]);
    expect(detectClouds({ AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token' }, none)).toEqual([
      { cloud: 'azure', reason: 'AZURE_FEDERATED_TOKEN_FILE is set' },
    ]);
    expect(detectClouds({ AWS_ROLE_ARN: 'arn', AWS_WEB_IDENTITY_TOKEN_FILE: '/t' }, none).map((d) => d.cloud)).toEqual(['aws']);
    expect(detectClouds({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' }, none).map((d) => d.cloud)).toEqual(['aws']);
    expect(detectClouds({ GOOGLE_APPLICATION_CREDENTIALS: '/k.json' }, none).map((d) => d.cloud)).toEqual(['gcp']);
  });

  it('finds GKE from the VM BIOS and workstations from CLI logins, reading files only', () => {
    const gke: DetectionProbes = { ...none, readFile: (p) => (p === '/sys/class/dmi/id/product_name' ? 'Google Compute Engine\n' : undefined) };
    expect(detectClouds({}, gke)).toEqual([{ cloud: 'gcp', reason: 'running on Google Compute Engine (Google Compute Engine)' }]);
    const laptop: DetectionProbes = { ...none, fileExists: (p) => p === '/home/u/.azure/azureProfile.json' || p === '/home/u/.aws/config' };
    expect(detectClouds({}, laptop).map((d) => d.cloud)).toEqual(['azure', 'aws']);
    expect(cloudsToEnable(['gcp'], {}, none)).toEqual([{ cloud: 'gcp', reason: 'configured' }]);
  });

  it('picks one Azure identity from the environment', () => {
    expect(resolveAzureIdentityMode('auto', { AZURE_FEDERATED_TOKEN_FILE: '/t', KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toBe('workload');
    expect(resolveAzureIdentityMode('auto', { AZURE_CLIENT_SECRET: 's' })).toBe('service-principal');
    expect(resolveAzureIdentityMode('auto', { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toBe('managed');
    expect(resolveAzureIdentityMode('auto', {})).toBe('developer');
    expect(resolveAzureIdentityMode('managed', { AZURE_FEDERATED_TOKEN_FILE: '/t' })).toBe('managed');
  });
});

describe('token details', () => {
  it('reads iat and exp of a JWT without trusting anything else', () => {
    const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(jwtTimes(jwt({ iat: 100, exp: 200 }))).toEqual({ issuedAt: 100_000, expiresAt: 200_000 });
    expect(jwtTimes(jwt({ exp: '200' }))).toEqual({ issuedAt: undefined, expiresAt: undefined });
    expect(jwtTimes('opaque-token')).toEqual({ issuedAt: undefined, expiresAt: undefined });
    expect(jwtTimes('a.!!!.c')).toEqual({ issuedAt: undefined, expiresAt: undefined });
  });

  it('decodes ECR authorization tokens', () => {
    expect(decodeEcrToken(Buffer.from('AWS:pa:ss').toString('base64'))).toEqual({ username: 'AWS', password: 'pa:ss' });
    expect(() => decodeEcrToken(Buffer.from('nocolon').toString('base64'))).toThrow(/user:password/);
  });

  it('keeps SDK errors to one readable line', () => {
    const e = new Error('WorkloadIdentityCredential: Authentication failed. AADSTS700211: No matching federated identity record found.\nTrace ID: x\n See the troubleshooting guide for more information: https://aka.ms/x');
    expect(sdkMessage(e)).toBe('WorkloadIdentityCredential: Authentication failed. AADSTS700211: No matching federated identity record found.');
    expect(sdkMessage('x'.repeat(400))).toHaveLength(300);
  });
});

describe('TokenCache bounds', () => {
  it('keeps at most maxKeys hosts however many distinct registry names are asked for', async () => {
    const cache = new TokenCache<string>(10_000, Date.now, 8);
    for (let i = 0; i < 100; i++) await cache.get(`r${i}.azurecr.io`, () => Promise.resolve({ value: `t${i}`, refreshAt: Date.now() + 60_000 }));
    for (let i = 0; i < 100; i++) await cache.get(`bad${i}.azurecr.io`, () => Promise.reject(new Error('no'))).catch(() => undefined);
    expect(cache.size).toBeLessThanOrEqual(16);
    expect(await cache.get('r99.azurecr.io', () => Promise.reject(new Error('fetched again')))).toBe('t99');
  });
});
