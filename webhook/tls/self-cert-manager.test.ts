import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { defaultCertPolicy, type CertState } from './cert-state.js';
import { SelfCertManager, type CaBundlePublisher, type CertStore } from './self-cert-manager.js';

/** A Secret with resourceVersion semantics. */
class MemoryStore implements CertStore {
  stored: { state: CertState; version: number } | undefined;
  creates = 0;

  read(): Promise<{ state: CertState | undefined; version: string } | undefined> {
    return Promise.resolve(this.stored && { state: structuredClone(this.stored.state), version: String(this.stored.version) });
  }
  create(state: CertState): Promise<boolean> {
    this.creates++;
    if (this.stored) return Promise.resolve(false);
    this.stored = { state, version: 1 };
    return Promise.resolve(true);
  }
  update(state: CertState, version: string): Promise<boolean> {
    if (!this.stored || String(this.stored.version) !== version) return Promise.resolve(false);
    this.stored = { state, version: this.stored.version + 1 };
    return Promise.resolve(true);
  }
}

const policy = { ...defaultCertPolicy, dnsNames: ['archcheck-webhook.archcheck.svc'] };
const logger = createLogger('silent');

function manager(store: CertStore, publisher: CaBundlePublisher, events: string[]): SelfCertManager {
  return new SelfCertManager({ store, publisher, logger, onIdentity: (id) => events.push(`serve:${id.certPem.length}`) }, policy);
}

describe('SelfCertManager', () => {
  it('replicas racing to create the Secret end up serving the same certificate', async () => {
    const store = new MemoryStore();
    const published: string[] = [];
    const publisher: CaBundlePublisher = { publish: (b) => Promise.resolve(void published.push(b)) };
    const a = manager(store, publisher, []);
    const b = manager(store, publisher, []);
    await Promise.all([a.reconcile(), b.reconcile()]);
    expect(store.creates).toBe(2);
    expect(a.caPem()).toBe(store.stored!.state.caBundlePem);
    expect(b.caPem()).toBe(store.stored!.state.caBundlePem);
    expect(new Set(published)).toEqual(new Set([store.stored!.state.caBundlePem]));
  });

  it('publishes the CA bundle before serving, and serves nothing new when publishing fails', async () => {
    const store = new MemoryStore();
    const events: string[] = [];
    let fail = true;
    const publisher: CaBundlePublisher = {
      publish: () => {
        events.push('publish');
        return fail ? Promise.reject(new Error('webhook configuration "archcheck" not found')) : Promise.resolve();
      },
    };
    const m = manager(store, publisher, events);
    await expect(m.reconcile()).rejects.toThrow(/not found/);
    expect(events).toEqual(['publish']);
    fail = false;
    await m.reconcile();
    expect(events).toEqual(['publish', 'publish', expect.stringMatching(/^serve:/)]);
    await m.reconcile();
    expect(events.filter((e) => e.startsWith('serve'))).toHaveLength(1); // unchanged certificate: no reload
  });

  it('re-reads and retries when another replica updated the Secret in between', async () => {
    const store = new MemoryStore();
    await manager(store, { publish: () => Promise.resolve() }, []).reconcile();
    // Make the stored serving certificate stale, and let the first update lose a race.
    store.stored!.state.serving = store.stored!.state.signer;
    const realUpdate = store.update.bind(store);
    let raced = false;
    store.update = (state, version) => {
      if (!raced) {
        raced = true;
        store.stored!.version++;
        return Promise.resolve(false);
      }
      return realUpdate(state, version);
    };
    await manager(store, { publish: () => Promise.resolve() }, []).reconcile();
    expect(raced).toBe(true);
    expect(store.stored!.state.serving.certPem).not.toBe(store.stored!.state.signer.certPem);
  });
});
