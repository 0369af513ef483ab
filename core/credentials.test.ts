import { describe, expect, it } from 'vitest';
import { decodePullSecret, matchCredentials, parseDockerConfig, type KeyedCredential } from './credentials.js';
import { parseReference } from './reference.js';

const basic = (key: string, username = key): KeyedCredential => ({ key, credential: { kind: 'basic', username, password: 'p' }, source: key });

describe('parseDockerConfig', () => {
  it('reads auth, username/password, identitytoken and registrytoken entries', () => {
    const json = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('bob:s3:cret').toString('base64') },
        'a.io': { username: 'u', password: 'p' },
        'b.io': { identitytoken: 'refresh' },
        'c.io': { registrytoken: 'bearer' },
        'd.io': {},
      },
      credsStore: 'desktop',
    });
    const out = parseDockerConfig(json, 'test');
    expect(out.map((c) => [c.key, c.credential])).toEqual([
      ['https://index.docker.io/v1/', { kind: 'basic', username: 'bob', password: 's3:cret' }],
      ['a.io', { kind: 'basic', username: 'u', password: 'p' }],
      ['b.io', { kind: 'identityToken', token: 'refresh' }],
      ['c.io', { kind: 'registryToken', token: 'bearer' }],
    ]);
  });

  it('reads the legacy .dockercfg shape', () => {
    const out = parseDockerConfig(JSON.stringify({ 'r.io': { auth: Buffer.from('u:p').toString('base64') } }), 'legacy');
    expect(out).toEqual([{ key: 'r.io', credential: { kind: 'basic', username: 'u', password: 'p' }, source: 'legacy' }]);
  });

  it('rejects non-JSON with a message naming the source', () => {
    expect(() => parseDockerConfig('{nope', 'secret default/regcred')).toThrow(/secret default\/regcred: not valid JSON/);
  });
});

describe('matchCredentials (kubelet rules)', () => {
  const all = [
    basic('https://index.docker.io/v1/', 'hub'),
    basic('myreg.io', 'host'),
    basic('myreg.io/team', 'team'),
    basic('myreg.io/team/app', 'app'),
    basic('*.azurecr.io', 'glob'),
    basic('myreg.io:5000', 'port'),
    basic('https://other.io/v2/', 'other'),
    basic('127.0.0.1:5000', 'loopback'),
    basic('[::1]', 'v6'),
  ];
  const users = (ref: string): string[] =>
    matchCredentials(all, parseReference(ref)).map((c) => (c.credential.kind === 'basic' ? c.credential.username : '?'));

  it.each([
    ['nginx', ['hub']],
    ['docker.io/library/nginx', ['hub']],
    ['index.docker.io/bitnami/redis', ['hub']],
    ['myreg.io/team/app:1', ['app', 'team', 'host']],
    ['myreg.io/team/other', ['team', 'host']],
    ['myreg.io/teamx/app', ['host']],
    ['myreg.io:5000/x', ['port']],
    ['prod.azurecr.io/x', ['glob']],
    ['a.prod.azurecr.io/x', []],
    ['other.io/v2/x', ['other']],
    ['unknown.io/x', []],
    // The same address in another spelling is the same host; a neighbouring address is not.
    ['127.0.0.1:5000/x', ['loopback']],
    ['[::ffff:127.0.0.1]:5000/x', ['loopback']],
    ['[::ffff:7f00:1]:5000/x', ['loopback']],
    ['127.0.0.2:5000/x', []],
    ['127.0.0.1:5001/x', []],
    ['[::1]/x', ['v6']],
    ['[0:0:0:0:0:0:0:1]/x', ['v6']],
  ])('%s → %j', (ref, want) => {
    expect(users(ref)).toEqual(want);
  });
});

describe('decodePullSecret', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const auths = JSON.stringify({ auths: { 'reg.io': { username: 'u', password: 'p' } } });
  it.each([
    ['.dockerconfigjson', { '.dockerconfigjson': b64(auths) }, 1],
    ['legacy .dockercfg', { '.dockercfg': b64(JSON.stringify({ 'reg.io': { username: 'u', password: 'p' } })) }, 1],
    ['no docker config key', { password: b64('x') }, undefined],
    ['no data', undefined, undefined],
  ])('%s', (_name, data, count) => {
    expect(decodePullSecret(data, 'pull secret ns/s')?.length).toBe(count);
  });
  it('names the secret when its content is not a Docker config', () => {
    expect(() => decodePullSecret({ '.dockerconfigjson': b64('{nope') }, 'pull secret ns/s')).toThrow(/pull secret ns\/s: not valid JSON/);
  });
});
