import { describe, expect, it } from 'vitest';
import { ArchcheckError, type ErrorCode } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import { parseReference } from '../reference.js';
import type { Candidate } from './credential-sources.js';
import { attemptEndpoints, type LookupPlan } from './endpoint-attempts.js';
import { endpointsFor } from './endpoints.js';
import type { LookupContext } from './lookup-context.js';
import { defaultRegistryOptions } from './options.js';

const ref = parseReference('docker.io/library/nginx:1');
const endpoints = endpointsFor(ref, { ...defaultRegistryOptions, mirrors: [{ source: 'docker.io', mirror: 'mirror.local', pathPrefix: '' }] });
const secret = (name: string): Candidate => ({ kind: 'stored', keyed: { key: 'docker.io', credential: { kind: 'basic', username: name, password: 'p' }, source: name } });
const plan: LookupPlan = { ref, endpoints, candidates: new Map(endpoints.map((ep) => [ep, [secret('a'), secret('b'), { kind: 'anonymous' } as Candidate]])), request: {} };
const ok = { reference: 'x', canonical: 'x', platforms: [], platformStrings: ['linux/amd64'], multiArch: false, error: null } as ImageInfo;

/** Runs the attempts against a table: (host, credential user or anonymous) → an error code, or an answer. */
async function run(outcomes: Record<string, ErrorCode>): Promise<{ tried: string[]; result: string }> {
  const tried: string[] = [];
  const answer = (ctx: LookupContext): Promise<ImageInfo> => {
    const who = `${ctx.ep.host}/${ctx.credential?.kind === 'basic' ? ctx.credential.username : 'anonymous'}`;
    tried.push(who);
    const code = outcomes[who] ?? outcomes[ctx.ep.host];
    return code ? Promise.reject(new ArchcheckError(code, `${who} failed`)) : Promise.resolve(ok);
  };
  const outcome = await attemptEndpoints(plan, Date.now() + 10_000, answer);
  return { tried, result: 'info' in outcome ? 'answer' : outcome.error.code };
}

describe('attemptEndpoints', () => {
  it.each([
    ['the mirror answers first', {}, ['mirror.local/a'], 'answer'],
    ['a refused credential → the next credential at the same endpoint', { 'mirror.local/a': 'UNAUTHORIZED' }, ['mirror.local/a', 'mirror.local/b'], 'answer'],
    ['a mirror without the image → the source', { 'mirror.local': 'NOT_FOUND' }, ['mirror.local/a', 'registry-1.docker.io/a'], 'answer'],
    ['an answer about the content is final', { 'mirror.local': 'NOT_AN_IMAGE' }, ['mirror.local/a'], 'NOT_AN_IMAGE'],
    ['everything refused: the last error', { 'mirror.local': 'DENIED', 'registry-1.docker.io': 'DENIED' }, ['mirror.local/a', 'mirror.local/b', 'mirror.local/anonymous', 'registry-1.docker.io/a', 'registry-1.docker.io/b', 'registry-1.docker.io/anonymous'], 'DENIED'],
  ])('%s', async (_name, outcomes, tried, result) => {
    expect(await run(outcomes as Record<string, ErrorCode>)).toEqual({ tried, result });
  });

  it('names everything tried in the final message', async () => {
    const outcome = await attemptEndpoints(plan, Date.now() + 10_000, () => Promise.reject(new ArchcheckError('DENIED', 'denied')));
    expect('error' in outcome && outcome.error.message).toMatch(/denied \(tried mirror\.local: a: DENIED; .*registry-1\.docker\.io: anonymous: DENIED\)/);
  });
});
