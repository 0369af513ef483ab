/**
 * Audit benchmark (not a timed test): 5,000 pods in 500 Deployments using 500 distinct images, read from a stub API
 * server with paging, images in a real docker-registry (distribution 2.8) behind the counting proxy, which delays
 * every registry request by 50 ms. Each scenario runs the whole `kubectl archcheck -A -o json` in-process.
 *
 *   npx tsx bench/audit/run.ts [--pods 5000] [--images 500] [--latency-ms 50] [--append]
 *
 * --append adds the figures, with the date and this command, to BENCHMARKS.md.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditReport } from '../../plugin/audit/report.js';
import { runCli } from '../../plugin/cli.js';
import { startCountingProxy, type CountingProxy } from '../../test/registry/counting-proxy.js';
import { startRegistry } from '../../test/registry/registry.js';
import { populateRegistry } from './populate-registry.js';
import { startStubApiServer } from './stub-apiserver.js';
import { syntheticCluster } from './synthetic-cluster.js';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '5000' },
    images: { type: 'string', default: '500' },
    'latency-ms': { type: 'string', default: '50' },
    append: { type: 'boolean', default: false },
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

interface Result {
  scenario: Scenario;
  seconds: number;
  requests: string;
  workloads: number;
  summary: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'cold, defaults (32 requests per registry, platforms verified)', flags: [] },
  { name: 'second run, warm on-disk cache', flags: [], warm: true },
  { name: 'cold, --registry-concurrency 8 (the webhook default)', flags: ['--registry-concurrency', '8'] },
  { name: 'cold, --registry-concurrency 8 --no-verify-platforms', flags: ['--registry-concurrency', '8', '--no-verify-platforms'] },
  { name: 'cold, --no-verify-platforms', flags: ['--no-verify-platforms'] },
];

function requestCounts(proxy: CountingProxy): string {
  const byKind = new Map<string, number>();
  for (const r of proxy.requests) {
    const k = `${r.method} ${r.kind}`;
    byKind.set(k, (byKind.get(k) ?? 0) + 1);
  }
  return [...byKind].sort().map(([k, n]) => `${n}× ${k}`).join(', ') || '0';
}

async function runScenario(s: Scenario, ctx: { kubeconfig: string; proxy: CountingProxy; registryHost: string; cacheDir: string; work: string }): Promise<Result> {
  ctx.proxy.reset();
  ctx.proxy.inject({ kind: 'delay', ms: LATENCY, times: Infinity });
  let stdout = '';
  let stderr = '';
  const started = performance.now();
  const code = await runCli(
    ['-A', '-o', 'json', '--kubeconfig', ctx.kubeconfig, '--insecure-registry', ctx.registryHost, '--registry-config', join(ctx.work, 'docker-config.json'), '--cloud-auth', 'none', '--cache-dir', ctx.cacheDir, ...s.flags],
    { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x), env: {} },
  );
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${s.name}: exit ${code}: ${stderr}`);
  const report = JSON.parse(stdout) as AuditReport;
  const b = report.summary.byStatus;
  return {
    scenario: s,
    seconds,
    requests: requestCounts(ctx.proxy),
    workloads: report.workloads.length,
    summary: `${b.ok} ok, ${b['at-risk']} at-risk, ${b.broken} broken, ${b.unknown} unknown`,
  };
}

const work = mkdtempSync(join(tmpdir(), 'archcheck-bench-audit-'));
writeFileSync(join(work, 'docker-config.json'), '{"auths":{}}');
const registry = await startRegistry({ name: 'bench-audit', auth: 'none' });
const proxy = await startCountingProxy(registry.url);
try {
  const t0 = performance.now();
  const images = await populateRegistry(registry, { total: IMAGES, multiShare: 0.6, arm64Share: 0.1 }, proxy.host);
  const pushSeconds = (performance.now() - t0) / 1000;
  const cluster = syntheticCluster({ images, pods: PODS, nodesPerArch: 25, namespaces: 20 });
  const api = await startStubApiServer(cluster);
  const kubeconfig = join(work, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, api.kubeconfig);
  // Load the plugin's modules (client-node, undici) once, so the first scenario does not pay for it.
  await runCli(['nodes', '-o', 'json', '--kubeconfig', kubeconfig], { stdout: () => undefined, stderr: () => undefined, env: {} });
  const results: Result[] = [];
  let cacheDir = '';
  for (const s of SCENARIOS) {
    if (!s.warm) cacheDir = mkdtempSync(join(work, 'cache-'));
    results.push(await runScenario(s, { kubeconfig, proxy, registryHost: proxy.host, cacheDir, work }));
    process.stderr.write(`${s.name}: ${results.at(-1)!.seconds.toFixed(2)} s\n`);
  }
  await api.stop();
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    '',
    `## Audit: ${PODS} pods, ${IMAGES} images, ${LATENCY} ms registry latency — ${date}`,
    '',
    `Command: \`npx tsx bench/audit/run.ts${values.append ? ' --append' : ''}\`. Pods, ReplicaSets and Deployments (${cluster.deployments.length}) come from a loopback stub of the API server's list endpoints with limit/continue paging (bench/audit/stub-apiserver.ts; 500 per page as the plugin asks); the ${IMAGES} images (60% OCI indexes amd64+arm64, 10% arm64-only, 30% amd64-only Docker v2 manifests) are in a real docker-registry 2.8 behind test/registry's counting proxy, which delays every request by ${LATENCY} ms. Each scenario is the whole \`kubectl archcheck -A -o json\` run in-process (node startup not included; loading the plugin and client-node adds 1–2 s). Pushing the images took ${pushSeconds.toFixed(0)} s. Machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end (shared with other work).`,
    '',
    '| scenario | wall time | registry requests | workloads | statuses |',
    '| --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.scenario.name} | ${r.seconds.toFixed(2)} s | ${r.requests} | ${r.workloads} | ${r.summary} |`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.append) appendFileSync(join(import.meta.dirname, '..', '..', 'BENCHMARKS.md'), lines.join('\n'));
} finally {
  await proxy.stop();
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
