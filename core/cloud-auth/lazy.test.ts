import { describe, expect, it, vi } from 'vitest';
import { closeCloudProviders, createCloudProviders } from './index.js';

// Records when a cloud SDK is first imported; the real module is still returned.
const loaded = vi.hoisted(() => [] as string[]);
vi.mock('@azure/identity', async (original) => {
  loaded.push('@azure/identity');
  return original();
});
vi.mock('@aws-sdk/client-ecr', async (original) => {
  loaded.push('@aws-sdk/client-ecr');
  return original();
});
vi.mock('google-auth-library', async (original) => {
  loaded.push('google-auth-library');
  return original();
});

describe('cloud SDK loading', () => {
  it('loads no SDK to build providers or to decide which hosts they serve', async () => {
    const providers = createCloudProviders(['azure', 'aws', 'gcp'], { AZURE_FEDERATED_TOKEN_FILE: '/absent/token', AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't' });
    for (const host of ['myreg.azurecr.io', '123456789012.dkr.ecr.us-east-1.amazonaws.com', 'us-docker.pkg.dev', 'docker.io']) {
      providers.forEach((p) => p.appliesTo(host));
    }
    expect(loaded).toEqual([]);
    // A workload identity whose token file is missing is reported before the SDK is needed.
    await expect(providers[0]!.credentialFor('myreg.azurecr.io', 'app')).rejects.toThrow('workload identity token file not found: /absent/token');
    expect(loaded).toEqual([]);
    await closeCloudProviders(providers);
  });
});
