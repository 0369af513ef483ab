import type { AdmissionregistrationV1Api, CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { nextCertState, defaultCertPolicy } from '../tls/cert-state.js';
import { KubeCaBundlePublisher } from './kube-ca-bundle.js';
import { KubeCertStore } from './kube-cert-store.js';
import { credentialsFromSecret, PullSecretCache } from './pull-secrets.js';

const apiError = (code: number): Error & { code: number } => Object.assign(new Error(`HTTP ${code}`), { code });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('pull secrets', () => {
  const auth = { auths: { 'registry.example.com': { auth: b64('ci:s3cret') } } };
  it('reads .dockerconfigjson and legacy .dockercfg', () => {
    const json: V1Secret = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify(auth)) } };
    const legacy: V1Secret = { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify(auth.auths)) } };
    for (const secret of [json, legacy]) {
      expect(credentialsFromSecret(secret, 'pull secret shop/regcred')).toEqual([
        { key: 'registry.example.com', credential: { kind: 'basic', username: 'ci', password: 's3cret' }, source: 'pull secret shop/regcred' },
      ]);
    }
    expect(credentialsFromSecret({ type: 'Opaque', data: { password: b64('x') } }, 's')).toEqual([]);
  });

  it('caches reads (missing secrets too) and never logs secret data', async () => {
    const reads: string[] = [];
    const lines: string[] = [];
    const core = {
      readNamespacedSecret: ({ name, namespace }: { name: string; namespace: string }) => {
        reads.push(`${namespace}/${name}`);
        if (name === 'missing') return Promise.reject(apiError(404));
        if (name === 'broken') return Promise.resolve({ data: { '.dockerconfigjson': b64('{"auths": not json s3cret') } });
        return Promise.resolve({ data: { '.dockerconfigjson': b64(JSON.stringify(auth)) } });
      },
    } as unknown as CoreV1Api;
    const logger = createLogger('debug', { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream);
    const reader = new PullSecretCache(core, logger);
    const first = await reader.credentials('shop', ['regcred', 'missing', 'broken']);
    await reader.credentials('shop', ['regcred', 'missing']);
    expect(first).toHaveLength(1);
    expect(reads).toEqual(['shop/regcred', 'shop/missing', 'shop/broken']);
    expect(lines.join('\n')).not.toMatch(/s3cret|Y2k6czNjcmV0/);
  });
});

describe('KubeCertStore', () => {
  it('round-trips the certificate state through a Secret and maps 404/409', async () => {
    let stored: V1Secret | undefined;
    let version = 0;
    const core = {
      readNamespacedSecret: () => (stored ? Promise.resolve(structuredClone(stored)) : Promise.reject(apiError(404))),
      createNamespacedSecret: ({ body }: { body: V1Secret }) => {
        if (stored) return Promise.reject(apiError(409));
        stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
        return Promise.resolve(stored);
      },
      replaceNamespacedSecret: ({ body }: { body: V1Secret }) => {
        if (body.metadata?.resourceVersion !== String(version)) return Promise.reject(apiError(409));
        stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
        return Promise.resolve(stored);
      },
    } as unknown as CoreV1Api;
    const store = new KubeCertStore(core, 'archcheck', 'archcheck-webhook-tls');
    expect(await store.read()).toBeUndefined();
    const { state } = nextCertState(undefined, { ...defaultCertPolicy, dnsNames: ['archcheck-webhook.archcheck.svc'] });
    const withNext = { ...state, next: { ...state.signer, since: '2026-01-01T00:00:00.000Z' } };
    expect(await store.create(withNext)).toBe(true);
    expect(await store.create(state)).toBe(false);
    expect(stored?.type).toBe('kubernetes.io/tls');
    const read = await store.read();
    expect(read?.state).toEqual(withNext);
    expect(await store.update(state, 'stale')).toBe(false);
    expect(await store.update(state, read!.version)).toBe(true);
    expect((await store.read())?.state).toEqual(state);
  });
});

describe('KubeCaBundlePublisher', () => {
  function api(configs: Record<string, { resourceVersion: string; webhooks: { clientConfig: { caBundle?: string } }[] }>, conflictsFirst = 0) {
    let conflicts = conflictsFirst;
    const writes: string[] = [];
    const read = ({ name }: { name: string }) => (configs[name] ? Promise.resolve(structuredClone({ metadata: { resourceVersion: configs[name].resourceVersion }, webhooks: configs[name].webhooks })) : Promise.reject(apiError(404)));
    const replace = ({ name, body }: { name: string; body: { webhooks: { clientConfig: { caBundle?: string } }[] } }) => {
      if (conflicts-- > 0) return Promise.reject(apiError(409));
      writes.push(name);
      configs[name]!.webhooks = body.webhooks;
      return Promise.resolve(body);
    };
    return {
      writes,
      client: { readMutatingWebhookConfiguration: read, readValidatingWebhookConfiguration: read, replaceMutatingWebhookConfiguration: replace, replaceValidatingWebhookConfiguration: replace } as unknown as AdmissionregistrationV1Api,
    };
  }

  it('sets caBundle on every webhook of both configurations, retries conflicts, skips unchanged ones', async () => {
    type Config = { resourceVersion: string; webhooks: { clientConfig: { caBundle?: string } }[] };
    const configs: Record<'archcheck-m' | 'archcheck-v', Config> = { 'archcheck-m': { resourceVersion: '1', webhooks: [{ clientConfig: {} }, { clientConfig: { caBundle: 'old' } }] }, 'archcheck-v': { resourceVersion: '1', webhooks: [{ clientConfig: {} }] } };
    const fake = api(configs, 1);
    const publisher = new KubeCaBundlePublisher(fake.client, { mutating: 'archcheck-m', validating: 'archcheck-v' });
    await publisher.publish('PEM');
    expect(configs['archcheck-m'].webhooks.map((w) => w.clientConfig.caBundle)).toEqual([b64('PEM'), b64('PEM')]);
    expect(configs['archcheck-v'].webhooks[0]!.clientConfig.caBundle).toBe(b64('PEM'));
    expect(fake.writes).toEqual(['archcheck-m', 'archcheck-v']);
    await publisher.publish('PEM');
    expect(fake.writes).toHaveLength(2);
  });

  it('a configured configuration that does not exist is an error saying what to do; "" means none', async () => {
    const fake = api({});
    await expect(new KubeCaBundlePublisher(fake.client, { mutating: 'archcheck', validating: '' }).publish('PEM')).rejects.toThrow(/mutating webhook configuration "archcheck" not found: install it, or set its name to ""/);
    await expect(new KubeCaBundlePublisher(fake.client, { mutating: '', validating: '' }).publish('PEM')).resolves.toBeUndefined();
  });
});
