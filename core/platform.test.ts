import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasPlatformNames, nodeArchitectures, normalizePlatform, parsePlatformString, platformString } from './platform.js';

describe('normalizePlatform (containerd rules)', () => {
  it.each([
    [{ os: 'linux', architecture: 'aarch64' }, 'linux/arm64'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64'],
    [{ os: 'linux', architecture: 'arm64', variant: '8' }, 'linux/arm64'],
    [{ os: 'linux', architecture: 'arm' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'arm', variant: '6' }, 'linux/arm/v6'],
    [{ os: 'linux', architecture: 'armhf' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'armel' }, 'linux/arm/v6'],
    [{ os: 'linux', architecture: 'x86_64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'x86-64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v1' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, 'linux/amd64/v3'],
    [{ os: 'linux', architecture: 'i386' }, 'linux/386'],
    [{ os: 'Linux', architecture: 'S390X' }, 'linux/s390x'],
    [{ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2113' }, 'windows/amd64'],
  ])('%j → %s', (raw, want) => {
    expect(platformString(normalizePlatform(raw))).toBe(want);
  });

  it('keeps the Windows os.version', () => {
    expect(normalizePlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5122' }).osVersion).toBe('10.0.17763.5122');
  });

  it('parses os/arch/variant strings and bare archs', () => {
    expect(parsePlatformString('arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatformString('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });

  it('nodeArchitectures drops variants and other OSes', () => {
    const ps = ['linux/arm/v7', 'linux/arm/v6', 'linux/amd64', 'windows/amd64', 'linux/arm64'].map(parsePlatformString);
    expect(nodeArchitectures(ps)).toEqual(['amd64', 'arm', 'arm64']);
  });

  it('nodeArchitectures gives the distinct archs of the OS, sorted, for short and long lists alike', () => {
    const platform = fc.record({ os: fc.constantFrom('linux', 'windows'), architecture: fc.constantFrom('amd64', 'arm64', 'arm', 'ppc64le', 's390x', 'riscv64', '386') });
    fc.assert(
      // Up to 40 platforms: both the short-list path and the long-list one.
      fc.property(fc.array(platform, { maxLength: 40 }), fc.constantFrom('linux', 'windows'), (ps, os) => {
        const expected = [...new Set(ps.filter((p) => p.os === os).map((p) => p.architecture))].sort();
        expect(nodeArchitectures(ps, os)).toEqual(expected);
      }),
    );
  });

  const arch = fc.constantFrom('amd64', 'x86_64', 'x86-64', 'aarch64', 'arm64', 'arm', 'armhf', 'armel', 'i386', '386', 'ppc64le', 's390x', 'riscv64');
  const variant = fc.constantFrom(undefined, '', 'v1', 'v2', 'v5', 'v6', 'v7', 'v8', '7', '8');

  it('is idempotent: normalizing a normalized platform changes nothing', () => {
    fc.assert(
      fc.property(arch, variant, (a, v) => {
        const once = normalizePlatform({ os: 'linux', architecture: a, variant: v });
        expect(normalizePlatform(once)).toEqual(once);
        expect(parsePlatformString(platformString(once))).toEqual(once);
      }),
    );
  });

  it('never yields an alias as architecture', () => {
    fc.assert(
      fc.property(arch, variant, (a, v) => {
        const p = normalizePlatform({ os: 'linux', architecture: a, variant: v });
        expect(['x86_64', 'x86-64', 'aarch64', 'armhf', 'armel', 'i386']).not.toContain(p.architecture);
        if (p.architecture === 'arm64') expect(p.variant).not.toBe('v8');
        if (p.architecture === 'arm') expect(p.variant).toMatch(/^v\d$/);
      }),
    );
  });
});

describe('hasPlatformNames: what a registry wrote is a platform at all', () => {
  it.each([
    [{ os: 'linux', architecture: 'arm64' }, true],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    [{ os: 'linux', architecture: 'ppc64le' }, true],
    [{ os: 'linux', architecture: 'mips64le' }, true],
    [{ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2582' }, true],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8.2' }, true],
    [{ os: 'linux', architecture: 'ob!b3au' }, false],
    [{ os: 'linux', architecture: 'linux/amd64' }, false],
    [{ os: 'linux', architecture: 'arm 64' }, false],
    [{ os: '!', architecture: 'amd64' }, false],
    [{ os: 'linux', architecture: '' }, false],
    [{ os: 'linux', architecture: 'arm', variant: 'v7 ' }, true], // trimmed by normalization
    [{ os: 'linux', architecture: 'arm', variant: 'v/7' }, false],
  ])('%j → %s', (raw, expected) => {
    expect(hasPlatformNames(normalizePlatform(raw))).toBe(expected);
  });
});
