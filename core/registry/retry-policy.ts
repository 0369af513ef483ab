import type { ArchcheckError, ErrorCode } from '../errors.js';
import type { HttpResponse, RoundTrip } from './http-request.js';

/** When a request is sent again: data, so the rules can be read (and tested) in one place. */
export interface RetryPolicy {
  /** Further attempts after the first. */
  maxRetries: number;
  /** Responses answered again after a wait (their Retry-After honoured). */
  retryStatuses: ReadonlySet<number>;
  /** Failures without a response that are tried again (typed errors from http-request.ts). */
  retryErrors: ReadonlySet<ErrorCode>;
  /** Full-jitter exponential backoff: a random wait up to base × 2^attempt. */
  backoffBaseMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  retryStatuses: new Set([408, 429, 500, 502, 503, 504]),
  retryErrors: new Set<ErrorCode>(['UNREACHABLE', 'TIMEOUT']),
  backoffBaseMs: 200,
};

/** `Retry-After` as milliseconds: delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Whether (and after how long) to try again after this outcome; undefined = give up and return/throw it. */
export function retryDelay(policy: RetryPolicy, attempt: number, outcome: { response: HttpResponse } | { error: ArchcheckError }, random = Math.random): number | undefined {
  if (attempt >= policy.maxRetries) return undefined;
  // Full jitter keeps many webhook replicas from retrying in lockstep.
  const backoff = Math.round(random() * policy.backoffBaseMs * 2 ** attempt);
  if ('error' in outcome) return policy.retryErrors.has(outcome.error.code) ? backoff : undefined;
  if (!policy.retryStatuses.has(outcome.response.status)) return undefined;
  return parseRetryAfter(outcome.response.headers.get('retry-after')) ?? backoff;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The retry layer: sends again by the policy, never past the deadline and never once the caller gave up. */
export function retrying(send: RoundTrip, policy: RetryPolicy = DEFAULT_RETRY_POLICY): RoundTrip {
  return async (url, init) => {
    for (let attempt = 0; ; attempt++) {
      let outcome: { response: HttpResponse } | { error: ArchcheckError };
      try {
        outcome = { response: await send(url, init) };
      } catch (e) {
        outcome = { error: e as ArchcheckError };
      }
      const wait = init.signal?.aborted ? undefined : retryDelay(policy, attempt, outcome);
      if (wait === undefined || Date.now() + wait >= init.deadline) {
        if ('error' in outcome) throw outcome.error;
        return outcome.response;
      }
      await sleep(wait, init.signal);
    }
  };
}
