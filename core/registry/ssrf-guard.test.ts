/**
 * The link-local/metadata guard against a hostile registry on loopback: realms, redirects and image hosts spelled
 * every way that reaches 169.254.169.254 (or another refused address), DNS names that resolve there, and DNS
 * rebinding. Every socket this file's process opens is recorded below the client (net.Socket#connect), and any
 * non-loopback destination is blocked there, so a guard failure shows as a recorded attempt and never leaves the machine.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectAttempt } from './guarded-connect.js';
import { MediaTypes } from './media-types.js';
import { armConfig, armManifest, loopbackServers } from './testing/loopback-registry.js';
import { clientFor, fakeDns, isLoopback, recordSockets, registryWithRealm } from './testing/ssrf-harness.js';

const serve = loopbackServers();
const recorder = recordSockets();
const config = armConfig;
const manifest = armManifest;

const METADATA_REALMS = [
  'http://169.254.169.254/latest/meta-data',
  'http://[::ffff:169.254.169.254]/token',
  'http://[::ffff:a9fe:a9fe]/token',
  'http://[0:0:0:0:0:ffff:a9fe:a9fe]/token',
  'http://[::169.254.169.254]/token',
  'http://[64:ff9b::a9fe:a9fe]/token',
  'http://[64:ff9b::169.254.169.254]/token',
  'http://[2002:a9fe:a9fe::1]/token',
  'http://[2001:0:4136:e378:8000:63bf:5601:5601]/token',
  'http://2852039166/token',
  'http://0xa9fea9fe/token',
  'http://0251.0376.0251.0376/token',
  'http://169.254.169.254./token',
  'http://[fd00:ec2::254]/token',
  'http://100.100.100.200/token',
  'http://[fe80::1]/token',
  'http://169.254.1.1/token',
  'http://0.0.0.0:{port}/token',
  'http://[::]:{port}/token',
];

describe('token realms that reach a refused address', () => {
  it.each(METADATA_REALMS)('realm %s: refused, no connection attempted', async (realm) => {
    const host = await registryWithRealm(serve, realm);
    const connects: ConnectAttempt[] = [];
    const info = await clientFor([host], { connects }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/token realm .* refused: .* is (a cloud metadata|a link-local|an unspecified) address/);
    expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
    expect(connects.map((c) => c.address).filter((a) => !isLoopback(a))).toEqual([]);
  });

  it('a metadata host name is refused before any DNS question is asked', async () => {
    const dns = fakeDns({ 'metadata.google.internal': ['169.254.169.254'] });
    const host = await registryWithRealm(serve, 'http://metadata.google.internal/computeMetadata/v1/token');
    const info = await clientFor([host], { lookup: dns.lookup }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/metadata\.google\.internal names a cloud metadata service/);
    expect(dns.asked).toEqual([]);
    expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
  });

  it('a DNS name that resolves to the metadata address is refused when the connection is made', async () => {
    const dns = fakeDns({ 'tokens.evil.test': ['169.254.169.254'] });
    const host = await registryWithRealm(serve, 'http://tokens.evil.test/token');
    const info = await clientFor([host], { lookup: dns.lookup }).resolve(`${host}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(info.error?.message).toMatch(/tokens\.evil\.test resolves only to refused addresses \(169\.254\.169\.254 is a cloud metadata address\)/);
    expect(dns.asked).toEqual(['tokens.evil.test']);
    expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
  });
});

describe('registry hosts and redirects that reach a refused address', () => {
  it.each(['[::ffff:a9fe:a9fe]', '[64:ff9b::a9fe:a9fe]', '2852039166:80', '0xa9fea9fe:5000', '[fe80::1]', '100.100.100.200'])('image on %s: refused without connecting', async (registry) => {
    const info = await clientFor([]).resolve(`${registry}/app:1`);
    expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(recorder.sockets()).toEqual([]);
  });

  it('the same refused host is refused on every request through one client, not only the first (answers are kept per host)', async () => {
    const client = clientFor([]);
    for (const image of ['0xa9fea9fe:5000/app:1', '0xa9fea9fe:5000/other:2', '0xa9fea9fe:5000/app:1']) {
      const info = await client.resolve(image);
      expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
    }
    expect(recorder.sockets()).toEqual([]);
  });

  it.each(['http://[::ffff:169.254.169.254]/blob', 'http://[64:ff9b::a9fe:a9fe]/blob', 'http://0xa9fea9fe/blob', 'https://[fd00:ec2::254]/blob', 'http://[fe80::a9fe:1]/blob'])(
    'a config blob redirected to %s: refused, no connection attempted',
    async (location) => {
      const port = await serve((req, res) => {
        if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
        return res.writeHead(307, { location }).end();
      });
      const host = `127.0.0.1:${port}`;
      const info = await clientFor([host]).resolve(`${host}/app:1`);
      expect(info.error?.code).toBe('FORBIDDEN_ADDRESS');
      expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
    },
  );

  it('DNS rebinding: a registry name that later resolves to the metadata address is refused on the new connection', async () => {
    const port = await serve((req, res) => {
      // No keep-alive: every request needs a new connection, so every request resolves the name again.
      res.setHeader('connection', 'close');
      if (req.url?.includes('/manifests/')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(manifest);
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(config);
    });
    let answers = ['127.0.0.1'];
    const dns = fakeDns({ 'registry.rebind.test': () => answers });
    const host = `registry.rebind.test:${port}`;
    const client = clientFor([host], { lookup: dns.lookup });
    const first = await client.resolve(`${host}/app:1`);
    expect(first.error).toBeNull();
    expect(first.platformStrings).toEqual(['linux/arm64']);
    answers = ['169.254.169.254'];
    const second = await client.resolve(`${host}/other:1`);
    expect(second.error?.code).toBe('FORBIDDEN_ADDRESS');
    expect(recorder.sockets().filter((s) => !isLoopback(s))).toEqual([]);
    expect(dns.asked.length).toBeGreaterThanOrEqual(3);
  });
});
