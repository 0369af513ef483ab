import { describe, expect, it } from 'vitest';
import { findImageOverride, matchImageOverride, parseImageOverride } from './image-override.js';

describe('matchImageOverride', () => {
  const cases: [pattern: string, reference: string, expected: boolean][] = [
    ['nginx', 'nginx', true],
    ['nginx', 'docker.io/library/nginx:1.27', true],
    ['docker.io/library/nginx', 'nginx:latest', true],
    ['index.docker.io/nginx', 'nginx', true],
    ['nginx', 'nginxinc/nginx', false],
    ['nginx:1.*', 'nginx:1.27', true],
    ['nginx:1.*', 'nginx:2.0', false],
    ['nginx:1.27', 'nginx', false],
    ['bitnami/*', 'bitnami/redis:7', true],
    ['bitnami/*', 'bitnami/charts/redis', false],
    ['bitnami/**', 'bitnami/charts/redis', true],
    ['registry.example.com/data/*', 'registry.example.com/data/model:v3', true],
    ['registry.example.com/data/*', 'registry.example.com/apps/model:v3', false],
    ['localhost:5000/x', 'localhost:5000/x:1', true],
    ['*/pause', 'registry.k8s.io/pause:3.10', true],
    ['**/pause', 'docker.io/rancher/pause:3.6', true],
    ['**/pause', 'docker.io/rancher/pause-other:3.6', false],
    ['*.azurecr.io/**', 'myacr.azurecr.io/team/app:1', true],
    [`nginx@sha256:${'a'.repeat(64)}`, `nginx@sha256:${'a'.repeat(64)}`, true],
    [`nginx@sha256:${'a'.repeat(64)}`, `nginx@sha256:${'b'.repeat(64)}`, false],
    ['nginx', 'Not A Reference', false],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, reference, expected) => expect(matchImageOverride(pattern, reference)).toBe(expected));

  it('finds the first matching override', () => {
    const overrides = [
      { pattern: 'bitnami/redis', archs: ['amd64'] },
      { pattern: 'bitnami/*', archs: 'any' as const },
    ];
    expect(findImageOverride(overrides, 'bitnami/redis:7')?.archs).toEqual(['amd64']);
    expect(findImageOverride(overrides, 'bitnami/kafka')?.archs).toBe('any');
    expect(findImageOverride(overrides, 'nginx')).toBeUndefined();
  });
});

describe('parseImageOverride', () => {
  it.each([
    ['busybox=amd64,arm64', { pattern: 'busybox', archs: ['amd64', 'arm64'] }],
    ['registry.example.com/data/*=any', { pattern: 'registry.example.com/data/*', archs: 'any' }],
    ['localhost:5000/x= ARM64 ,amd64', { pattern: 'localhost:5000/x', archs: ['amd64', 'arm64'] }],
  ])('%s', (text, expected) => expect(parseImageOverride(text)).toEqual(expected));
  it.each(['busybox', '=amd64', 'busybox=', 'busybox=amd64,,x y'])('rejects %s', (text) => expect(() => parseImageOverride(text)).toThrow());
});
