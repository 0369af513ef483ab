/**
 * Child process for bench/admission/run.ts: `webhook` runs the real webhook, compiled (`dist/`, as the image runs
 * it; only this file goes through tsx, and the floor's request handlers below carry no keepNames wrappers), with a
 * real RegistryClient against the bench registry and info logs to stdout; `baseline` a minimal HTTPS server that
 * parses the AdmissionReview and answers allowed:true. run.ts starts both with the chart's NODE_OPTIONS. Both report their URL over IPC. With ARCHCHECK_BENCH_WORKERS=N (> 1) the process is a node:cluster
 * primary with N workers sharing one port (round-robin), as N replicas behind a Service would share the load.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { WebhookConfig } from '../../webhook/config.js';
import { distModule } from '../compiled-webhook.js';
import { observePauses } from './pauses.js';

type ConfigModule = typeof import('../../webhook/config.js');
type StartModule = typeof import('../../webhook/start-webhook.js');
type FakeClusterModule = typeof import('../../webhook/testing/fake-cluster.js');

// Production runs compiled JS without source maps; tsx turns them on, which makes every Error's stack costly.
process.setSourceMapsEnabled(false);

const [, , kind, certFile, keyFile, registryHost] = process.argv;

function report(url: string): void {
  process.send?.({ url });
}

/** In a single server process, run.ts asks before and after each pass what stalled the event loop (pauses.ts). */
function answerPauseQueries(): void {
  const pauses = observePauses();
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'pauses') process.send?.({ pauses: pauses.take() });
  });
}

async function webhook(): Promise<void> {
  const { defaultConfig } = (await import(distModule('webhook/config.js'))) as ConfigModule;
  const { startWebhook } = (await import(distModule('webhook/start-webhook.js'))) as StartModule;
  const { fakeCluster } = (await import(distModule('webhook/testing/fake-cluster.js'))) as FakeClusterModule;
  const config: WebhookConfig = {
    ...defaultConfig,
    listen: { host: '127.0.0.1', port: 0 },
    tlsCertFile: certFile!,
    tlsPrivateKeyFile: keyFile!,
    insecureRegistries: [registryHost!],
    // Experiments only (the bench's figures are at info, as the chart runs it): ARCHCHECK_BENCH_LOG_LEVEL=warn drops the decision log line.
    ...(process.env.ARCHCHECK_BENCH_LOG_LEVEL && { logLevel: process.env.ARCHCHECK_BENCH_LOG_LEVEL as WebhookConfig['logLevel'] }),
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

const WORKERS = Number(process.env.ARCHCHECK_BENCH_WORKERS ?? 1);

/** The primary forks the workers and reports the shared URL once every worker listens. */
function primary(): void {
  const urls: string[] = [];
  for (let i = 0; i < WORKERS; i++) {
    cluster.fork().on('message', (m: { url: string }) => {
      urls.push(m.url);
      if (urls.length === WORKERS) report(urls[0]!);
    });
  }
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
}

if (WORKERS > 1 && cluster.isPrimary) primary();
else {
  if (WORKERS <= 1) answerPauseQueries();
  if (kind === 'webhook') await webhook();
  else baseline();
}
