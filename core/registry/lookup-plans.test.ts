import { describe, expect, it } from 'vitest';
import { parseDockerConfig } from '../credentials.js';
import { defaultCredentialSources } from './credential-sources.js';
import { LookupPlans } from './lookup-plans.js';

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

  it('plans a request with pull secrets afresh: its own candidates and key, nothing remembered', () => {
    const plans = new LookupPlans(sources, config);
    const anonymous = plans.planFor('nginx:1.27', {});
    const withSecret = plans.planFor('nginx:1.27', { credentials: podSecret });
    expect(withSecret.key).not.toBe(anonymous.key);
    expect(withSecret.plan.candidates.get(withSecret.plan.endpoints[1]!)!.map((c) => c.kind)).toEqual(['stored', 'anonymous']);
    // A secret for another host changes nothing about the lookup, and is still not remembered as the reference's plan.
    const unrelated = plans.planFor('nginx:1.27', { credentials: otherHost });
    expect(unrelated.key).toBe(anonymous.key);
    expect(plans.planFor('nginx:1.27', {}).plan.request).toEqual({});
    expect(plans.size).toBe(1);
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
