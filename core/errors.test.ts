import { describe, expect, it } from 'vitest';
import { parseCloudAuthSpec, parseEcrHosts } from './cloud-auth/index.js';
import { describeSettingError, settingError } from './errors.js';
import { parseMirrorRule } from './registry/endpoints.js';

const where = (setting: string): string | undefined => ({ registryMirrors: '--registry-mirror', ecrHosts: 'ecrHosts in values.yaml' })[setting];

describe('setting errors', () => {
  it('core says what is wrong with which setting, never a flag; the caller says where it came from', () => {
    const cases: [() => unknown, string][] = [
      [() => parseMirrorRule('docker.io'), '--registry-mirror "docker.io": use SOURCE=MIRROR[/PATH-PREFIX], e.g. docker.io=myacr.azurecr.io/docker-hub'],
      [() => parseEcrHosts(['ecr.example.com=mars']), 'ecrHosts in values.yaml "ecr.example.com=mars": expected HOST=REGION, e.g. ecr.example.com=us-east-1'],
      [() => parseCloudAuthSpec('ibm'), 'cloudAuth unknown ibm; use auto, none, or a list of azure, aws, gcp'],
    ];
    for (const [run, line] of cases) {
      let caught: unknown;
      try {
        run();
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: 'CONFIG' });
      expect((caught as Error).message).not.toMatch(/--/);
      expect(describeSettingError(caught, where)).toBe(line);
    }
  });

  it('other errors pass through as their message', () => {
    expect(describeSettingError(new Error('boom'), where)).toBe('boom');
    expect(describeSettingError(settingError('registryCAs', 'x: cannot read y'), () => '--registry-ca')).toBe('--registry-ca x: cannot read y');
  });
});
