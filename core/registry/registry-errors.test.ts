import { describe, expect, it } from 'vitest';
import { parseReference } from '../reference.js';
import { endpointsFor } from './endpoints.js';
import type { LookupContext } from './lookup-context.js';
import { defaultRegistryOptions } from './options.js';
import { statusError } from './registry-errors.js';

const ref = parseReference('registry.example/team/app:1');
const ctx = (credential: LookupContext['credential'] = undefined): LookupContext => ({ ref, ep: endpointsFor(ref, defaultRegistryOptions)[0]!, credential, deadline: 0, signal: undefined });
const res = (status: number, headers: Record<string, string> = {}) => ({ status, headers: new Headers(headers), body: Buffer.alloc(0), url: new URL('https://registry.example/') });

describe('statusError', () => {
  it.each([
    [404, {}, 'NOT_FOUND', /registry\.example\/team\/app:1 not found: check the repository and tag/],
    [401, {}, 'UNAUTHORIZED', /requires credentials for team\/app: add an imagePullSecret/],
    [403, {}, 'DENIED', /denied pull access to team\/app \(HTTP 403\)/],
    [429, { 'ratelimit-remaining': '0;w=21600' }, 'RATE_LIMITED', /HTTP 429, ratelimit-remaining 0;w=21600\): authenticate or use a mirror/],
    [503, {}, 'UNREACHABLE', /answered HTTP 503 .*try again later/],
    [418, {}, 'BAD_RESPONSE', /answered HTTP 418/],
  ])('HTTP %i → %s', (status, headers, code, message) => {
    const err = statusError(ctx(), res(status, headers), 'manifests/1');
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/--/);
  });

  it('says the credentials given were refused', () => {
    expect(statusError(ctx({ kind: 'basic', username: 'u', password: 'p' }), res(401), 'manifests/1').message).toMatch(/and refused the ones given/);
  });
});
