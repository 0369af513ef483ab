import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchcheckError } from '../errors.js';
import { cacheLimitsOf, openRegistryClient } from './open-client.js';
import { defaultCacheLimits } from './options.js';
import type { RegistrySettings } from './registry-settings.js';

const none: RegistrySettings = {
  insecureRegistries: [],
  registryConfig: '',
  registryMirrors: [],
  mirrorOnly: [],
  registryHostsDir: '',
  registryCAs: [],
  tagStaleIfError: 900_000,
  verifyPlatforms: false,
  cloudAuth: [],
  acrHosts: [],
  ecrHosts: [],
  garHosts: [],
  azureIdentity: 'auto',
  contentCacheMiB: 64,
  answerCacheMiB: 8,
  tagCacheMiB: 8,
  tokenCacheMiB: 8,
  negativeCacheMiB: 4,
  registryHostEntries: 1024,
};
const timing = { resolveTimeoutMs: 2_000, requestTimeoutMs: 1_000 };

async function settingOf(settings: Partial<RegistrySettings>): Promise<string | undefined> {
  try {
    const { client } = await openRegistryClient({ ...none, ...settings }, timing, { env: {} });
    await client.close();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ArchcheckError);
    expect((e as ArchcheckError).code).toBe('CONFIG');
    return (e as ArchcheckError).setting;
  }
}

describe('openRegistryClient', () => {
  it('names the setting that cannot work, never a flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-client-'));
    await writeFile(join(dir, 'not-a-cert.pem'), 'hello');
    await writeFile(join(dir, 'bad.json'), '{nope');
    const cases: [Partial<RegistrySettings>, string | undefined][] = [
      [{}, undefined],
      [{ registryConfig: join(dir, 'missing.json') }, 'registryConfig'],
      [{ registryConfig: join(dir, 'bad.json') }, 'registryConfig'],
      [{ registryCAs: [`reg.local:5000=${join(dir, 'not-a-cert.pem')}`] }, 'registryCAs'],
      [{ registryCAs: [`reg.local:5000=${join(dir, 'missing.pem')}`] }, 'registryCAs'],
      [{ registryMirrors: ['docker.io'] }, 'registryMirrors'],
      [{ cloudAuth: ['azure', 'moon'] }, 'cloudAuth'],
      [{ ecrHosts: ['ecr.local=nowhere'] }, 'ecrHosts'],
    ];
    for (const [settings, setting] of cases) expect(await settingOf(settings), JSON.stringify(settings)).toBe(setting);
  });

  it('reports every host the settings name, parsed (for the metric label values)', async () => {
    const { client, namedHosts } = await openRegistryClient(
      { ...none, registryMirrors: ['docker.io=MyACR.azurecr.io/docker-hub'], mirrorOnly: ['quay.io'], insecureRegistries: ['dev.local:5000'], ecrHosts: ['ecr.internal=eu-west-1'], garHosts: ['gar.internal'], acrHosts: ['acr.internal'] },
      timing,
      { env: {} },
    );
    expect(namedHosts.sort()).toEqual(['acr.internal', 'dev.local:5000', 'docker.io', 'ecr.internal', 'gar.internal', 'myacr.azurecr.io', 'quay.io']);
    await client.close();
  });

  it('hands the client its options and timing, and reports the cloud identities it enabled', async () => {
    const { client, clouds } = await openRegistryClient({ ...none, insecureRegistries: ['127.0.0.1:5000'], mirrorOnly: ['Docker.IO'], cloudAuth: ['aws'] }, timing, { env: {} });
    expect(client.options).toMatchObject({ insecureRegistries: ['127.0.0.1:5000'], mirrorOnly: ['docker.io'], resolveTimeoutMs: 2_000, requestTimeoutMs: 1_000 });
    expect(clouds).toEqual([{ cloud: 'aws', reason: 'configured' }]);
    await client.close();
  });

  it("the settings' default cache sizes are the client's default limits", () => {
    expect(cacheLimitsOf(none)).toEqual(defaultCacheLimits());
  });
});
