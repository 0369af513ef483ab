/**
 * Audit side by side (not a timed test): `kubectl archcheck -A -o json` and Arm's kubearchinspect, one after the other
 * in one run, against the same real from-source cluster (test/cluster: kube-apiserver, etcd, controller-manager,
 * scheduler, kwok) and the same real registry (Debian's docker-registry, behind test/registry's counting proxy adding
 * 50 ms to every request). Each tool runs as a user runs it: its own process, a kubeconfig, an empty home (cold
 * caches). Measured: wall time, peak RSS (GNU time), and the requests the registry itself logged (its access log).
 *
 *   npx tsx bench/audit/side-by-side.ts [--pods 5000] [--images 500] [--latency-ms 50] [--quick] [--append]
 *
 * --repeat N (default 3, 1 with --quick): rounds of every tool; the table shows each one's median wall time.
 * --quick: 500 pods, 50 images. --append adds a section to BENCHMARKS.md. --keep leaves the cluster and registry up
 * afterwards (KUBECONFIG and REGISTRY printed on stderr) until Ctrl-C, to profile one tool by hand. Needs the cluster binaries
 * (test/cluster/build.sh) and builds kubearchinspect with bench/audit/build-peers.sh (KUBEARCHINSPECT_SRC: see there).
 *
 * Where kubearchinspect cannot be built (the Go module proxy answers 403 for it on some machines and no checkout is
 * given), the peer is the issue's fallback instead, with the reason in the section: the cluster's distinct images
 * listed with kubectl, then `crane manifest` per image, as many in flight as archcheck's default per registry (32).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binaryPaths } from '../../test/cluster/cluster.js';
import { countByKind, formatCounts, parseAccessLog } from '../../test/registry/access-log.js';
import { startCountingProxy, type CountingProxy } from '../../test/registry/counting-proxy.js';
import { startRegistry, type TestRegistry } from '../../test/registry/registry.js';
import { appendToBenchmarks, loadAverage } from '../harness.js';
import { measuredRun, type MeasuredRun } from './measured-run.js';
import { populateRegistry } from './populate-registry.js';
import { startBenchCluster } from './real-cluster.js';
import { benchImages } from './synthetic-cluster.js';
import { summarizeArchcheck, summarizeKubearchinspect } from './tool-summaries.js';

const ROOT = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    pods: { type: 'string' },
    images: { type: 'string' },
    'latency-ms': { type: 'string', default: '50' },
    quick: { type: 'boolean', default: false },
    append: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    repeat: { type: 'string' },
  },
});
const PODS = Number(values.pods ?? (values.quick ? 500 : 5000));
const IMAGES = Number(values.images ?? (values.quick ? 50 : 500));
const LATENCY = Number(values['latency-ms']);
/** Rounds: every tool once per round, in the same order; the table shows each tool's median round. */
const REPEAT = Number(values.repeat ?? (values.quick ? 1 : 3));
const NAMESPACES = 20;
const log = (line: string): void => void process.stderr.write(`[side-by-side] ${line}\n`);

interface ToolRun {
  tool: string;
  command: string;
  run: MeasuredRun;
  registryRequests: Record<string, number>;
  /** Requests the proxy saw, and the median and 90th percentile of how long each took there (the delay included). */
  proxy: { requests: number; p50Ms: number; p90Ms: number };
  result: string;
}

/** archcheck's default requests in flight per registry: the crane fallback runs as many. */
const CRANE_IN_FLIGHT = 32;

/** The peer the run compares with: kubearchinspect, or — where it cannot be built — the issue's crane fallback, and why. */
type Peer = { kind: 'kubearchinspect'; bin: string } | { kind: 'crane'; bin: string; kubectl: string; why: string };

