import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { CertState, } from '../tls/cert-state.js';
import type { CertStore } from '../tls/self-cert-manager.js';
import { apiStatus } from './api-errors.js';

const NEXT_SINCE_ANNOTATION = 'archcheck.dev/next-ca-since';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string | undefined => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

/** Secret layout: tls.crt/tls.key (serving), ca.crt (trust bundle), signer.*, next.* (CA being introduced). */
function toSecret(name: string, namespace: string, state: CertState, resourceVersion?: string): V1Secret {
  const data: Record<string, string> = {
    'tls.crt': b64(state.serving.certPem),
    'tls.key': b64(state.serving.keyPem),
    'ca.crt': b64(state.caBundlePem),
    'signer.crt': b64(state.signer.certPem),
    'signer.key': b64(state.signer.keyPem),
  };
  if (state.next) {
    data['next.crt'] = b64(state.next.certPem);
    data['next.key'] = b64(state.next.keyPem);
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace,
      ...(resourceVersion && { resourceVersion }),
      labels: { 'app.kubernetes.io/managed-by': 'archcheck-webhook' },
      annotations: state.next ? { [NEXT_SINCE_ANNOTATION]: state.next.since } : {},
    },
    data,
  };
}

function fromSecret(secret: V1Secret): CertState | undefined {
  const d = secret.data ?? {};
  const [certPem, keyPem, caBundlePem, signerCert, signerKey] = ['tls.crt', 'tls.key', 'ca.crt', 'signer.crt', 'signer.key'].map((k) => unb64(d[k]));
  if (!certPem || !keyPem || !caBundlePem || !signerCert || !signerKey) return undefined;
  const state: CertState = { serving: { certPem, keyPem }, signer: { certPem: signerCert, keyPem: signerKey }, caBundlePem };
  const nextCert = unb64(d['next.crt']);
  const nextKey = unb64(d['next.key']);
  const since = secret.metadata?.annotations?.[NEXT_SINCE_ANNOTATION];
  if (nextCert && nextKey && since) state.next = { certPem: nextCert, keyPem: nextKey, since };
  return state;
}

/** The shared certificate Secret in the webhook's namespace. Needs get/create/update on that one Secret. */
export class KubeCertStore implements CertStore {
  private stored: V1Secret | undefined;

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async read(): Promise<{ state: CertState | undefined; version: string } | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ name: this.name, namespace: this.namespace });
      this.stored = secret;
      return { state: fromSecret(secret), version: secret.metadata?.resourceVersion ?? '' };
    } catch (e) {
      if (apiStatus(e) === 404) return undefined;
      throw e;
    }
  }

  async create(state: CertState): Promise<boolean> {
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body: toSecret(this.name, this.namespace, state) });
      return true;
    } catch (e) {
      if (apiStatus(e) === 409) return false;
      throw e;
    }
  }

  async update(state: CertState, version: string): Promise<boolean> {
    const body = toSecret(this.name, this.namespace, state, version);
    // The Helm chart creates this Secret empty (type Opaque) so Helm owns and deletes it: keep its type
    // (immutable), labels and annotations; only the data is ours.
    const stored = this.stored;
    if (stored?.metadata?.resourceVersion === version) {
      body.type = stored.type ?? body.type;
      const annotations = { ...stored.metadata.annotations };
      delete annotations[NEXT_SINCE_ANNOTATION];
      body.metadata = { ...body.metadata, labels: { ...body.metadata?.labels, ...stored.metadata.labels }, annotations: { ...annotations, ...body.metadata?.annotations } };
    }
    try {
      await this.core.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body });
      return true;
    } catch (e) {
      if (apiStatus(e) === 409) return false;
      throw e;
    }
  }
}
