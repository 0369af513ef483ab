import { parseReference } from '../reference.js';
import type { ResolveRequest } from '../resolver.js';
import { HostLru, TtlCache } from './cache.js';
import { candidatesFrom, podPullSecrets, serviceAccountPullSecrets, type CredentialSource } from './credential-sources.js';
import { lookupKey, type LookupPlan } from './endpoint-attempts.js';
import { endpointsFor, type EndpointConfig } from './endpoints.js';
import { credentialScope } from './lookup-context.js';

/** References whose plans are remembered; beyond it the least recently used is forgotten (≈ 1 KB each). */
export const MAX_REMEMBERED_PLANS = 4_096;

/**
 * How long a plan made with a request's pull secrets is reused for equal secrets (PullSecretCache re-reads a secret
 * every 30 s: a rotated one then has another fingerprint, and its old plan is no longer asked for).
 */
export const CREDENTIAL_PLAN_TTL_MS = 60_000;

/** A lookup's plan and the key that shares its flight and its negative cache entry. */
export interface PlannedLookup {
  plan: LookupPlan;
  key: string;
}

/**
 * Builds each lookup's plan (parsed reference, endpoints in order, credential candidates per endpoint, the lookup
 * key), and remembers it per reference string when the request brings no credentials of its own: the plan then
 * depends only on the string, the client's options and its own sources (docker config, cloud identities), all
 * fixed for the client's life, so a warm lookup does not parse, match credentials or hash them again. A request
 * with pull secrets (most pods pulling from a private registry) reuses a plan only when its secrets are equal to
 * the planned ones — each secret's registry key, its source (the secret's name: it appears in error messages) and
 * its credential's fingerprint, in order — so its candidates, and the key that keeps its answers apart from
 * anonymous ones, are still its own; such plans are forgotten after CREDENTIAL_PLAN_TTL_MS.
 */
export class LookupPlans {
  private readonly remembered: HostLru<RememberedPlan>;
  /** Plans made with a request's pull secrets, by reference and those secrets' identity. */
  private readonly rememberedWithSecrets: TtlCache<RememberedPlan>;
  /** The sources whose candidates come from the request, when each says what of it they depend on; else undefined. */
  private readonly identifiedReaders: readonly IdentifiedSource[] | undefined;

  constructor(
    private readonly sources: readonly CredentialSource[],
    private readonly config: EndpointConfig,
    maxEntries = MAX_REMEMBERED_PLANS,
  ) {
    this.remembered = new HostLru(maxEntries);
    this.rememberedWithSecrets = new TtlCache(maxEntries);
    const readers = sources.filter((s) => s.fromRequest !== undefined);
    this.identifiedReaders = readers.every(isIdentified) ? readers.filter(isIdentified) : undefined;
  }

  /** Throws as parseReference and endpointsFor do (an invalid reference, no endpoint may serve it). */
  planFor(reference: string, request: ResolveRequest): PlannedLookup {
    if (this.sources.some((s) => s.fromRequest?.(request) === true)) return this.planWithSecrets(reference, request);
    const known = this.remembered.get(reference);
    if (known) return withRequest(known, request);
    const planned = this.build(reference, request);
    this.remembered.set(reference, withoutRequest(planned));
    return planned;
  }

  private planWithSecrets(reference: string, request: ResolveRequest): PlannedLookup {
    if (!this.identifiedReaders) return this.build(reference, request);
    const key = `${reference}\u0000${requestIdentity(this.identifiedReaders, request)}`;
    const known = this.rememberedWithSecrets.get(key);
    if (known) return withRequest(known, request);
    const planned = this.build(reference, request);
    this.rememberedWithSecrets.set(key, withoutRequest(planned), CREDENTIAL_PLAN_TTL_MS);
    return planned;
  }

  get size(): number {
    return this.remembered.size + this.rememberedWithSecrets.size;
  }

  private build(reference: string, request: ResolveRequest): PlannedLookup {
    const ref = parseReference(reference);
    const endpoints = endpointsFor(ref, this.config);
    // Candidates are computed once per lookup: they key the shared flight and drive the attempts.
    const candidates = new Map(endpoints.map((ep) => [ep, candidatesFrom(this.sources, credentialScope(ref, ep), request)]));
    const plan = { ref, endpoints, candidates, request };
    return { plan, key: lookupKey(plan) };
  }
}

type RememberedPlan = Omit<PlannedLookup, 'plan'> & { plan: Omit<LookupPlan, 'request'> };

/** Kept without the request: its signal and deadline belong to that lookup only. */
function withoutRequest(planned: PlannedLookup): RememberedPlan {
  const { ref, endpoints, candidates } = planned.plan;
  return { plan: { ref, endpoints, candidates }, key: planned.key };
}

// Written out: `{ ...known.plan, request }` adds a key after a spread, ≈ 1 µs on Node 20 (decision 0042).
function withRequest(known: RememberedPlan, request: ResolveRequest): PlannedLookup {
  return { plan: { ref: known.plan.ref, endpoints: known.plan.endpoints, candidates: known.plan.candidates, request }, key: known.key };
}

type IdentifiedSource = CredentialSource & Required<Pick<CredentialSource, 'requestIdentity'>>;
const isIdentified = (s: CredentialSource): s is IdentifiedSource => s.requestIdentity !== undefined;

/** What of the request the sources' candidates depend on, one part per source. */
function requestIdentity(sources: readonly IdentifiedSource[], request: ResolveRequest): string {
  let identity = '';
  for (const s of sources) identity += `${s.requestIdentity(request)}|`;
  return identity;
}

/** The identity of a request's pull secrets, the pod's and its ServiceAccount's, as the two pull-secret sources read them. */
export function requestSecretsIdentity(request: ResolveRequest): string {
  return requestIdentity([podPullSecrets, serviceAccountPullSecrets] as IdentifiedSource[], request);
}
