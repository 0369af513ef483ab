/**
 * Audit benchmark (not a timed test): 5,000 pods in 500 Deployments using 500 distinct images, read from a loopback
 * stand-in of the API server's list endpoints (limit/continue paging), every registry request answered after 50 ms.
 * Each scenario runs the whole `kubectl archcheck -A -o json` in-process.
 *
 *   npx tsx bench/audit/run.ts [--registry stub|real] [--pods 5000] [--images 500] [--latency-ms 50] [--only 1,2] [--append]
 *
 * --registry stub (default): an in-memory registry in a child process (bench/audit/stub-registry.ts), so the figures
 *   are archcheck's own under latency. --registry real: a real docker-registry 2.8 behind test/registry's counting
 *   proxy with a delay fault (its own throughput on this machine dominates). --append adds the figures to BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AuditReport } from '../../plugin/audit/report.js';
import { runCli } from '../../plugin/cli.js';
import { startCountingProxy } from '../../test/registry/counting-proxy.js';
import { startRegistry } from '../../test/registry/registry.js';
import { populateRegistry } from './populate-registry.js';
import { startStubApiServer } from './stub-apiserver.js';
import { syntheticCluster } from './synthetic-cluster.js';

const { values } = parseArgs({
  options: {
    registry: { type: 'string', default: 'stub' },
    pods: { type: 'string', default: '5000' },
    images: { type: 'string', default: '500' },
    'latency-ms': { type: 'string', default: '50' },
    append: { type: 'boolean', default: false },
    // Run only the scenarios at these 1-based positions (e.g. "1" or "1,2"), to profile one of them.
    only: { type: 'string' },
  },
});
const PODS = Number(values.pods);
const IMAGES = Number(values.images);
const LATENCY = Number(values['latency-ms']);

interface Scenario {
  name: string;
  flags: string[];
  /** Reuse the previous scenario's cache directory (a second run). */
  warm?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'cold cache, defaults (32 requests per registry, platforms verified)', flags: [] },
  { name: 'second run, warm on-disk cache', flags: [], warm: true },
  { name: 'cold, --no-verify-platforms', flags: ['--no-verify-platforms'] },
  { name: 'cold, --registry-concurrency 8 (the webhook default)', flags: ['--registry-concurrency', '8'] },
  { name: 'cold, --registry-concurrency 8 --no-verify-platforms', flags: ['--registry-concurrency', '8', '--no-verify-platforms'] },
  // The cold default without the on-disk caches: what their writes cost beside the registry client's own work.
  { name: 'cold, --no-cache', flags: ['--no-cache'] },
];

/** Where the audit reads from, and how registry requests are counted. */
interface Setup {
  kubeconfig: string;
  registryHost: string;
  description: string;
  reset(): Promise<void>;
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function stubSetup(work: string): Promise<Setup> {
  const kubeconfig = join(work, 'kubeconfig.yaml');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'stub-servers.ts'), String(PODS), String(IMAGES), String(LATENCY), kubeconfig], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`stub servers exited ${code}`)));
  });
  const { registryHost } = JSON.parse(line) as { registryHost: string };
  const control = (path: string): Promise<Response> => fetch(`http://${registryHost}${path}`);
  return {
    kubeconfig,
    registryHost,
    description: `an in-memory registry stand-in (bench/audit/stub-registry.ts, manifests and configs built by test/registry/oci.ts) in a child process, answering every request after ${LATENCY} ms`,
    reset: async () => void (await control('/_reset')),
    counts: async () => (await (await control('/_stats')).json()) as Record<string, number>,
    stop: () => {
      child.kill('SIGTERM');
      return Promise.resolve();
    },
  };
}

async function realSetup(work: string): Promise<Setup> {
  const registry = await startRegistry({ name: 'bench-audit', auth: 'none' });
  const proxy = await startCountingProxy(registry.url);
  const t0 = performance.now();
  const images = await populateRegistry(registry, IMAGES, proxy.host);
  const pushSeconds = (performance.now() - t0) / 1000;
  const api = await startStubApiServer(syntheticCluster({ images, pods: PODS, nodesPerArch: 25, namespaces: 20 }));
  const kubeconfig = join(work, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, api.kubeconfig);
  return {
    kubeconfig,
    registryHost: proxy.host,
    description: `a real docker-registry 2.8 (images pushed in ${pushSeconds.toFixed(0)} s) behind test/registry's counting proxy with a ${LATENCY} ms delay fault on every request; proxy and API stand-in run in the measured process, and the registry's own throughput on this machine dominates`,
    reset: () => {
      proxy.reset();
      proxy.inject({ kind: 'delay', ms: LATENCY, times: Infinity });
      return Promise.resolve();
    },
    counts: () => {
      const counts: Record<string, number> = {};
      for (const r of proxy.requests) counts[`${r.method} ${r.kind}`] = (counts[`${r.method} ${r.kind}`] ?? 0) + 1;
      return Promise.resolve(counts);
    },
    stop: async () => {
      await api.stop();
      await proxy.stop();
      await registry.stop();
    },
  };
}

