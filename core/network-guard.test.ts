import { describe, expect, it } from 'vitest';
import { addressRisk, assertAllowedAddress, isForbiddenAddress, isMetadataHostname, refusalReason } from './network-guard.js';

describe('addressRisk: every spelling of a forbidden address is recognised', () => {
  it.each([
    // The metadata address, spelled every way a URL, a DNS answer or libc accepts.
    ['169.254.169.254', 'metadata', '169.254.169.254'],
    ['2852039166', 'metadata', '169.254.169.254'],
    ['0xa9fea9fe', 'metadata', '169.254.169.254'],
    ['0251.0376.0251.0376', 'metadata', '169.254.169.254'],
    ['169.254.43518', 'metadata', '169.254.169.254'],
    ['169.254.169.254.', 'metadata', '169.254.169.254'],
    ['::ffff:169.254.169.254', 'metadata', '169.254.169.254'],
    ['[::ffff:169.254.169.254]', 'metadata', '169.254.169.254'],
    ['::ffff:a9fe:a9fe', 'metadata', '169.254.169.254'],
    ['::169.254.169.254', 'metadata', '169.254.169.254'],
    ['64:ff9b::a9fe:a9fe', 'metadata', '169.254.169.254'],
    ['64:ff9b::169.254.169.254', 'metadata', '169.254.169.254'],
    ['64:ff9b:1::a9fe:a9fe', 'metadata', '169.254.169.254'],
    ['2002:a9fe:a9fe::', 'metadata', '169.254.169.254'],
    ['2001:0:4136:e378:8000:63bf:5601:5601', 'metadata', '169.254.169.254'],
    ['2001:0:a9fe:a9fe::1', 'metadata', '169.254.169.254'],
    ['fd00:ec2::254', 'metadata', 'fd00:ec2::254'],
    ['FD00:EC2:0:0:0:0:0:254', 'metadata', 'fd00:ec2::254'],
    ['100.100.100.200', 'metadata', '100.100.100.200'],
    ['::ffff:100.100.100.200', 'metadata', '100.100.100.200'],
    // Link-local.
    ['169.254.0.1', 'link-local', '169.254.0.1'],
    ['::ffff:169.254.1.1', 'link-local', '169.254.1.1'],
    ['64:ff9b::a9fe:101', 'link-local', '169.254.1.1'],
    ['fe80::1', 'link-local', 'fe80::1'],
    ['fe80::1%eth0', 'link-local', 'fe80::1'],
    ['febf::1', 'link-local', 'febf::1'],
    // Unspecified and multicast (refused unless configured).
    ['0.0.0.0', 'unspecified', '0.0.0.0'],
    ['0', 'unspecified', '0.0.0.0'],
    ['::', 'unspecified', '::'],
    ['::ffff:0.0.0.0', 'unspecified', '0.0.0.0'],
    ['224.0.0.1', 'multicast', '224.0.0.1'],
    ['239.255.255.250', 'multicast', '239.255.255.250'],
    ['255.255.255.255', 'multicast', '255.255.255.255'],
    ['ff02::1', 'multicast', 'ff02::1'],
    ['::ffff:224.0.0.1', 'multicast', '224.0.0.1'],
  ])('%s is %s (%s)', (address, risk, canonical) => {
    expect(addressRisk(address)).toEqual({ risk, address: canonical });
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1', '192.168.1.1', '8.8.8.8', '2001:db8::1', 'fec0::1', '64:ff9b::808:808', '169.253.255.255', '169.255.0.0', 'registry.example', ''])(
    '%s is ordinary',
    (address) => {
      expect(addressRisk(address)).toBeUndefined();
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );
});

describe('isForbiddenAddress: configuration accepts only unspecified and multicast', () => {
  it.each([
    ['0.0.0.0', false, true],
    ['0.0.0.0', true, false],
    ['ff02::1', true, false],
    ['224.0.0.1', true, false],
    ['169.254.169.254', true, true],
    ['::ffff:a9fe:a9fe', true, true],
    ['fe80::1', true, true],
    ['100.100.100.200', true, true],
  ])('%s configured=%s → forbidden %s', (address, configured, forbidden) => {
    expect(isForbiddenAddress(address, { configured })).toBe(forbidden);
  });
});

describe('refusalReason and assertAllowedAddress', () => {
  it('names the address a disguised spelling reaches', () => {
    expect(refusalReason('[::ffff:a9fe:a9fe]', '::ffff:a9fe:a9fe')).toBe('::ffff:a9fe:a9fe (which reaches 169.254.169.254) is a cloud metadata address');
  });

  it('refuses metadata host names before any DNS lookup, with or without a port or trailing dot', () => {
    for (const host of ['metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', 'metadata.google.internal:80', 'metadata', 'instance-data.ec2.internal']) {
      expect(isMetadataHostname(host)).toBe(true);
    }
    expect(isMetadataHostname('metadata.example.com')).toBe(false);
  });

  it('throws FORBIDDEN_ADDRESS with a one-line message', () => {
    expect(() => assertAllowedAddress('2852039166', 'reg:80')).toThrowError(/^refusing to connect to reg:80: 2852039166 \(which reaches 169\.254\.169\.254\) is a cloud metadata address; link-local/);
    expect(() => assertAllowedAddress('127.0.0.1', 'reg:80')).not.toThrow();
  });
});