/** Builds the peers (build-peers.sh) and picks kubearchinspect, else crane (with the reason), else fails saying what to do. */
function choosePeer(): Peer {
  const script = join(import.meta.dirname, 'build-peers.sh');
  const built = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) log('build-peers.sh could not build every peer (see above)');
  const paths = Object.fromEntries(execFileSync('bash', [script, '--print-paths'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  const kubearchinspect = paths.KUBEARCHINSPECT ?? '';
  if (existsSync(kubearchinspect)) return { kind: 'kubearchinspect', bin: kubearchinspect };
  const crane = paths.CRANE ?? '';
  if (!existsSync(crane)) throw new Error(`neither kubearchinspect (${kubearchinspect}) nor crane (${crane}) could be built; see bench/audit/build-peers.sh (KUBEARCHINSPECT_SRC)`);
  const why = 'kubearchinspect v0.8.0 could not be built here (the Go module proxy does not serve it to this machine and KUBEARCHINSPECT_SRC was not set; bench/audit/build-peers.sh)';
  log(`${why}: comparing with crane manifest per image instead`);
  return { kind: 'crane', bin: crane, kubectl: binaryPaths().kubectl, why };
}

/** The plugin as krew installs it: the one-file bundle (scripts/bundle-plugin.mjs), run by node from PATH. */
function bundleArchcheck(work: string): string {
  const out = join(work, 'bundle');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-plugin.mjs'), '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(out, 'kubectl-archcheck');
}

/** A fresh home for one tool: no docker credentials, no cache from an earlier run. */
function freshHome(work: string, name: string): NodeJS.ProcessEnv {
  const home = join(work, `home-${name}`);
  mkdirSync(home, { recursive: true });
  return { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), XDG_CONFIG_HOME: join(home, '.config'), XDG_RUNTIME_DIR: join(home, 'run') };
}

/** Restarts the registry so its log starts empty, and readies the proxy: the tool's requests are then all that is logged. */
async function resetRegistry(registry: TestRegistry, proxy: CountingProxy): Promise<number> {
  await registry.restart();
  proxy.clearFaults();
  await (await fetch(`${proxy.url}/v2/`)).arrayBuffer(); // the proxy's next upstream connection is to the new process
  proxy.reset();
  proxy.inject({ kind: 'delay', ms: LATENCY, times: Infinity });
  return registry.logs().length;
}

/** The registry's log since `mark`, once its last lines have come through the pipe (no growth for half a second). */
async function settledLog(registry: TestRegistry, mark: number): Promise<string> {
  let length = -1;
  for (let i = 0; i < 40 && registry.logs().length !== length; i++) {
    length = registry.logs().length;
    await new Promise((r) => setTimeout(r, 500));
  }
  return registry.logs().slice(mark);
}

interface Tool {
  tool: string;
  /** As shown in the table. */
  command: string;
  go: () => Promise<MeasuredRun>;
  /** What it concluded, from its output. */
  summarize: (r: MeasuredRun) => string;
}

async function measureTool({ tool, command, go, summarize }: Tool, registry: TestRegistry, proxy: CountingProxy): Promise<ToolRun> {
  const mark = await resetRegistry(registry, proxy);
  log(`${tool}: ${command}`);
  const run = await go();
  if (run.code !== 0) throw new Error(`${tool} exited ${run.code}:\n${run.stderr.slice(-4000)}`);
  const registryRequests = countByKind(parseAccessLog(await settledLog(registry, mark)));
  const result = summarize(run);
  log(`${tool}: ${run.seconds.toFixed(2)} s (CPU ${run.cpuSeconds.toFixed(2)} s), peak RSS ${run.peakRssMiB.toFixed(0)} MiB, registry ${formatCounts(registryRequests)}; ${result}`);
  const durations = proxy.requests.map((r) => r.durationMs).sort((x, y) => x - y);
  const at = (q: number): number => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0;
  return { tool, command, run, registryRequests, proxy: { requests: durations.length, p50Ms: at(0.5), p90Ms: at(0.9) }, result };
}

/** The run with the median wall time, carrying every run's wall time for the table. */
function medianRun(runs: ToolRun[]): ToolRun & { allSeconds: number[] } {
  const sorted = [...runs].sort((a, b) => a.run.seconds - b.run.seconds);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, allSeconds: runs.map((r) => r.run.seconds) };
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** The verdict against the issue's goal: archcheck ≤ 3 s with verification and ≥ 5× faster than the peer. */
function comparison(archcheck: ToolRun | undefined, peer: ToolRun | undefined): string {
  if (!archcheck || !peer) return '';
  const a = archcheck.run.seconds;
  const p = peer.run.seconds;
  const speed = a <= p ? `${(p / a).toFixed(1)}× faster than` : `${(a / p).toFixed(1)}× slower than`;
  const met = a <= 3 && p / a >= 5 ? 'met' : 'not met';
  return `archcheck ${a.toFixed(2)} s is ${speed} ${peer.tool} ${p.toFixed(2)} s; goal (≤ 3 s with verification and ≥ 5× faster): ${met}.`;
}

/** The audit run again with its on-disk cache, against the ≤ 3 s goal: what a user re-auditing after a deploy waits. */
function again(run: ToolRun | undefined): string[] {
  if (!run?.tool.startsWith('archcheck, again')) return [];
  return ['', `Audited again with the on-disk cache of the first run (digests' manifests and configs kept, every tag looked up again): ${run.run.seconds.toFixed(2)} s, verified (≤ 3 s: ${run.run.seconds <= 3 ? 'yes' : 'no'}).`];
}

function section(runs: Array<ToolRun & { allSeconds: number[] }>, setup: { clusterSeconds: number; pushSeconds: number; k8sVersion: string; nodes: number }, loadBefore: string): string {
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const [a, b] = runs;
  const command = `npx tsx bench/audit/side-by-side.ts --pods ${PODS} --images ${IMAGES} --latency-ms ${LATENCY}${values.append ? ' --append' : ''}`;
  return [
    `## Audit side by side with ${b?.tool.startsWith('crane') ? 'crane (kubearchinspect could not be built)' : 'kubearchinspect'}: ${PODS} pods, ${IMAGES} images, real cluster and registry, ${LATENCY} ms per registry request — ${date} UTC`,
    '',
    `Command: \`${command}\`. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} shared with other work, Node ${process.version}; load average ${loadBefore} before, ${loadAverage()} after.`,
    '',
    `Cluster: the from-source test control plane (kube-apiserver ${setup.k8sVersion}, etcd, controller-manager, scheduler; test/cluster) with ${setup.nodes} kwok nodes (half amd64; half arm64, tainted kubernetes.io/arch=arm64:NoSchedule), ${IMAGES} Deployments × ${Math.ceil(PODS / IMAGES)} replicas in ${NAMESPACES} namespaces made Running by the ReplicaSet controller, the scheduler and kwok (${setup.clusterSeconds.toFixed(0)} s). Registry: Debian's docker-registry with ${IMAGES} images (60% OCI indexes amd64+arm64, 10% arm64-only, 30% amd64-only Docker v2; pushed in ${setup.pushSeconds.toFixed(0)} s) behind test/registry's counting proxy delaying every request ${LATENCY} ms. Each tool ran ${REPEAT === 1 ? 'once' : `${REPEAT} times (rounds of every tool in turn; the row is its median run, every run's wall time in brackets)`}, as its own process with an empty home (cold caches; the last row reuses the first row's home of the same round, its on-disk cache kept), the registry restarted before each so its access log holds that tool's requests only. Peak RSS: GNU time's maximum resident set size.`,
    '',
    `| tool | command | wall time${REPEAT > 1 ? ' (median; each run)' : ''} | CPU time | peak RSS | registry requests (its access log) | time per request at the proxy (p50 / p90, delay included) | result |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map((r) => `| ${r.tool} | \`${r.command}\` | ${r.run.seconds.toFixed(2)} s${r.allSeconds.length > 1 ? ` (${r.allSeconds.map((x) => x.toFixed(2)).join(', ')})` : ''} | ${r.run.cpuSeconds.toFixed(2)} s | ${r.run.peakRssMiB.toFixed(0)} MiB | ${total(r.registryRequests)}: ${formatCounts(r.registryRequests)} | ${r.proxy.requests ? `${r.proxy.p50Ms} / ${r.proxy.p90Ms} ms` : '–'} | ${r.result} |`),
    '',
    comparison(a, b),
    ...again(runs.at(-1)),
    '',
    ...(peerNote ? [`Peer: ${peerNote}; the issue's fallback was compared instead (each image's top manifest only, ${CRANE_IN_FLIGHT} in flight like archcheck's default; no per-platform verification).`, ''] : []),
  ].join('\n');
}

/**
 * What runs, in order: archcheck as a user runs it, kubearchinspect, then archcheck variants that show where its time
 * goes (process start alone; labels trusted instead of verified; more requests in flight per registry), and last
 * archcheck run again in the first run's home — its on-disk cache kept, every tag looked up again (`--tag-ttl 0`):
 * what auditing again after a deploy costs.
 */
function benchTools(work: string, bundle: string, peer: Peer, kubeconfig: string, host: string): Tool[] {
  const shown = (args: string[]): string => args.join(' ').replace(kubeconfig, 'KUBECONFIG').replace(host, 'REGISTRY');
  const audit = ['-A', '-o', 'json', '--kubeconfig', kubeconfig, '--insecure-registry', host];
  /** The home of this round's first (cold) archcheck run, for the run that audits again. */
  let coldHome: NodeJS.ProcessEnv | undefined;
  const newHome = (): NodeJS.ProcessEnv => freshHome(work, `archcheck-${Math.random().toString(36).slice(2)}`);
  const archcheck = (tool: string, args: string[], opts: { summarize?: Tool['summarize']; home?: () => NodeJS.ProcessEnv; note?: string } = {}): Tool => ({
    tool,
    command: `kubectl archcheck ${shown(args)}${opts.note ?? ''}`,
    go: () => measuredRun(bundle, args, (opts.home ?? newHome)()),
    summarize: opts.summarize ?? ((r) => summarizeArchcheck(r.stdout)),
  });
  const firstRunsHome = (): NodeJS.ProcessEnv => {
    if (!coldHome) throw new Error('the cold archcheck run must come first in a round');
    return coldHome;
  };
  return [
    archcheck('archcheck', audit, { home: () => (coldHome = newHome()) }),
    peer.kind === 'kubearchinspect' ? kubearchinspectTool(work, peer.bin, kubeconfig, host, shown) : craneTool(work, peer, kubeconfig, host),
    archcheck('archcheck, process start only', ['--version'], { summarize: (r) => r.stdout.trim() }),
    archcheck('archcheck, labels trusted', [...audit, '--no-verify-platforms']),
    archcheck('archcheck, 128 requests in flight', [...audit, '--registry-concurrency', '128']),
    archcheck('archcheck, again with its on-disk cache, every tag looked up again', [...audit, '--tag-ttl', '0'], { home: firstRunsHome, note: " (the first row's home)" }),
  ];
}

function kubearchinspectTool(work: string, bin: string, kubeconfig: string, host: string, shown: (args: string[]) => string): Tool {
  const home = freshHome(work, 'kubearchinspect');
  // containers/image (kubearchinspect's registry client) reads the user's registries.conf (it ignores
  // CONTAINERS_REGISTRIES_CONF, which only podman's and skopeo's CLIs apply): plain HTTP to the loopback registry,
  // as archcheck's --insecure-registry.
  mkdirSync(join(home.HOME!, '.config', 'containers'), { recursive: true });
  writeFileSync(join(home.HOME!, '.config', 'containers', 'registries.conf'), `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  const args = ['images', '--kube-config-path', kubeconfig];
  return {
    tool: 'kubearchinspect v0.8.0',
    command: `kubearchinspect ${shown(args)} (~/.config/containers/registries.conf: REGISTRY insecure)`,
    go: () => measuredRun(bin, args, home),
    summarize: (r) => summarizeKubearchinspect(r.stdout),
  };
}

/**
 * The issue's fallback peer: what a person scripting it would run — the distinct images of every pod from the API
 * server (kubectl), then `crane manifest` for each, CRANE_IN_FLIGHT at a time (xargs -P). It reads each top manifest
 * only (no per-platform verification, unlike archcheck's default). Prints one line per image: ok, or failed and which.
 */
function craneTool(work: string, peer: Extract<Peer, { kind: 'crane' }>, kubeconfig: string, host: string): Tool {
  const home = freshHome(work, 'crane');
  const script = [
    `"$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get pods -A -o jsonpath='{range .items[*]}{range .spec.initContainers[*]}{.image}{"\\n"}{end}{range .spec.containers[*]}{.image}{"\\n"}{end}{end}'`,
    'sort -u',
    `xargs -P ${CRANE_IN_FLIGHT} -I{} sh -c '"$CRANE" manifest --insecure "$1" >/dev/null 2>&1 && echo ok || echo "failed $1"' _ {}`,
  ].join(' | ');
  return {
    tool: `crane v0.22.1, manifest per image, ${CRANE_IN_FLIGHT} in flight`,
    // No '|' here: the command is a Markdown table cell.
    command: `kubectl get pods -A -o jsonpath=… (each distinct image), then xargs -P ${CRANE_IN_FLIGHT} crane manifest --insecure IMAGE`,
    go: () => measuredRun('/bin/bash', ['-o', 'pipefail', '-c', script], { ...home, KUBECTL: peer.kubectl, KUBECONFIG_FILE: kubeconfig, CRANE: peer.bin, REGISTRY: host }),
    summarize: (r) => {
      const lines = r.stdout.split('\n').filter(Boolean);
      const failed = lines.filter((l) => l.startsWith('failed '));
      return `${lines.length} images (${lines.length - failed.length} manifests read, ${failed.length} failed${failed.length ? `: ${failed.slice(0, 3).map((l) => l.slice(7)).join(', ')}` : ''})`;
    },
  };
}

/** --keep: the same cluster and registry (50 ms proxy still on) stay up until SIGINT/SIGTERM. */
async function keepUp(kubeconfig: string, host: string): Promise<void> {
  log(`kept up until Ctrl-C: KUBECONFIG=${kubeconfig} REGISTRY=${host}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

const work = mkdtempSync(join(tmpdir(), 'archcheck-bench-side-'));
const loadBefore = loadAverage();
const peer = choosePeer();
/** Why the peer is not kubearchinspect, for the section; undefined when it is. */
const peerNote = peer.kind === 'crane' ? peer.why : undefined;
const bundle = bundleArchcheck(work);
const registry = await startRegistry({ name: 'bench-side', auth: 'none', logLevel: 'warn' });
const proxy = await startCountingProxy(registry.url);
try {
  const pushStarted = performance.now();
  const [images, started] = await Promise.all([
    populateRegistry(registry, IMAGES, proxy.host).then((i) => ({ images: i, seconds: (performance.now() - pushStarted) / 1000 })),
    // The cluster needs the image references only, and they are known before the push.
    startBenchCluster({ images: benchImages(IMAGES, proxy.host), pods: PODS, namespaces: NAMESPACES, log }),
  ]);
  const { cluster } = started;
  try {
    log(`registry ready (${images.images.length} images, ${images.seconds.toFixed(0)} s); cluster ready (${started.seconds.toFixed(0)} s)`);
    const kubeconfig = cluster.kubeconfigPath;
    const tools = benchTools(work, bundle, peer, kubeconfig, proxy.host);
    const rounds: ToolRun[][] = tools.map(() => []);
    for (let round = 0; round < REPEAT; round++) {
      for (const [i, tool] of tools.entries()) rounds[i]!.push(await measureTool(tool, registry, proxy));
    }
    const runs = rounds.map(medianRun);
    const text = section(runs, { clusterSeconds: started.seconds, pushSeconds: images.seconds, k8sVersion: cluster.version, nodes: cluster.nodes.length }, loadBefore);
    process.stdout.write(`${text}\n`);
    if (values.append) appendToBenchmarks(text);
    if (values.keep) await keepUp(cluster.kubeconfigPath, proxy.host);
  } finally {
    await cluster.stop();
  }
} finally {
  await proxy.stop();
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
