/**
 * Admission benchmark (not a timed test): the webhook with realistic pod bodies and a warm cache vs a minimal HTTPS
 * server answering allowed:true, same machine, same run, a fixed 1,000 req/s each; then an unthrottled pass for
 * headroom. Appends a dated section to BENCHMARKS.md.
 *
 *   npx tsx bench/admission/run.ts [--duration 20] [--rate 1000] [--connections 10] [--no-write]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { Agent, fetch } from 'undici';
import { pushStandardFixtures } from '../../test/registry/fixtures.js';
import { startRegistry } from '../../test/registry/registry.js';
import type { AdmissionReview } from '../../webhook/admission/review.js';
import { loadFixture } from '../../webhook/testing/fixtures.js';
import { localhostCertificates } from '../../webhook/testing/test-server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const DURATION = flag('duration', 20);
const RATE = flag('rate', 1_000);
const CONNECTIONS = flag('connections', 10);
const WRITE = !process.argv.includes('--no-write');

function startChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env.ARCHCHECK_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ARCHCHECK_BENCH_CPU_PROF}`] : [];
  const child = fork(join(HERE, 'servers.ts'), args, { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url }));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

/** Realistic AdmissionReviews: a Deployment's pod (3 images), a pod with its own affinity, a DaemonSet. */
function bodies(images: { multi: string; amd64: string; arm64: string }): string[] {
  const deploymentPod = loadFixture('pod-create-deployment.json');
  const pod = deploymentPod.request!.object as { spec: { containers: { image: string }[]; initContainers: { image: string }[] } };
  pod.spec.containers[0]!.image = images.multi;
  pod.spec.containers[1]!.image = images.amd64;
  pod.spec.initContainers[0]!.image = images.multi;
  const affinityPod = loadFixture('pod-create-with-affinity.json');
  (affinityPod.request!.object as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image = images.arm64;
  const daemonSet = loadFixture('daemonset-create.json');
  (daemonSet.request!.object as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image = images.multi;
  return [deploymentPod, affinityPod, daemonSet].map((r: AdmissionReview) => JSON.stringify(r));
}

async function warm(url: string, ca: string, payloads: string[]): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  for (let round = 0; round < 3; round++) {
    for (const body of payloads) {
      const res = await fetch(`${url}/mutate?timeout=10s`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const review = (await res.json()) as AdmissionReview;
      if (round === 2 && review.response?.auditAnnotations?.decision !== 'injected') throw new Error(`warm-up answer not placed: ${JSON.stringify(review.response)}`);
    }
  }
  await agent.close();
}

function load(url: string, payloads: string[], rate: number | undefined, duration: number): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    ...(rate && { overallRate: rate }),
    requests: payloads.map((body) => ({ method: 'POST', path: '/mutate?timeout=10s', headers: { 'content-type': 'application/json' }, body })),
  });
}

function row(name: string, r: Result): string {
  return `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50.toFixed(2)} | ${r.latency.p99.toFixed(2)} | ${r.latency.max.toFixed(2)} | ${r['2xx']} | ${r.non2xx + r.errors + r.timeouts} |`;
}

async function main(): Promise<void> {
  const registry = await startRegistry({ name: 'bench' });
  const fx = await pushStandardFixtures(registry, { bigManifest: false });
  const certs = localhostCertificates();
  const dir = mkdtempSync(join(tmpdir(), 'archcheck-bench-'));
  writeFileSync(join(dir, 'tls.crt'), certs.serving.certPem);
  writeFileSync(join(dir, 'tls.key'), certs.serving.keyPem);
  const certArgs = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
  const webhook = await startChild(['webhook', ...certArgs, registry.host]);
  const baseline = await startChild(['baseline', ...certArgs]);
  try {
    const payloads = bodies({ multi: fx.multi.ref, amd64: fx.singleAmd64.ref, arm64: fx.singleArm64.ref });
    await warm(webhook.url, certs.ca.certPem, payloads);
    const fixed = { baseline: await load(baseline.url, payloads, RATE, DURATION), webhook: await load(webhook.url, payloads, RATE, DURATION) };
    const max = { baseline: await load(baseline.url, payloads, undefined, 10), webhook: await load(webhook.url, payloads, undefined, 10) };
    const ratio = fixed.webhook.requests.average / fixed.baseline.requests.average;
    const headroom = max.webhook.requests.average / max.baseline.requests.average;
    const section = [
      `## ${new Date().toISOString().slice(0, 10)} — admission webhook vs minimal HTTPS server`,
      '',
      `Command: \`npx tsx bench/admission/run.ts --duration ${DURATION} --rate ${RATE} --connections ${CONNECTIONS}\``,
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine).`,
      'Bodies: a Deployment pod (3 images), a pod with its own affinity, a DaemonSet; real RegistryClient against a local',
      'docker-registry with a warm cache; webhook logs at info to /dev/null; both servers in their own process.',
      '',
      `Fixed ${RATE} req/s for ${DURATION} s, ${CONNECTIONS} connections (latency in ms, corrected for coordinated omission):`,
      '',
      '| server | req/s | p50 | p99 | max | 2xx | errors |',
      '|---|---|---|---|---|---|---|',
      row('minimal allowed:true', fixed.baseline),
      row('archcheck webhook', fixed.webhook),
      '',
      `Throughput ratio at ${RATE} req/s: **${ratio.toFixed(2)}** (target ≥ 0.7); webhook p99 **${fixed.webhook.latency.p99.toFixed(2)} ms** (target ≤ 5 ms).`,
      '',
      `Unthrottled, 10 s each: baseline ${max.baseline.requests.average.toFixed(0)} req/s (p99 ${max.baseline.latency.p99.toFixed(1)} ms), webhook ${max.webhook.requests.average.toFixed(0)} req/s (p99 ${max.webhook.latency.p99.toFixed(1)} ms): ratio ${headroom.toFixed(2)}.`,
      '',
    ].join('\n');
    process.stdout.write(`${section}\n`);
    if (WRITE) {
      const file = join(ROOT, 'BENCHMARKS.md');
      if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\n');
      appendFileSync(file, `\n${section}`);
    }
  } finally {
    await Promise.all([webhook.child, baseline.child].map((child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))));
    await registry.stop();
  }
}

await main();
