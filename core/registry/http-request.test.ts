import { describe, expect, it } from 'vitest';
import { failureKind } from './http-request.js';

const facts = { name: 'TypeError', causeCode: '', detail: 'fetch failed', timedOut: false, aborted: false };

describe('failureKind', () => {
  it.each([
    ['the connect-time address guard', { causeCode: 'EFORBIDDEN' }, 'forbidden'],
    ['our own per-request timeout', { timedOut: true }, 'timeout'],
    ['undici headers timeout', { causeCode: 'UND_ERR_HEADERS_TIMEOUT' }, 'timeout'],
    ['the caller gave up (deadline)', { aborted: true }, 'cancelled'],
    ['an AbortError', { name: 'AbortError' }, 'cancelled'],
    ['an untrusted certificate', { causeCode: 'SELF_SIGNED_CERT_IN_CHAIN', detail: 'self-signed certificate in certificate chain' }, 'untrusted-certificate'],
    ['a refused connection', { causeCode: 'ECONNREFUSED', detail: 'connect ECONNREFUSED 127.0.0.1:1' }, 'unreachable'],
  ])('%s', (_name, given, kind) => {
    expect(failureKind({ ...facts, ...given })).toBe(kind);
  });
});
