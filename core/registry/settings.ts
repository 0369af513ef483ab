import { readFile } from 'node:fs/promises';
import { settingError } from '../errors.js';
import { parseMirrorRule } from './endpoints.js';
import { loadHostsDir } from './hosts-toml.js';
import type { RegistryOptions } from './options.js';
import type { RegistrySettings } from './registry-settings.js';

/** The registry settings whose values name files or need parsing into client options. */
export type RegistrySettingsToLoad = Partial<Pick<RegistrySettings, 'insecureRegistries' | 'registryMirrors' | 'mirrorOnly' | 'registryHostsDir' | 'registryCAs' | 'verifyPlatforms'>>;

/** Reads the files the settings name and returns client options plus warnings to show once at start-up. */
export async function loadRegistrySettings(s: RegistrySettingsToLoad): Promise<{ options: Partial<RegistryOptions>; warnings: string[] }> {
  const warnings: string[] = [];
  const options: Partial<RegistryOptions> = {
    insecureRegistries: s.insecureRegistries ?? [],
    mirrors: (s.registryMirrors ?? []).map(parseMirrorRule),
    mirrorOnly: (s.mirrorOnly ?? []).map((m) => m.toLowerCase()),
    verifyPlatforms: s.verifyPlatforms ?? false,
  };
  if (s.registryHostsDir) {
    const dir = await loadHostsDir(s.registryHostsDir);
    options.hostsConfigs = dir.configs;
    options.hostTls = dir.tls;
    warnings.push(...dir.warnings);
  }
  const cas: Record<string, string> = {};
  for (const spec of s.registryCAs ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw settingError('registryCAs', 'use HOST[:PORT]=FILE', spec);
    const host = spec.slice(0, eq).trim();
    const file = spec.slice(eq + 1).trim();
    try {
      cas[host] = await readFile(file, 'utf8');
    } catch (e) {
      throw settingError('registryCAs', `${host}: cannot read ${file}: ${(e as Error).message}`);
    }
    if (!cas[host]!.includes('-----BEGIN CERTIFICATE-----')) {
      throw settingError('registryCAs', `${host}: ${file} holds no PEM certificate`);
    }
  }
  if (Object.keys(cas).length > 0) options.registryCAs = cas;
  return { options, warnings };
}
