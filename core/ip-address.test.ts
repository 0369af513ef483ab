import { describe, expect, it } from 'vitest';
import { canonicalHost, canonicalHostPort, embeddedIPv4, formatIPv4, parseIPv4, parseIPv6, urlDestination } from './ip-address.js';

describe('parseIPv4 reads every spelling the URL parser and inet_aton accept', () => {
  it.each([
    ['169.254.169.254', [169, 254, 169, 254]],
    ['2852039166', [169, 254, 169, 254]],
    ['0xa9fea9fe', [169, 254, 169, 254]],
    ['0XA9FEA9FE', [169, 254, 169, 254]],
    ['0251.0376.0251.0376', [169, 254, 169, 254]],
    ['0xa9.0xfe.0xa9.0xfe', [169, 254, 169, 254]],
    ['169.254.43518', [169, 254, 169, 254]],
    ['169.16689662', [169, 254, 169, 254]],
    ['169.254.169.254.', [169, 254, 169, 254]],
    ['127.1', [127, 0, 0, 1]],
    ['0', [0, 0, 0, 0]],
    ['0x', [0, 0, 0, 0]],
    ['4294967295', [255, 255, 255, 255]],
  ])('%s', (text, bytes) => {
    expect(parseIPv4(text)).toEqual(bytes);
  });

  it.each(['4294967296', '256.1.1.1', '1.2.3.4.5', '08.1.1.1', 'registry.example', '1..2', '', '.', '0xg', '1.2.3.256'])('%s is not an IPv4 address', (text) => {
    expect(parseIPv4(text)).toBeUndefined();
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0'],
    ['::1', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
    ['::ffff:169.254.169.254', '0.0.0.0.0.0.0.0.0.0.255.255.169.254.169.254'],
    ['::ffff:a9fe:a9fe', '0.0.0.0.0.0.0.0.0.0.255.255.169.254.169.254'],
    ['fe80::1%eth0', '254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
    ['0:0:0:0:0:FFFF:A9FE:A9FE', '0.0.0.0.0.0.0.0.0.0.255.255.169.254.169.254'],
  ])('%s', (text, bytes) => {
    expect(parseIPv6(text)?.join('.')).toBe(bytes);
  });

  it.each([':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7', '::ffff:1.2.3'])('%s is not an IPv6 address', (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });
});

describe('embeddedIPv4 finds the IPv4 address an IPv6 address delivers to', () => {
  const v4 = (text: string): string[] => embeddedIPv4(parseIPv6(text)!).map(formatIPv4);
  it.each([
    ['::ffff:a9fe:a9fe', ['169.254.169.254']],
    ['::169.254.169.254', ['169.254.169.254']],
    ['::a9fe:a9fe', ['169.254.169.254']],
    ['64:ff9b::a9fe:a9fe', ['169.254.169.254']],
    ['64:ff9b::169.254.169.254', ['169.254.169.254']],
    ['64:ff9b:1::a9fe:a9fe', ['169.254.169.254']],
    ['2002:a9fe:a9fe::1', ['169.254.169.254']],
    // Teredo: server 65.54.227.120, client 169.254.169.254 stored inverted (0x5601:0x5601).
    ['2001:0:4136:e378:8000:63bf:5601:5601', ['65.54.227.120', '169.254.169.254']],
    ['::', []],
    ['::1', []],
    ['2001:db8::1', []],
    ['fd00:ec2::254', []],
  ])('%s', (text, want) => {
    expect(v4(text)).toEqual(want);
  });
});

describe('canonicalHost: one spelling per host', () => {
  it.each([
    ['Registry.Example.', 'registry.example'],
    ['registry.example..', 'registry.example'],
    ['[::ffff:127.0.0.1]', '127.0.0.1'],
    ['[::ffff:7f00:1]', '127.0.0.1'],
    ['::FFFF:7F00:0001', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['[2001:DB8:0:0:1:0:0:1]', '2001:db8::1:0:0:1'],
    // Reached through a NAT64 gateway: another host, not the IPv4 address itself.
    ['[64:ff9b::7f00:1]', '64:ff9b::7f00:1'],
  ])('%s → %s', (host, want) => {
    expect(canonicalHost(host)).toBe(want);
  });

  it.each([
    ['[::ffff:7f00:1]:5000', '127.0.0.1:5000'],
    ['LOCALHOST:5000', 'localhost:5000'],
    ['[::1]:443', '[::1]:443'],
    ['registry.example.:443', 'registry.example:443'],
    ['registry.example', 'registry.example'],
  ])('host:port %s → %s', (hostPort, want) => {
    expect(canonicalHostPort(hostPort)).toBe(want);
  });

  it.each([
    ['https://registry.example/v2/', 'registry.example:443'],
    ['http://registry.example/v2/', 'registry.example:80'],
    ['http://[::ffff:127.0.0.1]:5000/x', '127.0.0.1:5000'],
    ['http://2130706433:5000/x', '127.0.0.1:5000'],
  ])('URL %s reaches %s', (url, want) => {
    expect(urlDestination(new URL(url))).toBe(want);
  });
});
