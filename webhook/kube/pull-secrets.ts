import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { decodePullSecret, type KeyedCredential } from '../../core/credentials.js';
import { SingleFlight, TtlCache } from '../../core/registry/cache.js';
import { apiErrorMessage, apiStatus } from './api-errors.js';

const TTL_MS = 30_000;
const MAX_ENTRIES = 5_000;
/** A Secret may hold up to 1 MiB: the cache is bounded by bytes too (counted in the runtime allowance, decision 0022). */
const MAX_BYTES = 4 * 1024 * 1024;

function credentialBytes(list: KeyedCredential[]): number {
  return list.reduce((n, c) => n + 2 * (c.key.length + c.source.length + JSON.stringify(c.credential).length) + 96, 64);
}

/** The credentials a pull secret carries (core's decoder); none when it carries no Docker config. */
export function credentialsFromSecret(secret: V1Secret, source: string): KeyedCredential[] {
  return decodePullSecret(secret.data, source) ?? [];
}

/**
 * Reads pull secrets with the API, parses them, and caches the credentials briefly (30 s, missing ones too) so a
 * Deployment's 200 pods read each secret once. Secret contents never reach a log: only names and error statuses.
 */
export class PullSecretCache {
  private readonly cache = new TtlCache<KeyedCredential[]>(MAX_ENTRIES, MAX_BYTES, credentialBytes);
  private readonly flights = new SingleFlight<KeyedCredential[]>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly logger: Logger,
  ) {}

  async credentials(namespace: string, names: readonly string[]): Promise<KeyedCredential[]> {
    const lists = await Promise.all(names.map((name) => this.secret(namespace, name)));
    return lists.flat();
  }

  private secret(namespace: string, name: string): Promise<KeyedCredential[]> {
    const key = `${namespace}/${name}`;
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    return this.flights.run(key, async () => {
      const credentials = await this.fetch(namespace, name);
      this.cache.set(key, credentials, TTL_MS);
      return credentials;
    });
  }

  private async fetch(namespace: string, name: string): Promise<KeyedCredential[]> {
    const source = `pull secret ${namespace}/${name}`;
    try {
      return credentialsFromSecret(await this.core.readNamespacedSecret({ name, namespace }), source);
    } catch (e) {
      // kubelet also goes on without a missing pull secret; the image may still be public.
      const level = apiStatus(e) === 404 ? 'debug' : 'warn';
      this.logger[level]({ secret: `${namespace}/${name}`, error: apiErrorMessage(e) }, 'pull secret not usable');
      return [];
    }
  }
}
