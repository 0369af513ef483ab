/**
 * AcrCredentialProvider's own rules, in process, with a fake AAD token source and an https stand-in for the
 * exchange: single flight, caching, failure backoff, cancellation, and where the AAD token may go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcrCredentialProvider } from '../core/cloud-auth/acr.js';
import type { AadTokenSource } from '../core/cloud-auth/azure-identity.js';
import { fakeJwt, nowSeconds, startStandIn, type StandInServer } from './cloud-stand-ins/server.js';
import { createTlsMaterial, type TlsMaterial } from './registry/tls.js';

let tls: TlsMaterial;
let exchange: StandInServer;
let elsewhere: StandInServer;
let status = 200;
let delayMs = 0;
let refreshSeconds = 3 * 3600;
let redirect = false;

beforeAll(async () => {
  tls = await createTlsMaterial();
  elsewhere = await startStandIn(() => ({ status: 200, body: { refresh_token: fakeJwt({ exp: nowSeconds() + 3600 }) } }), tls);
  exchange = await startStandIn(async (call) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (redirect) return { status: 307, headers: { location: `${elsewhere.url}/oauth2/exchange` } };
    if (status !== 200) return { status, body: { errors: [{ code: 'DENIED', message: `status ${status}` }] } };
    return { status: 200, body: { refresh_token: fakeJwt({ iat: nowSeconds(), exp: nowSeconds() + refreshSeconds, n: call.form.get('access_token') }) } };
  }, tls);
});

afterAll(async () => {
  await Promise.all([exchange?.stop(), elsewhere?.stop()]);
});

function fakeSource(): AadTokenSource & { calls: number } {
  const source = {
    description: 'test identity',
    calls: 0,
    getToken: (): Promise<{ token: string; expiresAt: number; tenantId: string }> => {
      source.calls++;
      return Promise.resolve({ token: `aad-${source.calls}`, expiresAt: Date.now() + 3600_000, tenantId: 'tenant-1' });
    },
  };
  return source;
}

function provider(source: AadTokenSource, over: { failureBackoffMs?: number; skipVerify?: boolean } = {}): AcrCredentialProvider {
  return new AcrCredentialProvider({
    tokenSource: source,
    extraHosts: [exchange.host, elsewhere.host],
    failureBackoffMs: over.failureBackoffMs ?? 0,
    // Both ways the registry client learns CAs: hosts.toml (hostTls) and --registry-ca (registryCAs).
    transport: { hostTls: { [exchange.host]: over.skipVerify ? { skipVerify: true } : { ca: tls.caCertPem } }, registryCAs: { [elsewhere.host]: tls.caCertPem } },
  });
}

function exchangesSince(n: number): typeof exchange.calls {
  return exchange.calls.slice(n);
}

describe('AcrCredentialProvider', () => {
  it('runs one exchange for concurrent lookups and reuses the refresh token', async () => {
    const source = fakeSource();
    const p = provider(source);
    const before = exchange.calls.length;
    delayMs = 200;
    const creds = await Promise.all(['a', 'b', 'c', 'd'].map((repo) => p.credentialFor(exchange.host, repo)));
    delayMs = 0;
    expect(new Set(creds.map((c) => JSON.stringify(c))).size).toBe(1);
    expect(creds[0]!.kind).toBe('identityToken');
    expect(await p.credentialFor(exchange.host, 'e')).toEqual(creds[0]);
    expect(source.calls).toBe(1);
    const calls = exchangesSince(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(calls[0]!.form)).toEqual({ grant_type: 'access_token', service: exchange.host, access_token: 'aad-1', tenant: 'tenant-1' });
    await p.close();
  });

  it('remembers a refused exchange for the backoff, then tries again', async () => {
    const source = fakeSource();
    const p = provider(source, { failureBackoffMs: 300 });
    const before = exchange.calls.length;
    status = 403;
    await expect(p.credentialFor(exchange.host, 'a')).rejects.toThrow(/^AcrPull missing: 403 from exchange at .*: grant test identity the AcrPull role on the registry \(.*\): "status 403"$/);
    await expect(p.credentialFor(exchange.host, 'b')).rejects.toThrow(/AcrPull missing/);
    expect(exchangesSince(before)).toHaveLength(1);
    status = 200;
    await new Promise((r) => setTimeout(r, 350));
    expect((await p.credentialFor(exchange.host, 'c')).kind).toBe('identityToken');
    expect(exchangesSince(before)).toHaveLength(2);
    await p.close();
  });

  it('renews a refresh token whose expiry is near', async () => {
    const source = fakeSource();
    const p = provider(source);
    refreshSeconds = 1;
    const first = await p.credentialFor(exchange.host, 'a');
    await new Promise((r) => setTimeout(r, 600));
    refreshSeconds = 3 * 3600;
    const second = await p.credentialFor(exchange.host, 'a');
    expect(second).not.toEqual(first);
    expect(source.calls).toBe(2);
    await p.close();
  });

  it('lets a cancelled lookup go without failing the others sharing the exchange', async () => {
    const source = fakeSource();
    const p = provider(source);
    delayMs = 300;
    const ac = new AbortController();
    const cancelled = p.credentialFor(exchange.host, 'a', ac.signal);
    const patient = p.credentialFor(exchange.host, 'b');
    setTimeout(() => ac.abort(), 50);
    await expect(cancelled).rejects.toThrow(/cancelled/);
    expect((await patient).kind).toBe('identityToken');
    delayMs = 0;
    await p.close();
  });

  // A 307/308 would re-send the body (the AAD token) to another host: the transport refuses cross-host redirects
  // for requests with a body.
  it('does not follow a redirect of the exchange to another host with the AAD token', async () => {
    const source = fakeSource();
    const p = provider(source);
    const before = elsewhere.calls.length;
    redirect = true;
    try {
      await expect(p.credentialFor(exchange.host, 'a')).rejects.toThrow(/redirected a token request/);
    } finally {
      redirect = false;
    }
    expect(elsewhere.calls.slice(before).map((c) => c.form.get('access_token'))).toEqual([]);
    await p.close();
  });

  it('asks for no AAD token for a host that is not ACR', async () => {
    const source = fakeSource();
    const p = new AcrCredentialProvider({ tokenSource: source });
    expect(p.appliesTo('ghcr.io')).toBe(false);
    await expect(p.credentialFor('ghcr.io', 'x')).rejects.toThrow(/not an Azure Container Registry/);
    expect(source.calls).toBe(0);
    await p.close();
  });

  it('never sends the AAD token to a peer it cannot verify, even where hosts.toml says skip_verify', async () => {
    const source = fakeSource();
    const p = provider(source, { skipVerify: true });
    const before = exchange.calls.length;
    await expect(p.credentialFor(exchange.host, 'a')).rejects.toThrow(/certificate|self.signed|verify/i);
    expect(exchangesSince(before)).toHaveLength(0);
    await p.close();
  });
});
