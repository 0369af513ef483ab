import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReference } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each(
    ([
    ['nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', 'latest', undefined, 'docker.io/library/nginx:latest'],
    ['docker.io/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', 'latest', undefined, 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', 'latest', undefined, 'docker.io/library/nginx:latest'],
    ['registry-1.docker.io/library/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', 'latest', undefined, 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io', 'registry-1.docker.io', 'library/nginx', '1.27', undefined, 'docker.io/library/nginx:1.27'],
    ['bitnami/redis:7', 'docker.io', 'registry-1.docker.io', 'bitnami/redis', '7', undefined, 'docker.io/bitnami/redis:7'],
    ['myacr.azurecr.io/team/app:v1', 'myacr.azurecr.io', 'myacr.azurecr.io', 'team/app', 'v1', undefined, 'myacr.azurecr.io/team/app:v1'],
    ['localhost/app', 'localhost', 'localhost', 'app', 'latest', undefined, 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000', 'localhost:5000', 'app', 'dev', undefined, 'localhost:5000/app:dev'],
    ['127.0.0.1:5000/a/b/c', '127.0.0.1:5000', '127.0.0.1:5000', 'a/b/c', 'latest', undefined, '127.0.0.1:5000/a/b/c:latest'],
    [`nginx@${D}`, 'docker.io', 'registry-1.docker.io', 'library/nginx', undefined, D, `docker.io/library/nginx@${D}`],
    [`nginx:1.27@${D}`, 'docker.io', 'registry-1.docker.io', 'library/nginx', '1.27', D, `docker.io/library/nginx:1.27@${D}`],
    ['[::1]:5000/app', '[::1]:5000', '[::1]:5000', 'app', 'latest', undefined, '[::1]:5000/app:latest'],
    ['Registry.Example.com/app', 'Registry.Example.com', 'Registry.Example.com', 'app', 'latest', undefined, 'Registry.Example.com/app:latest'],
    ['a__b/c-d--e/f.g_h:T_a.g-1', 'docker.io', 'registry-1.docker.io', 'a__b/c-d--e/f.g_h', 'T_a.g-1', undefined, 'docker.io/a__b/c-d--e/f.g_h:T_a.g-1'],
    ] as const).map(([input, registry, endpoint, repository, tag, digest, canonical]) => ({ input, registry, endpoint, repository, tag, digest, canonical })),
  )('$input', ({ input, registry, endpoint, repository, tag, digest, canonical }) => {
    const r = parseReference(input);
    expect(r).toMatchObject({ registry, endpoint, repository, canonical });
    expect(r.tag).toBe(tag);
    expect(r.digest).toBe(digest);
  });

  it.each([
    ['', /empty/],
    ['Nginx/app', /lower case/], // first component has upper case: a host, then "app" is fine — so use a path
    ['docker.io/Library/nginx', /lower case/],
    ['nginx:', /tag/],
    ['nginx:-bad', /tag/],
    [`nginx@sha256:${'a'.repeat(63)}`, /64/],
    [`nginx@sha256:${'A'.repeat(64)}`, /lower-case hex/],
    [`nginx@md5:${'a'.repeat(32)}`, /not supported/],
    ['nginx@latest', /algorithm:hex/],
    ['https://docker.io/nginx', /scheme/],
    ['nginx latest', /white space/],
    ['docker.io/', /missing/],
    ['a//b', /component/],
    ['my_host.io:99999x/app', /host/],
    [`a/${'b'.repeat(300)}`, /longer than 255/],
  ])('rejects %j', (input, why) => {
    if (input === 'Nginx/app') {
      // Upper case in the first component makes it a registry host, as docker does.
      expect(parseReference(input).registry).toBe('Nginx');
      return;
    }
    expect(() => parseReference(input)).toThrow(why);
    try {
      parseReference(input);
    } catch (e) {
      expect((e as { code: string }).code).toBe('INVALID_REFERENCE');
    }
  });

  const component = fc.stringMatching(/^[a-z0-9]+(?:[_-][a-z0-9]+)*$/).filter((s) => s.length > 0 && s.length < 30);
  const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);

  it('round-trips: the canonical form parses to itself', () => {
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 3 }), fc.option(tag), (parts, t) => {
        const input = parts.join('/') + (t ? `:${t}` : '');
        const first = parseReference(input);
        const again = parseReference(first.canonical);
        expect(again.canonical).toBe(first.canonical);
        expect(again.repository).toBe(first.repository);
        expect(again.tag).toBe(first.tag ?? 'latest');
      }),
    );
  });

  it('never throws anything but INVALID_REFERENCE on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parseReference(s);
        } catch (e) {
          expect((e as { code: string }).code).toBe('INVALID_REFERENCE');
        }
      }),
    );
  });
});
