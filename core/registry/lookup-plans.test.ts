import { describe, expect, it, vi } from 'vitest';
import { parseDockerConfig } from '../credentials.js';
import { defaultCredentialSources } from './credential-sources.js';
import { CREDENTIAL_PLAN_TTL_MS, LookupPlans, requestSecretsIdentity } from './lookup-plans.js';

const config = { mirrors: [{ source: 'docker.io', mirror: 'mirror.example.com', pathPrefix: 'hub' }], mirrorOnly: [] };
const own = parseDockerConfig(JSON.stringify({ auths: { 'mirror.example.com': { username: 'robot', password: 'own' } } }), '~/.docker/config.json');
const podSecret = parseDockerConfig(JSON.stringify({ auths: { 'docker.io': { username: 'alice', password: 'pod' } } }), 'pull secret ns/regcred');
const otherHost = parseDockerConfig(JSON.stringify({ auths: { 'ghcr.io': { username: 'bob', password: 'elsewhere' } } }), 'pull secret ns/ghcr');
const sources = defaultCredentialSources([], own);
const fresh = (): LookupPlans => new LookupPlans(sources, config);

describe('LookupPlans', () => {
  it('remembers a plan per reference when the request brings no credentials: the same plan and key as a fresh one, with this request', () => {
    const plans = new LookupPlans(sources, config);
    const first = plans.planFor('nginx:1.27', { deadlineAt: 1 });
    const again = plans.planFor('nginx:1.27', { deadlineAt: 2 });
    expect(plans.size).toBe(1);
    expect(again.key).toBe(first.key);
    expect(again.plan.ref).toBe(first.plan.ref);
    expect(again.plan.request).toEqual({ deadlineAt: 2 });
    const built = fresh().planFor('nginx:1.27', { deadlineAt: 2 });
    expect(again.key).toBe(built.key);
    expect([...again.plan.candidates.values()]).toEqual([...built.plan.candidates.values()]);
    // The mirror's own credential goes to the mirror only; the source gets anonymous.
    expect(again.plan.endpoints.map((ep) => [ep.host, again.plan.candidates.get(ep)!.map((c) => c.kind)])).toEqual([
      ['mirror.example.com', ['stored', 'anonymous']],
      ['registry-1.docker.io', ['anonymous']],
    ]);
  });

  it('plans a request with pull secrets with its own candidates and key, reused only for equal secrets', () => {
    const plans = new LookupPlans(sources, config);
    const anonymous = plans.planFor('nginx:1.27', {});
    const withSecret = plans.planFor('nginx:1.27', { credentials: podSecret });
    expect(withSecret.key).not.toBe(anonymous.key);
    expect(withSecret.plan.candidates.get(withSecret.plan.endpoints[1]!)!.map((c) => c.kind)).toEqual(['stored', 'anonymous']);
    // The same secret read again (new objects, as PullSecretCache makes every 30 s): the remembered plan, this request.
    const reread = parseDockerConfig(JSON.stringify({ auths: { 'docker.io': { username: 'alice', password: 'pod' } } }), 'pull secret ns/regcred');
    const again = plans.planFor('nginx:1.27', { credentials: reread, deadlineAt: 7 });
    expect(again.key).toBe(withSecret.key);
    expect(again.plan.request).toEqual({ credentials: reread, deadlineAt: 7 });
    expect(plans.size).toBe(2);
    // A secret for another host changes nothing about the lookup.
    expect(plans.planFor('nginx:1.27', { credentials: otherHost }).key).toBe(anonymous.key);
  });

  it.each([
    ['a rotated password', { auths: { 'docker.io': { username: 'alice', password: 'rotated' } } }, 'pull secret ns/regcred'],
    ['the same content in another namespace', { auths: { 'docker.io': { username: 'alice', password: 'pod' } } }, 'pull secret other/regcred'],
  ])('plans %s afresh: candidates carry that secret and its name', (_, dockerConfig, source) => {
    const plans = new LookupPlans(sources, config);
    const first = plans.planFor('nginx:1.27', { credentials: podSecret });
    const secret = parseDockerConfig(JSON.stringify(dockerConfig), source);
    const other = plans.planFor('nginx:1.27', { credentials: secret });
    const stored = other.plan.candidates.get(other.plan.endpoints[1]!)![0]!;
    expect(stored.kind === 'stored' && stored.keyed).toBe(secret[0]);
    expect(plans.size).toBe(2);
    expect(other.key === first.key).toBe(source === 'pull secret ns/regcred' ? false : true);
  });

  it('forgets a plan made with pull secrets after CREDENTIAL_PLAN_TTL_MS', () => {
    vi.useFakeTimers();
    try {
      const plans = new LookupPlans(sources, config);
      const first = plans.planFor('nginx:1.27', { credentials: podSecret });
      vi.advanceTimersByTime(CREDENTIAL_PLAN_TTL_MS + 1);
      const later = plans.planFor('nginx:1.27', { credentials: podSecret });
      expect(later.plan.ref).not.toBe(first.plan.ref);
      expect(later.key).toBe(first.key);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['a key that imitates a source', [{ key: 'docker.io"pull secret ns/a', source: 'x' }], [{ key: 'docker.io', source: 'pull secret ns/a"x' }]],
    ['secrets split differently between pod and ServiceAccount', [{ key: 'a', source: 's' }], []],
  ])('tells apart %s', (_, one, two) => {
    const credential = { kind: 'basic' as const, username: 'u', password: 'p' };
    const asRequest = (list: { key: string; source: string }[], sa = false) => (sa ? { serviceAccountCredentials: list.map((c) => ({ ...c, credential })) } : { credentials: list.map((c) => ({ ...c, credential })) });
    expect(requestSecretsIdentity(asRequest(one))).not.toBe(requestSecretsIdentity(two.length > 0 ? asRequest(two) : asRequest(one, true)));
  });

  it('is bounded: the oldest reference is forgotten', () => {
    const plans = new LookupPlans(sources, config, 2);
    for (const ref of ['a:1', 'b:1', 'c:1', 'a:1']) plans.planFor(ref, {});
    expect(plans.size).toBe(2);
  });

  it('throws for an invalid reference, as parsing does, and remembers nothing', () => {
    const plans = new LookupPlans(sources, config);
    expect(() => plans.planFor('Not A Reference!', {})).toThrow();
    expect(plans.size).toBe(0);
  });
});
