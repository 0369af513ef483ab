import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { failureKind, HttpSender } from './http-request.js';

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

describe('HttpSender against a host that accepts connections and never speaks', () => {
  const silentHost = async (): Promise<{ host: string; close: () => void }> => {
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
  };

  it.each([
    ['its own request timeout', { requestTimeoutMs: 300 }, undefined, /did not answer in time/],
    ['the caller giving up', { requestTimeoutMs: 2_000 }, 300, /was cancelled/],
  ])('ends at %s, while TLS is still being negotiated (not at the 10 s connect timeout)', async (_, options, cancelAfterMs, message) => {
    const silent = await silentHost();
    const sender = new HttpSender({ ...options, isConfigured: () => true, hostEntries: 8 });
    const signal = cancelAfterMs === undefined ? undefined : AbortSignal.timeout(cancelAfterMs);
    const started = Date.now();
    try {
      const sent = sender.send(new URL(`https://${silent.host}/v2/`), { method: 'GET', maxBytes: 1_000, deadline: Date.now() + 60_000, registry: silent.host, ...(signal && { signal }) });
      await expect(sent).rejects.toMatchObject({ code: 'TIMEOUT', message });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
      await sender.close().catch(() => undefined);
    }
  });
});
