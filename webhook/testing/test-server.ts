import { Agent, fetch, type Response } from 'undici';
import type { ImageResolver } from '../../core/resolver.js';
import type { ClusterFacts } from '../cluster-facts.js';
import { defaultConfig, type WebhookConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { startWebhook, type RunningWebhook } from '../start-webhook.js';
import { createCertificateAuthority, createServingCertificate, type KeyPairPem } from '../tls/certificates.js';
import { FakeResolver } from './fake-resolver.js';

/** A CA and a serving certificate for localhost / 127.0.0.1. */
export function localhostCertificates(): { ca: KeyPairPem; serving: KeyPairPem } {
  const ca = createCertificateAuthority('archcheck-test-ca', 2);
  return { ca, serving: createServingCertificate(ca, ['localhost'], 1, { ipAddresses: ['127.0.0.1'] }) };
}

export interface TestServer {
  webhook: RunningWebhook;
  /** POST a body to a path over HTTPS, trusting the test CA. */
  post(path: string, body: unknown, init?: { contentType?: string; raw?: boolean }): Promise<Response>;
  get(path: string): Promise<Response>;
  agent: Agent;
  close(): Promise<void>;
}

/** The real webhook on 127.0.0.1:random with a fake resolver; callers trust `caPem`. */
export async function startTestServer(options: {
  config?: Partial<WebhookConfig>;
  cluster: ClusterFacts;
  /** 'registry': the real RegistryClient built from the config (registry flags included). Default: FakeResolver. */
  resolver?: ImageResolver | 'registry';
  certs?: ReturnType<typeof localhostCertificates>;
  /** Default: silent. */
  logger?: Logger;
}): Promise<TestServer> {
  const certs = options.certs ?? localhostCertificates();
  const config: WebhookConfig = { ...defaultConfig, listen: { host: '127.0.0.1', port: 0 }, certMode: 'file', drainTimeout: 5_000, ...options.config };
  const webhook = await startWebhook(config, {
    ...(options.resolver !== 'registry' && { resolver: options.resolver ?? new FakeResolver() }),
    cluster: options.cluster,
    logger: options.logger ?? createLogger('silent'),
    // With cert files configured the server reads (and watches) them; otherwise it serves the test certificate.
    // Watched files (certificates, the client CA) are polled quickly so tests see changes at once.
    certPollMs: 50,
    ...(!options.config?.tlsCertFile && { identity: { ...certs.serving, caPem: certs.ca.certPem } }),
  });
  const agent = new Agent({ connect: { ca: certs.ca.certPem } });
  return {
    webhook,
    agent,
    post: (path, body, init = {}) =>
      fetch(`${webhook.url}${path}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': init.contentType ?? 'application/json' },
        body: init.raw ? (body as string) : JSON.stringify(body),
      }),
    get: (path) => fetch(`${webhook.url}${path}`, { dispatcher: agent }),
    async close() {
      await webhook.stop();
      await agent.close();
    },
  };
}
