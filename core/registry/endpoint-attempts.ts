import type { CredentialProvider } from '../credential-provider.js';
import { credentialFingerprint, type Credential } from '../credentials.js';
import { ArchcheckError, toArchcheckError, type ErrorCode } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import type { ImageReference } from '../reference.js';
import type { ResolveRequest } from '../resolver.js';
import type { Candidate } from './credential-sources.js';
import type { Endpoint } from './endpoints.js';
import { credentialScope, type LookupContext } from './lookup-context.js';

/** Failures after which the next credential is tried at the same endpoint. */
const NEXT_CREDENTIAL: ReadonlySet<ErrorCode> = new Set(['UNAUTHORIZED', 'DENIED']);
/** Failures after which the next endpoint (mirror → source) is tried; an answer about the content itself is final. */
const NEXT_ENDPOINT: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'UNAUTHORIZED', 'DENIED', 'RATE_LIMITED', 'TIMEOUT', 'UNREACHABLE', 'BAD_RESPONSE', 'FORBIDDEN_ADDRESS']);

/** One lookup's plan: its endpoints in order (mirrors, then the source), each with its credential candidates. */
export interface LookupPlan {
  ref: ImageReference;
  endpoints: Endpoint[];
  candidates: Map<Endpoint, Candidate[]>;
  request: ResolveRequest;
}

/** An answer, or the last error and what was tried (for the message). */
export type AttemptOutcome = { info: ImageInfo } | { error: ArchcheckError; tried: string[] };

/** Lookups are shared only between callers presenting the same credentials. */
export function lookupKey(plan: Pick<LookupPlan, 'ref' | 'candidates'>): string {
  const ids = [...plan.candidates.values()].flatMap((candidates) =>
    candidates.map((c) => (c.kind === 'stored' ? credentialFingerprint(c.keyed.credential) : c.kind === 'provider' ? `provider:${c.provider.name}` : 'anonymous')),
  );
  return `${plan.ref.canonical}|${ids.join(',')}`;
}

/**
 * Tries the endpoints in order, each with its credentials in order (kubelet's way), within one deadline: a mirror
 * gets its share of the time left; the next credential follows a refusal, the next endpoint any failure that is not
 * an answer about the content itself. Returns the answer, or the last error with everything tried.
 */
export async function attemptEndpoints(plan: LookupPlan, deadline: number, answer: (ctx: LookupContext) => Promise<ImageInfo>): Promise<{ info: ImageInfo } | { error: ArchcheckError }> {
  const { endpoints } = plan;
  const tried: string[] = [];
  let lastError: ArchcheckError | undefined;
  for (const [i, ep] of endpoints.entries()) {
    // A mirror gets its share of the time left, so a dead mirror still leaves the source time to answer.
    const share = i === endpoints.length - 1 ? deadline : Date.now() + Math.floor((deadline - Date.now()) / (endpoints.length - i));
    const outcome = await attemptEndpoint(plan, ep, share, answer);
    if ('info' in outcome) return outcome;
    lastError = outcome.error;
    tried.push(...outcome.tried.map((t) => (endpoints.length > 1 ? `${ep.host}: ${t}` : t)));
    if (!NEXT_ENDPOINT.has(lastError.code)) break;
  }
  const err = lastError ?? new ArchcheckError('BAD_RESPONSE', 'no lookup was attempted');
  const final = tried.length > 1 ? new ArchcheckError(err.code, `${err.message} (tried ${tried.join('; ')})`, { registry: err.registry, fromAuthentication: err.fromAuthentication }) : err;
  return { error: final };
}

/**
 * The context of the plan's first attempt (first endpoint, first credential candidate), when making it waits on
 * nothing: undefined when that candidate is a cloud identity, whose token must be fetched first.
 */
export function firstAttempt(plan: LookupPlan, deadline: number): LookupContext | undefined {
  const ep = plan.endpoints[0];
  const first = ep && plan.candidates.get(ep)?.[0];
  if (!ep || !first || first.kind === 'provider') return undefined;
  return { ref: plan.ref, ep, credential: storedCredential(first), deadline, signal: plan.request.signal };
}

function storedCredential(candidate: Exclude<Candidate, { kind: 'provider' }>): Credential | undefined {
  return candidate.kind === 'stored' ? candidate.keyed.credential : undefined;
}

function labelOf(candidate: Candidate): string {
  return candidate.kind === 'stored' ? candidate.keyed.source : candidate.kind === 'provider' ? candidate.provider.name : 'anonymous';
}

async function attemptEndpoint(plan: LookupPlan, ep: Endpoint, deadline: number, answer: (ctx: LookupContext) => Promise<ImageInfo>): Promise<AttemptOutcome> {
  const { ref, request } = plan;
  const registry = credentialScope(ref, ep).registry;
  const tried: string[] = [];
  let lastError: ArchcheckError | undefined;
  for (const candidate of plan.candidates.get(ep) ?? []) {
    const label = labelOf(candidate);
    let credential: Credential | undefined;
    if (candidate.kind === 'provider') {
      try {
        credential = await providerCredential(candidate.provider, registry, ep.repository, deadline, request.signal);
      } catch (e) {
        // A cloud identity that cannot produce a token falls through to the next source, and says why.
        tried.push(`${label}: ${(e as Error).message}`);
        continue;
      }
    } else {
      credential = storedCredential(candidate);
    }
    try {
      return { info: await answer({ ref, ep, credential, deadline, signal: request.signal }) };
    } catch (e) {
      lastError = toArchcheckError(e);
      tried.push(`${label}: ${lastError.code}`);
      if (candidate.kind === 'provider' && NEXT_CREDENTIAL.has(lastError.code)) candidate.provider.forget?.(registry);
      if (!NEXT_CREDENTIAL.has(lastError.code)) break;
    }
  }
  return { error: lastError ?? new ArchcheckError('UNAUTHORIZED', `${ep.host}: no credential could be obtained`, { registry: ep.host }), tried };
}

/** A provider's token within the lookup's deadline; a slow identity endpoint keeps warming its cache in the background. */
async function providerCredential(provider: CredentialProvider, registry: string, repository: string, deadline: number, signal: AbortSignal | undefined): Promise<Credential> {
  const remaining = Math.max(1, Math.floor(deadline - Date.now()));
  const timeout = AbortSignal.timeout(remaining);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no token within the deadline (${remaining} ms)`)), remaining);
  });
  try {
    return await Promise.race([provider.credentialFor(registry, repository, combined), expired]);
  } finally {
    clearTimeout(timer);
  }
}
