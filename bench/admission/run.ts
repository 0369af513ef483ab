/**
 * Admission benchmark (not a timed test): the webhook with realistic pod bodies and a warm cache vs a minimal HTTPS
 * server answering allowed:true (the floor of its stack), same machine, same run. Each run is a fixed-rate pass
 * (1,000 req/s) and an unthrottled pass for each server, interleaved; the table gives the median of the runs. The
 * load generator (this process) is pinned to the last CPU and the servers to the others with taskset, so they do not
 * compete for one core. Both servers run with the chart's Deployment environment (NODE_OPTIONS, allocator settings,
 * rendered by helm), the webhook from the compiled `dist/` (build it first: `npx tsc -p tsconfig.build.json`).
 * --workers N runs each server as N node:cluster processes sharing one port (round-robin), as the chart's replicas
 * share the load. Each single-process server also reports what stalled its event loop during each fixed-rate pass
 * (GC by kind, event-loop delay: pauses.ts), printed beside that pass's p99. --prewarm S sends S seconds of the same
 * load, unmeasured, before every pass (a pass then starts in steady state, not in the first second after the
 * server sat idle through the other's pass). ARCHCHECK_BENCH_NODE_ARGS adds node/V8 flags to both servers
 * (experiments, e.g. `--single-threaded-gc`, which NODE_OPTIONS refuses). Appends a dated section to BENCHMARKS.md.
 *
 *   npx tsx bench/admission/run.ts [--duration 20] [--max-duration 10] [--rate 1000] [--connections 10] [--runs 3]
 *                                  [--workers 1] [--prewarm 0] [--quick] [--no-write]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { Agent, fetch } from 'undici';
import { pushStandardFixtures } from '../../test/registry/fixtures.js';
import { startRegistry } from '../../test/registry/registry.js';
import type { AdmissionReview } from '../../webhook/admission/review.js';
import { localhostCertificates } from '../../webhook/testing/test-server.js';
import { deploymentEnv, requireFreshDist } from '../compiled-webhook.js';
import { appendToBenchmarks, loadAverage, machine, numberFlag, sectionHeading } from '../harness.js';
import { cpuPlan, processStat } from '../process-usage.js';
import { bodies } from './bodies.js';
import { describePauses, observePauses, type PauseReport } from './pauses.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const QUICK = process.argv.includes('--quick');
const DURATION = numberFlag('duration', QUICK ? 3 : 20);
const MAX_DURATION = numberFlag('max-duration', QUICK ? 3 : 10);
const RATE = numberFlag('rate', 1_000);
const CONNECTIONS = numberFlag('connections', 10);
const RUNS = numberFlag('runs', QUICK ? 1 : 3);
const WORKERS = numberFlag('workers', 1);
const WRITE = !process.argv.includes('--no-write');
const PREWARM = numberFlag('prewarm', 0);

const CPUS = cpuPlan();

/** utime + stime of one process, in seconds, and its parent; 0 when it is gone. */
function processCpu(pid: string): { ppid: string; seconds: number } {
  try {
    const stat = processStat(pid);
    return { ppid: stat.ppid, seconds: stat.cpuSeconds };
  } catch {
    return { ppid: '', seconds: 0 };
  }
}

/**
 * CPU seconds used so far by a server process and its direct children (the node:cluster workers). Other work on a
 * shared machine steals wall time from the two servers unevenly; it moves CPU per request less (caches, frequency).
 */
function serverCpuSeconds(pid: number): number {
  let total = processCpu(String(pid)).seconds;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = processCpu(entry);
    if (p.ppid === String(pid)) total += p.seconds;
  }
  return total;
}

interface Server {
  child: ChildProcess;
  url: string;
}

