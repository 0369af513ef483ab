import type { CredentialProvider } from '../credential-provider.js';
import { credentialFingerprint, matchCredentials, type KeyedCredential } from '../credentials.js';
import type { ResolveRequest } from '../resolver.js';

/** What credentials are matched against: the source's registry name, or a mirror's own host, and the repository there. */
export interface CredentialScope {
  registry: string;
  repository: string;
}

/** One way of authenticating a lookup: a stored credential, a provider asked on demand, or anonymous. */
export type Candidate = { kind: 'stored'; keyed: KeyedCredential } | { kind: 'provider'; provider: CredentialProvider } | { kind: 'anonymous' };

/**
 * Where credentials for a lookup come from (go-containerregistry's `authn.Keychain`): each source offers the
 * candidates it has for one endpoint, without any network call; a provider's token is asked for only when its turn
 * comes. The client is given an ordered list (`MultiKeychain`) chosen where it is built (open-client.ts).
 */
export interface CredentialSource {
  /** For the tried-list of an error message: "pull secrets", "cloud identity", "docker config". */
  readonly name: string;
  candidates(scope: CredentialScope, request: ResolveRequest): Candidate[];
  /**
   * Set by a source whose candidates come from the request (pull secrets): true when this request gives it any.
   * A source without it offers the same candidates for a scope whatever the request, so the client may remember
   * them per reference (lookup-plans.ts).
   */
  fromRequest?(request: ResolveRequest): boolean;
  /**
   * Set with `fromRequest`: what of the request its candidates depend on, as a string equal for equal inputs and
   * different otherwise (lookup-plans.ts reuses a plan for an equal identity). A request-reading source without it
   * is planned afresh for every request.
   */
  requestIdentity?(request: ResolveRequest): string;
  /** Releases what the source holds (a cloud SDK's sockets). */
  close?(): Promise<void>;
}

function stored(list: readonly KeyedCredential[] | undefined, scope: CredentialScope): Candidate[] {
  if (!list || list.length === 0) return [];
  return matchCredentials([...list], scope).map((keyed) => ({ kind: 'stored', keyed }));
}

/**
 * Pull secrets as a plan depends on them: each one's registry key, source (the secret's name, which error messages
 * show) and credential fingerprint, in order. Keys and sources are JSON-quoted: a key comes from a secret's content,
 * and no choice of it may make two lists read alike.
 */
function pullSecretsIdentity(list: readonly KeyedCredential[] | undefined): string {
  if (!list) return '';
  let identity = '';
  for (const c of list) identity += `${JSON.stringify(c.key)}${JSON.stringify(c.source)}${credentialFingerprint(c.credential)},`;
  return identity;
}

/** The pod's own pull secrets (`ResolveRequest.credentials`; admission has already merged its ServiceAccount's in). */
export const podPullSecrets: CredentialSource = {
  name: 'pull secrets',
  candidates: (scope, request) => stored(request.credentials, scope),
  fromRequest: (request) => (request.credentials?.length ?? 0) > 0,
  requestIdentity: (request) => pullSecretsIdentity(request.credentials),
};

/** A ServiceAccount's pull secrets not already in the pod (the audit of a workload with no pods). */
export const serviceAccountPullSecrets: CredentialSource = {
  name: 'service account pull secrets',
  candidates: (scope, request) => stored(request.serviceAccountCredentials, scope),
  fromRequest: (request) => (request.serviceAccountCredentials?.length ?? 0) > 0,
  requestIdentity: (request) => pullSecretsIdentity(request.serviceAccountCredentials),
};

/** Cloud identities (ACR, ECR, GAR), each for the hosts it serves. */
export function cloudIdentities(providers: readonly CredentialProvider[]): CredentialSource {
  return {
    name: 'cloud identity',
    candidates: (scope) => providers.filter((p) => p.appliesTo(scope.registry)).map((provider) => ({ kind: 'provider', provider })),
    close: async () => {
      await Promise.all(providers.map((p) => p.close?.()));
    },
  };
}

/** Credentials the client holds itself (a docker config.json). */
export function dockerConfig(credentials: readonly KeyedCredential[]): CredentialSource {
  return { name: 'docker config', candidates: (scope) => stored(credentials, scope) };
}

/** Kubelet's order, extended: pod secrets, ServiceAccount secrets, cloud identities, the client's docker config. */
export function defaultCredentialSources(providers: readonly CredentialProvider[], credentials: readonly KeyedCredential[]): CredentialSource[] {
  return [podPullSecrets, serviceAccountPullSecrets, cloudIdentities(providers), dockerConfig(credentials)];
}

/** Every source's candidates in order, a credential offered twice only once, then anonymous. */
export function candidatesFrom(sources: readonly CredentialSource[], scope: CredentialScope, request: ResolveRequest): Candidate[] {
  const seen = new Set<string>();
  const fresh = (c: Candidate): boolean => {
    if (c.kind !== 'stored') return true;
    const fp = credentialFingerprint(c.keyed.credential);
    if (seen.has(fp)) return false;
    seen.add(fp);
    return true;
  };
  return [...sources.flatMap((s) => s.candidates(scope, request)).filter(fresh), { kind: 'anonymous' }];
}
