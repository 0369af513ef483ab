import { describe, expect, it } from 'vitest';
import type { CredentialProvider } from '../credential-provider.js';
import type { KeyedCredential } from '../credentials.js';
import { candidatesFrom, defaultCredentialSources, type Candidate } from './credential-sources.js';

const basic = (key: string, user: string, source: string): KeyedCredential => ({ key, credential: { kind: 'basic', username: user, password: 'p' }, source });
const provider = (name: string, host: string): CredentialProvider => ({
  name,
  appliesTo: (registry) => registry === host,
  credentialFor: () => Promise.reject(new Error('not called here')),
});
const label = (c: Candidate): string => (c.kind === 'stored' ? c.keyed.source : c.kind === 'provider' ? c.provider.name : 'anonymous');

describe('credential sources', () => {
  const acr = provider('azure workload identity', 'team.azurecr.io');
  const sources = defaultCredentialSources([acr], [basic('team.azurecr.io', 'docker', 'docker config'), basic('other.io', 'x', 'docker config other')]);
  const scope = { registry: 'team.azurecr.io', repository: 'app' };

  it.each([
    ['nothing in the request', {}, ['azure workload identity', 'docker config', 'anonymous']],
    ['pod secrets, then ServiceAccount secrets, then cloud, then docker config', { credentials: [basic('team.azurecr.io', 'pod', 'pod secret')], serviceAccountCredentials: [basic('team.azurecr.io', 'sa', 'sa secret')] }, ['pod secret', 'sa secret', 'azure workload identity', 'docker config', 'anonymous']],
    ['a credential offered twice is tried once, where it came first', { credentials: [basic('team.azurecr.io', 'docker', 'pod secret')] }, ['pod secret', 'azure workload identity', 'anonymous']],
    ['secrets for another registry are not offered', { credentials: [basic('other.io', 'pod', 'pod secret other')] }, ['azure workload identity', 'docker config', 'anonymous']],
  ])('%s', (_name, request, expected) => {
    expect(candidatesFrom(sources, scope, request).map(label)).toEqual(expected);
  });

  it('a cloud identity is offered only for the hosts it serves', () => {
    expect(candidatesFrom(sources, { registry: 'other.io', repository: 'app' }, {}).map(label)).toEqual(['docker config other', 'anonymous']);
  });
});
