/**
 * Child process for bench/admission/run.ts: `webhook` runs the real webhook (real RegistryClient against the bench
 * registry, info logs to stdout); `baseline` a minimal HTTPS server that parses the AdmissionReview and answers
 * allowed:true. Both report their URL over IPC.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { defaultConfig, type WebhookConfig } from '../../webhook/config.js';
import { startWebhook } from '../../webhook/start-webhook.js';
import { fakeCluster } from '../../webhook/testing/fake-cluster.js';

// Production runs compiled JS without source maps; tsx turns them on, which makes every Error's stack costly.
process.setSourceMapsEnabled(false);

const [, , kind, certFile, keyFile, registryHost] = process.argv;

function report(url: string): void {
  process.send?.({ url });
}

async function webhook(): Promise<void> {
  const config: WebhookConfig = {
    ...defaultConfig,
    listen: { host: '127.0.0.1', port: 0 },
    tlsCertFile: certFile!,
    tlsPrivateKeyFile: keyFile!,
    insecureRegistries: [registryHost!],
    resolveTimeout: 3_000,
  };
  // Node discovery as the API would give it: an amd64 and an arm64 pool.
  const running = await startWebhook(config, { cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }) });
  process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)));
  report(running.url);
}

function baseline(): void {
  const server = createServer({ cert: readFileSync(certFile!), key: readFileSync(keyFile!), minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string } };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } }));
    });
  });
  server.listen(0, '127.0.0.1', () => report(`https://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (kind === 'webhook') await webhook();
else baseline();
