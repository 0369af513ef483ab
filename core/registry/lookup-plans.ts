import { credentialFingerprint, type KeyedCredential } from '../credentials.js';
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
  /** Whether every source reading the request is one whose identity requestSecretsIdentity covers. */
  private readonly secretsIdentified: boolean;

  constructor(
    private readonly sources: readonly CredentialSource[],
    private readonly config: EndpointConfig,
    maxEntries = MAX_REMEMBERED_PLANS,
  ) {
    this.remembered = new HostLru(maxEntries);
    this.rememberedWithSecrets = new TtlCache(maxEntries);
    this.secretsIdentified = sources.every((s) => s.fromRequest === undefined || s === podPullSecrets || s === serviceAccountPullSecrets);
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
    if (!this.secretsIdentified) return this.build(reference, request);
    const key = `${reference}\u0000${requestSecretsIdentity(request)}`;
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

/**
 * What the request's pull secrets give a plan: each one's registry key, source and fingerprint, in order. Keys and
 * sources are JSON-quoted: a key comes from a secret's content, and no choice of it may make two lists read alike.
 */
export function requestSecretsIdentity(request: ResolveRequest): string {
  return `${secretsIdentity(request.credentials)}|${secretsIdentity(request.serviceAccountCredentials)}`;
}

function secretsIdentity(list: readonly KeyedCredential[] | undefined): string {
  if (!list) return '';
  let identity = '';
  for (const c of list) identity += `${JSON.stringify(c.key)}${JSON.stringify(c.source)}${credentialFingerprint(c.credential)},`;
  return identity;
}