function startChild(args: string[], chartEnv: Record<string, string>): Promise<Server> {
  const profile = process.env.ARCHCHECK_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ARCHCHECK_BENCH_CPU_PROF}`] : [];
  // ARCHCHECK_BENCH_NODE_ARGS: extra node/V8 flags for both servers (experiments; e.g. flags NODE_OPTIONS refuses).
  const extra = process.env.ARCHCHECK_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const node = [process.execPath, ...extra, '--import', 'tsx', ...profile, join(HERE, 'servers.ts'), ...args];
  const [command, ...rest] = CPUS ? ['taskset', '-c', CPUS.servers, ...node] : node;
  const child = spawn(command!, rest, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...chartEnv, ARCHCHECK_BENCH_WORKERS: String(WORKERS) } });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url }));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

async function warm(url: string, ca: string, payloads: string[]): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  // Every worker must see every body (round-robin across fresh connections is not guaranteed): plenty of rounds.
  const rounds = 3 * WORKERS * WORKERS;
  for (let round = 0; round < rounds; round++) {
    for (const body of payloads) {
      const res = await fetch(`${url}/mutate?timeout=10s`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const review = (await res.json()) as AdmissionReview;
      if (round === rounds - 1 && review.response?.auditAnnotations?.decision !== 'injected') throw new Error(`warm-up answer not placed: ${JSON.stringify(review.response)}`);
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

interface Pass {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  errors: number;
  /** Server CPU (user + system) per answered request, in microseconds. */
  cpuUs: number;
  /** What stalled the server's event loop during the pass (single-process servers only). */
  pauses?: PauseReport;
  /** The same for this process, the load generator, during the pass: a stall here is latency the server never saw. */
  generator?: PauseReport;
}

/** The load generator's own pauses (this process; autocannon runs on its event loop). */
const generatorPauses = observePauses();

/** The server's pause report since the last ask (servers.ts answers over IPC); undefined for node:cluster servers. */
function askPauses(server: Server): Promise<PauseReport | undefined> {
  if (WORKERS > 1) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onMessage = (m: { pauses?: PauseReport }): void => {
      if (!m.pauses) return;
      server.child.off('message', onMessage);
      resolve(m.pauses);
    };
    server.child.on('message', onMessage);
    server.child.send({ type: 'pauses' });
  });
}

const pass = (r: Result, cpuSeconds: number): Pass => ({
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  max: r.latency.max,
  ok: r['2xx'],
  errors: r.non2xx + r.errors + r.timeouts,
  cpuUs: (cpuSeconds * 1e6) / Math.max(1, r['2xx']),
});

/** One load pass against a server, with the CPU its processes spent on it. */
async function measured(server: Server, payloads: string[], rate: number | undefined, duration: number): Promise<Pass> {
  if (PREWARM > 0) await load(server.url, payloads, rate, PREWARM);
  await askPauses(server);
  generatorPauses.take();
  const before = serverCpuSeconds(server.child.pid!);
  const result = await load(server.url, payloads, rate, duration);
  const measuredPass = { ...pass(result, serverCpuSeconds(server.child.pid!) - before), generator: generatorPauses.take() };
  const pauses = await askPauses(server);
  return pauses ? { ...measuredPass, pauses } : measuredPass;
}

/** The median of each figure over the runs (runs are few: 1–5). */
function median(passes: Pass[]): Pass {
  const mid = (pick: (p: Pass) => number): number => {
    const sorted = passes.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  return { rps: mid((p) => p.rps), p50: mid((p) => p.p50), p99: mid((p) => p.p99), max: mid((p) => p.max), ok: mid((p) => p.ok), errors: mid((p) => p.errors), cpuUs: mid((p) => p.cpuUs) };
}

function row(name: string, p: Pass): string {
  return `| ${name} | ${p.rps.toFixed(0)} | ${p.p50.toFixed(2)} | ${p.p99.toFixed(2)} | ${p.max.toFixed(2)} | ${p.ok} | ${p.errors} | ${p.cpuUs.toFixed(0)} |`;
}

/** The floor and the webhook under one load, as a table. */
function table(pair: { baseline: Pass; webhook: Pass }): string[] {
  return [
    '| server | req/s | p50 | p99 | max | 2xx | errors | server CPU µs/request |',
    '|---|---|---|---|---|---|---|---|',
    row('minimal allowed:true', pair.baseline),
    row('archcheck webhook', pair.webhook),
  ];
}

interface Measured {
  fixed: { baseline: Pass; webhook: Pass };
  /** Each run's fixed-rate passes: p99 and what paused each server. */
  fixedRuns: { baseline: Pass; webhook: Pass }[];
  max: { baseline: Pass; webhook: Pass };
  each: string[];
  /** Median of the runs' webhook/floor max-throughput ratios (each ratio from one run, under one load). */
  ratio: number;
}

/** RUNS rounds, each: floor and webhook at the fixed rate, then both unthrottled. */
async function measure(baseline: Server, webhook: Server, payloads: string[]): Promise<Measured> {
  const runs: { fb: Pass; fw: Pass; mb: Pass; mw: Pass }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const fb = await measured(baseline, payloads, RATE, DURATION);
    const fw = await measured(webhook, payloads, RATE, DURATION);
    const mb = await measured(baseline, payloads, undefined, MAX_DURATION);
    const mw = await measured(webhook, payloads, undefined, MAX_DURATION);
    runs.push({ fb, fw, mb, mw });
  }
  return {
    fixed: { baseline: median(runs.map((r) => r.fb)), webhook: median(runs.map((r) => r.fw)) },
    fixedRuns: runs.map((r) => ({ baseline: r.fb, webhook: r.fw })),
    max: { baseline: median(runs.map((r) => r.mb)), webhook: median(runs.map((r) => r.mw)) },
    each: runs.map((r) => `${(r.mw.rps / r.mb.rps).toFixed(2)} (${r.mw.rps.toFixed(0)} / ${r.mb.rps.toFixed(0)})`),
    ratio: runs.map((r) => r.mw.rps / r.mb.rps).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!,
  };
}

/** Per run, what paused each server during its fixed-rate pass (GC by kind, event-loop delay), beside its p99. */
function pauseLines(runs: { baseline: Pass; webhook: Pass }[]): string[] {
  const lines = runs.flatMap((r, i) =>
    (['baseline', 'webhook'] as const).flatMap((which) => {
      const p = r[which];
      const name = which === 'baseline' ? 'floor' : 'webhook';
      return [
        ...(p.pauses ? [`- run ${i + 1}, ${name}: p99 ${p.p99.toFixed(1)} ms — ${describePauses(p.pauses)}`] : []),
        ...(p.generator ? [`  - load generator during that pass: ${describePauses(p.generator)}`] : []),
      ];
    }),
  );
  return lines.length ? ['Inside each server during its fixed-rate pass (bench/admission/pauses.ts: request time from its request event to its finish, GC by kind, event-loop delay and stalls, main-thread preemptions):', '', ...lines, ''] : [];
}

function section(m: Measured, loadBefore: string, chartEnv: Record<string, string>): string {
  const p99Gap = m.fixed.webhook.p99 - m.fixed.baseline.p99;
  const args = `--duration ${DURATION} --max-duration ${MAX_DURATION} --rate ${RATE} --connections ${CONNECTIONS} --runs ${RUNS} --workers ${WORKERS}${PREWARM > 0 ? ` --prewarm ${PREWARM}` : ''}`;
  const extraFlags = [
    process.env.ARCHCHECK_BENCH_NODE_ARGS ? ` Extra node flags (ARCHCHECK_BENCH_NODE_ARGS): \`${process.env.ARCHCHECK_BENCH_NODE_ARGS}\`.` : '',
    process.env.ARCHCHECK_BENCH_LOG_LEVEL ? ` Webhook log level ${process.env.ARCHCHECK_BENCH_LOG_LEVEL} (ARCHCHECK_BENCH_LOG_LEVEL), not the chart's info.` : '',
  ].join('');
  const pinning = CPUS ? `servers pinned to CPU ${CPUS.servers}, load generator to CPU ${CPUS.generator} (taskset)` : 'no CPU pinning (taskset or a second CPU missing)';
  return [
    sectionHeading(`admission webhook vs minimal HTTPS server${WORKERS > 1 ? `, ${WORKERS} processes each` : ''}`),
    '',
    `Command: \`npx tsx bench/admission/run.ts ${args}\``,
    `Machine: ${machine()}; ${pinning}; load average ${loadBefore} before, ${loadAverage()} after (shared machine: other engineers' tests run beside it).`,
    `Processes: the webhook compiled (dist/), both servers with the chart's environment: ${Object.entries(chartEnv).map(([k, v]) => `${k}=${v}`).join(' ')}.${extraFlags}`,
    `Bodies: a Deployment pod (3 images), a pod with its own affinity, a DaemonSet; real RegistryClient against a local docker-registry with a warm cache; webhook logs at info to /dev/null; ${WORKERS > 1 ? `each server is ${WORKERS} node:cluster workers on one port (round-robin)` : 'each server in its own process'}. Median of ${RUNS} run(s).`,
    '',
    `Fixed ${RATE} req/s for ${DURATION} s, ${CONNECTIONS} connections (latency in ms, corrected for coordinated omission):`,
    '',
    ...table(m.fixed),
    '',
    ...pauseLines(m.fixedRuns),
    `Unthrottled, ${MAX_DURATION} s each:`,
    '',
    ...table(m.max),
    '',
    `Server CPU per request, unthrottled: floor ${m.max.baseline.cpuUs.toFixed(0)} µs, webhook ${m.max.webhook.cpuUs.toFixed(0)} µs — floor/webhook **${(m.max.baseline.cpuUs / m.max.webhook.cpuUs).toFixed(2)}**, the throughput ratio the two would have with a core each to themselves (wall-clock figures on a shared machine swing with the other work; CPU per request less so, but compare runs made under the same load).`,
    '',
    `Max throughput ratio webhook/floor, median of the runs' ratios: **${m.ratio.toFixed(2)}** (target ≥ 0.7; each run: ${m.each.join(', ')}); p99 at ${RATE} req/s: webhook ${m.fixed.webhook.p99.toFixed(1)} ms vs floor ${m.fixed.baseline.p99.toFixed(1)} ms, **${p99Gap >= 0 ? '+' : ''}${p99Gap.toFixed(1)} ms** (target ≤ +2 ms).`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (CPUS) execFileSync('taskset', ['-cp', CPUS.generator, String(process.pid)], { stdio: 'ignore' });
  requireFreshDist();
  const chartEnv = await deploymentEnv();
  const loadBefore = loadAverage();
  const registry = await startRegistry({ name: 'bench' });
  const fx = await pushStandardFixtures(registry, { bigManifest: false });
  const certs = localhostCertificates();
  const dir = mkdtempSync(join(tmpdir(), 'archcheck-bench-'));
  writeFileSync(join(dir, 'tls.crt'), certs.serving.certPem);
  writeFileSync(join(dir, 'tls.key'), certs.serving.keyPem);
  const certArgs = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
  const webhook = await startChild(['webhook', ...certArgs, registry.host], chartEnv);
  const baseline = await startChild(['baseline', ...certArgs], chartEnv);
  try {
    const payloads = bodies({ multi: fx.multi.ref, amd64: fx.singleAmd64.ref, arm64: fx.singleArm64.ref });
    await warm(webhook.url, certs.ca.certPem, payloads);
    const text = section(await measure(baseline, webhook, payloads), loadBefore, chartEnv);
    process.stdout.write(`${text}\n`);
    if (WRITE) appendToBenchmarks(text);
  } finally {
    await Promise.all([webhook.child, baseline.child].map((child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))));
    await registry.stop();
  }
}

await main();
