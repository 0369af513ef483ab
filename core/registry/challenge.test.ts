import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenge.js';

describe('parseChallenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } }],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    [
      'Basic realm="a, b", Bearer realm="https://x/token", service=svc',
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'bearer', params: { realm: 'https://x/token', service: 'svc' } },
      ],
    ],
    ['BEARER Realm="https://r" , Service="s"', [{ scheme: 'bearer', params: { realm: 'https://r', service: 's' } }]],
    ['Bearer realm="with \\"escaped\\" quote"', [{ scheme: 'bearer', params: { realm: 'with "escaped" quote' } }]],
    [
      'Bearer realm="https://r",scope="repository:a:pull,push repository:b:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://r', scope: 'repository:a:pull,push repository:b:pull' } }],
    ],
    ['', []],
    ['realm="orphan"', []],
  ])('%s', (header, want) => {
    expect(parseChallenges(header)).toEqual(want);
  });
});
