/**
 * A/B of compiled webhook builds (not a timed test): each build a server process on the same CPU, the load
 * generator on another (taskset), unthrottled bursts in turn (A B C, then C B A, …) so the machine's other work
 * falls on all of them alike. Prints each build's server CPU per request (median of the rounds), context switches
 * per request (all threads), and the median of its per-round ratios to the first build. Fails when two builds give
 * different answers (status, headers but Date, body) to the warm-up requests: a speed-up must not change them.
 *
 *   cp -r dist .tmp/base          # the before, inside the repository (its imports resolve node_modules)
 *   npx tsc -p tsconfig.build.json    # the after, in dist/
 *   npx tsx bench/admission/compare-builds.ts .tmp/base dist [dist@--max-semi-space-size=16] [floor] [--rounds 6] [--seconds 4]
 *
 * `BUILD@FLAGS` appends comma-separated flags to the chart's NODE_OPTIONS for that server; `floor` is run.ts's
 * minimal allowed:true server.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { Agent, fetch } from 'undici';
import { pushStandardFixtures } from '../../test/registry/fixtures.js';
import { startRegistry } from '../../test/registry/registry.js';
import { localhostCertificates } from '../../webhook/testing/test-server.js';
import { deploymentEnv } from '../compiled-webhook.js';
import { loadAverage, machine, numberFlag, runBenchmark } from '../harness.js';
import { cpuPlan, processStat } from '../process-usage.js';
import { bodies } from './bodies.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROUNDS = numberFlag('rounds', 6);
const SECONDS = numberFlag('seconds', 4);
const BUILDS = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const CPUS = cpuPlan();

interface Server {
  build: string;
  child: ChildProcess;
  url: string;
}

interface Setup {
  registryHost: string;
  certFiles: [string, string];
  ca: string;
  chartEnv: Record<string, string>;
}

function start(build: string, setup: Setup): Promise<Server> {
  const [dist, flags] = build.split('@');
  const env: NodeJS.ProcessEnv = { ...process.env, ...setup.chartEnv };
  if (flags) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${flags.replaceAll(',', ' ')}`;
  if (dist !== 'floor') env.ARCHCHECK_BENCH_DIST = resolve(dist!);
  const args = [dist === 'floor' ? 'baseline' : 'webhook', ...setup.certFiles, setup.registryHost];
  const node = [process.execPath, '--import', 'tsx', join(HERE, 'servers.ts'), ...args];
  const [command, ...rest] = CPUS ? ['taskset', '-c', CPUS.servers, ...node] : node;
  const child = spawn(command!, rest, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env });
  return new Promise((done, fail) => {
    child.once('message', (m) => done({ build, child, url: (m as { url: string }).url }));
    child.once('exit', (code) => fail(new Error(`${build}: the server exited with ${code} before listening`)));
  });
}

/** The answers to the three bodies (status, headers but Date, body), after a few rounds to warm the caches. */
async function warm(server: Server, ca: string, payloads: string[]): Promise<string> {
  const agent = new Agent({ connect: { ca } });
  let answers: string[] = [];
  for (let round = 0; round < 3; round++) {
    answers = [];
    for (const body of payloads) {
      const res = await fetch(`${server.url}/mutate?timeout=10s`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
      answers.push(`${res.status} ${JSON.stringify([...res.headers].filter(([name]) => name !== 'date'))} ${await res.text()}`);
    }
  }
  await agent.close();
  return answers.join('\n');
}

const burst = (url: string, payloads: string[]): Promise<Result> =>
  autocannon({ url, connections: 10, duration: SECONDS, requests: payloads.map((body) => ({ method: 'POST', path: '/mutate?timeout=10s', headers: { 'content-type': 'application/json' }, body })) });

/** Voluntary and involuntary context switches of all the process's threads so far. */
function contextSwitches(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).reduce((sum, task) => {
    const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
    return sum + [...status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  }, 0);
}

/** One unthrottled burst: server CPU µs and context switches per answered request. */
async function measure(server: Server, payloads: string[]): Promise<{ cpuUs: number; switches: number }> {
  const pid = server.child.pid!;
  const [cpu, switches] = [processStat(pid).cpuSeconds, contextSwitches(pid)];
  const result = await burst(server.url, payloads);
  const ok = Math.max(1, result['2xx']);
  return { cpuUs: ((processStat(pid).cpuSeconds - cpu) * 1e6) / ok, switches: (contextSwitches(pid) - switches) / ok };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function compare(servers: Server[], payloads: string[]): Promise<void> {
  for (const server of servers) await burst(server.url, payloads); // the JIT's warm-up
  const cpu = servers.map((): number[] => []);
  const switches = servers.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = servers.map((_, i) => (round % 2 === 0 ? i : servers.length - 1 - i));
    for (const i of order) {
      const m = await measure(servers[i]!, payloads);
      cpu[i]!.push(m.cpuUs);
      switches[i]!.push(m.switches);
    }
  }
  servers.forEach((server, i) => {
    const ratio = i === 0 ? '' : `; ${median(cpu[i]!.map((v, r) => v / cpu[0]![r]!)).toFixed(3)} × ${servers[0]!.build} (median of the rounds' ratios)`;
    console.log(`${server.build}: ${median(cpu[i]!).toFixed(1)} µs CPU/request [${cpu[i]!.map((v) => v.toFixed(0)).join(' ')}], ${median(switches[i]!).toFixed(2)} context switches/request${ratio}`);
  });
}

async function main(): Promise<void> {
  if (BUILDS.length === 0) throw new Error('usage: compare-builds.ts BUILD_DIR|floor[@NODE_FLAGS] … [--rounds 6] [--seconds 4]');
  if (CPUS) execFileSync('taskset', ['-cp', CPUS.generator, String(process.pid)], { stdio: 'ignore' });
  const loadBefore = loadAverage();
  const registry = await startRegistry({ name: 'bench-compare' });
  const servers: Server[] = [];
  try {
    const fx = await pushStandardFixtures(registry, { bigManifest: false });
    const certs = localhostCertificates();
    const dir = mkdtempSync(join(tmpdir(), 'archcheck-compare-'));
    writeFileSync(join(dir, 'tls.crt'), certs.serving.certPem);
    writeFileSync(join(dir, 'tls.key'), certs.serving.keyPem);
    const setup: Setup = { registryHost: registry.host, certFiles: [join(dir, 'tls.crt'), join(dir, 'tls.key')], ca: certs.ca.certPem, chartEnv: await deploymentEnv() };
    for (const build of BUILDS) servers.push(await start(build, setup));
    const payloads = bodies({ multi: fx.multi.ref, amd64: fx.singleAmd64.ref, arm64: fx.singleArm64.ref });
    const answers = await Promise.all(servers.map((s) => warm(s, setup.ca, payloads)));
    const webhooks = servers.map((s, i) => ({ build: s.build, answer: answers[i]! })).filter((s) => !s.build.startsWith('floor'));
    const differing = webhooks.find((w) => w.answer !== webhooks[0]!.answer);
    if (differing) throw new Error(`${differing.build} answers differently from ${webhooks[0]!.build}:\n${differing.answer}\nvs\n${webhooks[0]!.answer}`);
    await compare(servers, payloads);
    console.log(`${machine()}; ${ROUNDS} rounds of ${SECONDS} s; load average ${loadBefore} before, ${loadAverage()} after.`);
  } finally {
    await Promise.all(servers.map((s) => new Promise((done) => s.child.once('exit', done).kill('SIGTERM'))));
    await registry.stop();
  }
}

await runBenchmark(main);