interface Result {
  scenario: Scenario;
  seconds: number;
  /** CPU (user + system) the measured process used: close to `seconds` means CPU-bound, not waiting on latency. */
  cpuSeconds: number;
  requests: string;
  workloads: number;
  summary: string;
}

async function audit(setup: Setup, cacheDir: string, work: string, flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const args = ['-A', '-o', 'json', '--kubeconfig', setup.kubeconfig, '--insecure-registry', setup.registryHost, '--registry-config', join(work, 'docker-config.json'), '--cloud-auth', 'none', '--cache-dir', cacheDir, ...flags];
  const code = await runCli(args, { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x), env: {} });
  return { code, stdout, stderr };
}

async function runScenario(s: Scenario, setup: Setup, cacheDir: string, work: string): Promise<Result> {
  await setup.reset();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const r = await audit(setup, cacheDir, work, s.flags);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  if (r.code !== 0) throw new Error(`${s.name}: exit ${r.code}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as AuditReport;
  const b = report.summary.byStatus;
  const counts = Object.entries(await setup.counts()).sort().map(([k, n]) => `${n}× ${k}`);
  return { scenario: s, seconds, cpuSeconds, requests: counts.join(', ') || '0', workloads: report.workloads.length, summary: `${b.ok} ok, ${b['at-risk']} at-risk, ${b.broken} broken, ${b.unknown} unknown` };
}

const work = mkdtempSync(join(tmpdir(), 'archcheck-bench-audit-'));
writeFileSync(join(work, 'docker-config.json'), '{"auths":{}}');
const setup = values.registry === 'real' ? await realSetup(work) : await stubSetup(work);
try {
  // Load the plugin's modules (client-node, undici, the audit's own, lazily imported) once, so the first scenario
  // does not pay for it: one whole audit without the disk cache, not measured.
  await setup.reset();
  await audit(setup, mkdtempSync(join(work, 'cache-')), work, ['--no-cache']);
  const results: Result[] = [];
  let cacheDir = '';
  const only = values.only?.split(',').map(Number);
  for (const s of SCENARIOS.filter((_, i) => only === undefined || only.includes(i + 1))) {
    // A warm scenario run alone (--only) starts from an empty cache of its own, never from '' (the current directory).
    if (!s.warm || cacheDir === '') cacheDir = mkdtempSync(join(work, 'cache-'));
    results.push(await runScenario(s, setup, cacheDir, work));
    process.stderr.write(`${s.name}: ${results.at(-1)!.seconds.toFixed(2)} s (CPU ${results.at(-1)!.cpuSeconds.toFixed(2)} s)\n`);
  }
  const date = new Date().toISOString().slice(0, 10);
  const command = `npx tsx bench/audit/run.ts --registry ${values.registry} --pods ${PODS} --images ${IMAGES} --latency-ms ${LATENCY}${values.only ? ` --only ${values.only}` : ''}${values.append ? ' --append' : ''}`;
  const lines = [
    '',
    `## Audit: ${PODS} pods, ${IMAGES} images, ${LATENCY} ms registry latency (${values.registry} registry) — ${date}`,
    '',
    `Command: \`${command}\`. ${PODS} pods in ${IMAGES} Deployments (with their ReplicaSets) across 20 namespaces and 50 nodes (25 amd64; 25 arm64 tainted kubernetes.io/arch=arm64:NoSchedule) come from a loopback stand-in of the API server's list endpoints with limit/continue paging (bench/audit/stub-apiserver.ts; 500 objects per page). The ${IMAGES} images (60% OCI indexes amd64+arm64, 10% arm64-only, 30% amd64-only Docker v2 manifests) are served by ${setup.description}. Each scenario is the whole \`kubectl archcheck -A -o json\` run in-process: node startup and loading the plugin (1–2 s, most of it client-node) are not included. Machine: ${cpus().length} cores shared with other work, load average ${loadavg()[0]!.toFixed(1)} at the end.`,
    '',
    '| scenario | wall time | CPU time | registry requests | workloads | statuses |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.scenario.name} | ${r.seconds.toFixed(2)} s | ${r.cpuSeconds.toFixed(2)} s | ${r.requests} | ${r.workloads} | ${r.summary} |`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.append) appendFileSync(join(import.meta.dirname, '..', '..', 'BENCHMARKS.md'), lines.join('\n'));
} finally {
  await setup.stop();
  rmSync(work, { recursive: true, force: true });
}
