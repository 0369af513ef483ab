import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registrySettingSpecs } from '../core/registry/registry-settings.js';
import { addRegistryFlags, registrySettingsFromFlags, type RegistryFlags } from './registry-flags.js';

function flagsOf(argv: string[]): RegistryFlags {
  const cmd = addRegistryFlags(new Command('t').exitOverride());
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<RegistryFlags>();
}

describe('plugin registry flags', () => {
  it('has one flag per setting of core registry table', () => {
    const cmd = addRegistryFlags(new Command('t'));
    const flags = cmd.options.map((o) => o.long);
    for (const spec of Object.values(registrySettingSpecs)) {
      expect(flags).toContain(spec.flag === 'verify-platforms' ? '--no-verify-platforms' : `--${spec.flag}`);
    }
  });

  it('reads values with the table parsers and the plugin defaults', () => {
    const s = registrySettingsFromFlags(flagsOf(['--insecure-registry', 'a.local:5000,b.local', '--registry-mirror', 'docker.io=m.local/hub', '--ecr-host', 'e.local=us-east-1']));
    expect(s.insecureRegistries).toEqual(['a.local:5000', 'b.local']);
    expect(s.registryMirrors).toEqual(['docker.io=m.local/hub']);
    expect(s.ecrHosts).toEqual(['e.local=us-east-1']);
    expect(s.cloudAuth).toEqual(['auto']);
    expect(s.verifyPlatforms).toBe(true);
    expect(registrySettingsFromFlags(flagsOf(['--no-verify-platforms', '--cloud-auth', 'none'])).verifyPlatforms).toBe(false);
  });

  it.each([
    [['--insecure-registry', 'not a host'], /--insecure-registry "not a host": expected host\[:port\]/],
    [['--registry-ca', 'reg.local'], /--registry-ca "reg.local": expected HOST\[:PORT\]=VALUE/],
    [['--azure-identity', 'robot'], /--azure-identity "robot": expected one of auto, workload/],
    [['--cloud-auth', 'moon'], /--cloud-auth "moon": expected one of auto, none, azure/],
  ])('rejects %j naming the flag and what is expected', (argv, message) => {
    expect(() => registrySettingsFromFlags(flagsOf(argv))).toThrow(message);
  });
});
