import type { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { CaBundlePublisher } from '../tls/self-cert-manager.js';
import { apiStatus } from './api-errors.js';

interface WebhookConfiguration {
  metadata?: { resourceVersion?: string };
  webhooks?: { clientConfig: { caBundle?: string } }[];
}

type Kind = 'mutating' | 'validating';

const MAX_CONFLICT_RETRIES = 5;

/**
 * Writes the CA bundle into every webhook of the named Mutating/ValidatingWebhookConfigurations (empty name: not
 * used). Read-modify-replace with resourceVersion, retried on conflict; unchanged configurations are not written.
 * A configured name that does not exist is an error: until it exists the apiserver cannot trust us (not ready).
 */
export class KubeCaBundlePublisher implements CaBundlePublisher {
  constructor(
    private readonly api: AdmissionregistrationV1Api,
    private readonly names: { mutating: string; validating: string },
  ) {}

  async publish(caBundlePem: string): Promise<void> {
    const caBundle = Buffer.from(caBundlePem).toString('base64');
    for (const kind of ['mutating', 'validating'] as const) {
      const name = this.names[kind];
      if (name) await this.publishTo(kind, name, caBundle);
    }
  }

  private read(kind: Kind, name: string): Promise<WebhookConfiguration> {
    return kind === 'mutating' ? this.api.readMutatingWebhookConfiguration({ name }) : this.api.readValidatingWebhookConfiguration({ name });
  }

  private async replace(kind: Kind, name: string, body: WebhookConfiguration): Promise<void> {
    if (kind === 'mutating') await this.api.replaceMutatingWebhookConfiguration({ name, body: body as never });
    else await this.api.replaceValidatingWebhookConfiguration({ name, body: body as never });
  }

  private async publishTo(kind: Kind, name: string, caBundle: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      let config: WebhookConfiguration;
      try {
        config = await this.read(kind, name);
      } catch (e) {
        if (apiStatus(e) === 404) throw new Error(`${kind} webhook configuration "${name}" not found: install it, or set its name to "" to not use it`);
        throw e;
      }
      const webhooks = config.webhooks ?? [];
      if (webhooks.every((w) => w.clientConfig.caBundle === caBundle)) return;
      for (const w of webhooks) w.clientConfig.caBundle = caBundle;
      try {
        await this.replace(kind, name, config);
        return;
      } catch (e) {
        if (apiStatus(e) !== 409) throw e;
      }
    }
    throw new Error(`${kind} webhook configuration "${name}" kept changing; will retry`);
  }
}
