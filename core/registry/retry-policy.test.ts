import { describe, expect, it } from 'vitest';
import { ArchcheckError, type ErrorCode } from '../errors.js';
import type { HttpResponse } from './http-request.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from './retry-policy.js';

const response = (status: number, retryAfter?: string): { response: HttpResponse } => ({
  response: { status, headers: new Headers(retryAfter ? { 'retry-after': retryAfter } : {}), body: Buffer.alloc(0), url: new URL('https://r.io/v2/') },
});
const failure = (code: ErrorCode): { error: ArchcheckError } => ({ error: new ArchcheckError(code, 'x') });
const half = (): number => 0.5;

describe('retry policy', () => {
  it.each([
    ['200 is final', 0, response(200), undefined],
    ['404 is final', 0, response(404), undefined],
    ['503 waits a jittered backoff', 0, response(503), 100],
    ['503 on the second retry waits longer', 2, response(503), 400],
    ['429 honours Retry-After', 0, response(429, '2'), 2000],
    ['no retry after the last attempt', 3, response(503), undefined],
    ['a connection failure is retried', 1, failure('UNREACHABLE'), 200],
    ['a timeout is retried', 0, failure('TIMEOUT'), 100],
    ['a refused address is final', 0, failure('FORBIDDEN_ADDRESS'), undefined],
    ['a bad response is final', 0, failure('BAD_RESPONSE'), undefined],
  ])('%s', (_name, attempt, outcome, expected) => {
    expect(retryDelay(DEFAULT_RETRY_POLICY, attempt, outcome, half)).toBe(expected);
  });

  it.each([
    ['120', 120_000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ])('Retry-After %j', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});
