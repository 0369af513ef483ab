import { Agent, fetch as undiciFetch, type Dispatcher, type RequestInit, type Response } from 'undici';

export type { Response } from 'undici';

/**
 * An undici Agent that trusts the given CA. Passing an undici 7 dispatcher to Node 20's
 * bundled global fetch is not guaranteed to work (different undici majors), so the
 * harness always pairs it with undici's own fetch.
 */
export function agentFor(caCertPem?: string): Agent {
  return new Agent({
    connect: caCertPem ? { ca: caCertPem } : {},
    keepAliveTimeout: 1_000,
  });
}

export interface HarnessFetchInit extends Omit<RequestInit, 'dispatcher'> {
  dispatcher?: Dispatcher;
}

export function harnessFetch(url: string | URL, init: HarnessFetchInit = {}): Promise<Response> {
  return undiciFetch(url, init);
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
