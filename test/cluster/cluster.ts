/**
 * A real, disposable, heterogeneous (amd64 + arm64) Kubernetes control plane for tests.
 *
 * kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd are built from
 * source by test/cluster/build.sh (cached outside the work tree); kwokctl runs them as local
 * processes (`--runtime binary`, loopback only, RBAC + default admission plugins) and
 * kwok-controller plays the kubelet for fake Node objects, so the real scheduler places
 * real pods on nodes with realistic arch labels and taints, and kwok marks them Running.
 *
 *   const cluster = await startCluster();          // default node set: DEFAULT_NODES
 *   await cluster.kubectl(['get', 'nodes']);
 *   const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
 *   await cluster.stop();
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, type V1Node, type V1Taint } from '@kubernetes/client-node';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BUILD_SCRIPT = path.join(HERE, 'build.sh');

// ---------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeSpec {
  name: string;
  /** GOARCH-style: amd64, arm64, … (label kubernetes.io/arch and status.nodeInfo.architecture). */
  arch: string;
  /** AKS agent pool name (label agentpool). */
  pool: string;
  /** Azure VM size (label node.kubernetes.io/instance-type). */
  instanceType: string;
  /** Label topology.kubernetes.io/zone; default eastus2-1. */
  zone?: string;
  os?: string;
  taints?: readonly Taint[];
  /** Extra labels, merged over the generated ones. */
  labels?: Readonly<Record<string, string>>;
  cpu?: string;
  memory?: string;
  pods?: string;
}

/** AKS taints arm64 pools like this (documented for AKS arm64 node pools). */
export const ARM64_TAINT: Taint = Object.freeze({ key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' });
/** A custom taint on a dedicated arm64 node, to be mapped with the webhook's --arch-taint. */
export const ARM_CONTROLLER_TAINT: Taint = Object.freeze({
  key: 'node-role.vos/arm_controller',
  value: 'true',
  effect: 'NoSchedule',
});

export const REGION = 'eastus2';

function node(spec: NodeSpec): NodeSpec {
  return Object.freeze({ ...spec, taints: Object.freeze([...(spec.taints ?? [])]) });
}

/**
 * The default mixed cluster: 2 amd64 nodes (amdpool, untainted), 2 arm64 nodes (armpool,
 * tainted kubernetes.io/arch=arm64:NoSchedule), 1 arm64 node (armctl, tainted
 * node-role.vos/arm_controller=true:NoSchedule).
 */
export const DEFAULT_NODES: readonly NodeSpec[] = Object.freeze([
  node({ name: 'aks-amdpool-0', arch: 'amd64', pool: 'amdpool', instanceType: 'Standard_D4s_v5', zone: `${REGION}-1` }),
  node({ name: 'aks-amdpool-1', arch: 'amd64', pool: 'amdpool', instanceType: 'Standard_D4s_v5', zone: `${REGION}-2` }),
  node({ name: 'aks-armpool-0', arch: 'arm64', pool: 'armpool', instanceType: 'Standard_D4ps_v5', zone: `${REGION}-1`, taints: [ARM64_TAINT] }),
  node({ name: 'aks-armpool-1', arch: 'arm64', pool: 'armpool', instanceType: 'Standard_D4ps_v5', zone: `${REGION}-2`, taints: [ARM64_TAINT] }),
  node({ name: 'aks-armctl-0', arch: 'arm64', pool: 'armctl', instanceType: 'Standard_D4ps_v5', zone: `${REGION}-3`, taints: [ARM_CONTROLLER_TAINT] }),
]);

/** The Node object for a spec: kwok-managed (annotation kwok.x-k8s.io/node: fake). */
export function nodeObject(spec: NodeSpec, index = 0, kubeletVersion = 'v0.0.0'): V1Node {
  const os = spec.os ?? 'linux';
  const zone = spec.zone ?? `${REGION}-1`;
  const resources = { cpu: spec.cpu ?? '4', memory: spec.memory ?? '16Gi', pods: spec.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      annotations: {
        'kwok.x-k8s.io/node': 'fake',
        'node.alpha.kubernetes.io/ttl': '0',
      },
      labels: {
        'kubernetes.io/arch': spec.arch,
        'beta.kubernetes.io/arch': spec.arch,
        'kubernetes.io/os': os,
        'beta.kubernetes.io/os': os,
        'kubernetes.io/hostname': spec.name,
        'node.kubernetes.io/instance-type': spec.instanceType,
        'beta.kubernetes.io/instance-type': spec.instanceType,
        agentpool: spec.pool,
        'kubernetes.azure.com/agentpool': spec.pool,
        'kubernetes.azure.com/mode': 'user',
        'topology.kubernetes.io/region': REGION,
        'topology.kubernetes.io/zone': zone,
        type: 'kwok',
        ...spec.labels,
      },
    },
    spec: {
      podCIDR: `10.244.${index}.0/24`,
      podCIDRs: [`10.244.${index}.0/24`],
      providerID: `kwok://${spec.name}`,
      taints: (spec.taints ?? []).map((t) => ({ ...t })),
    },
    status: {
      allocatable: { ...resources },
      capacity: { ...resources },
      nodeInfo: {
        architecture: spec.arch,
        operatingSystem: os,
        osImage: 'Ubuntu 22.04.5 LTS',
        kernelVersion: '5.15.0-1079-azure',
        containerRuntimeVersion: 'containerd://1.7.27-1',
        kubeletVersion,
        kubeProxyVersion: '',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

// ---------------------------------------------------------------------------------------
// Binaries (built by build.sh)
// ---------------------------------------------------------------------------------------

export interface Binaries {
  k8sVersion: string;
  etcdVersion: string;
  kwokVersion: string;
  helmVersion: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  kwokctl: string;
  helm: string;
}

/** Paths of the cached binaries (whether built or not), as build.sh computes them. */
export function binaryPaths(env: NodeJS.ProcessEnv = process.env): Binaries {
  const out = execFileSync('bash', [BUILD_SCRIPT, '--print-paths'], { env, encoding: 'utf8' });
  const v: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) v[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const get = (k: string): string => {
    const value = v[k];
    if (!value) throw new Error(`build.sh --print-paths did not print ${k}`);
    return value;
  };
  return {
    k8sVersion: get('K8S_VERSION'),
    etcdVersion: get('ETCD_VERSION'),
    kwokVersion: get('KWOK_VERSION'),
    helmVersion: get('HELM_VERSION'),
    kubeApiserver: get('KUBE_APISERVER'),
    kubeControllerManager: get('KUBE_CONTROLLER_MANAGER'),
    kubeScheduler: get('KUBE_SCHEDULER'),
    kubectl: get('KUBECTL'),
    etcd: get('ETCD'),
    kwok: get('KWOK'),
    kwokctl: get('KWOKCTL'),
    helm: get('HELM'),
  };
}

/**
 * Build whatever is missing (build.sh is idempotent and takes a lock, so concurrent callers
 * wait for one build). Progress goes to stderr. Cold: tens of minutes; warm: ~1 s.
 */
export async function ensureBinaries(): Promise<Binaries> {
  const check = spawnSync('bash', [BUILD_SCRIPT, '--check'], { stdio: 'ignore' });
  if (check.status !== 0) {
    await new Promise<void>((resolve, reject) => {
      // Piped rather than inherited: works the same in vitest workers (forks or threads).
      const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => process.stderr.write(d));
      child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`test/cluster/build.sh failed (code ${code}, signal ${signal})`)),
      );
    });
  }
  return binaryPaths();
}

// ---------------------------------------------------------------------------------------
// Processes and polling
// ---------------------------------------------------------------------------------------

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Written to stdin. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Throw when the exit code is not 0 (default false: the caller inspects `code`). */
  check?: boolean;
}

export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code === 'string') {
          reject(error); // could not run it at all (ENOENT, EACCES, output too large)
          return;
        }
        // Non-zero exit: error.code is the exit code; killed (timeout/signal): report 124 like timeout(1).
        const code = !error ? 0 : typeof error.code === 'number' ? error.code : 124;
        const result = { stdout, stderr, code };
        if (opts.check && code !== 0) {
          reject(new Error(`${path.basename(file)} ${args.join(' ')} exited ${code}${error?.killed ? ' (timeout)' : ''}: ${stderr.trim() || stdout.trim()}`));
          return;
        }
        resolve(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

export interface WaitOptions {
  intervalMs?: number;
  /** Describes what is awaited, for the timeout error. */
  message?: string;
}

/**
 * Poll `fn` until it returns a truthy value (returned) or `timeoutMs` passes. A throw
 * counts as "not yet"; the last error is reported on timeout.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  opts: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      lastValue = value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : lastError ? `: ${String(lastError)}` : ` (last value: ${JSON.stringify(lastValue)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.message ?? 'condition'}${detail}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** n distinct free ports: all are held open together, so the kernel cannot hand out one twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

// ---------------------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------------------

export interface StartClusterOptions {
  /** kwokctl cluster name (default "archcheck"); each cluster has its own KWOK_WORKDIR. */
  name?: string;
  /** Nodes to create (default DEFAULT_NODES). */
  nodes?: readonly NodeSpec[];
  /** kube-apiserver port on 127.0.0.1 (default: a free one). */
  apiserverPort?: number;
  /** Extra component flags, kwokctl `--extra-args component=key=value` syntax. */
  extraArgs?: readonly string[];
  /** Budget for starting (not building); default 5 min. */
  timeoutMs?: number;
  /** Progress lines (default: to stderr with a prefix; pass () => {} to silence). */
  log?: (line: string) => void;
}

export interface TestCluster {
  name: string;
  /** Admin kubeconfig (client certificate), context kwok-<name>. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** The server's version, e.g. v1.35.4. */
  version: string;
  binaries: Binaries;
  nodes: readonly NodeSpec[];
  /** Root temp dir (kwokctl workdir, config, logs); removed by stop(). */
  dir: string;
  /** kwokctl's directory for this cluster: kwok.yaml (component command lines), logs/, pids/, pki/. */
  clusterDir: string;
  /** Environment for child processes that should talk to this cluster (KUBECONFIG, PATH with the matching kubectl first). */
  env: NodeJS.ProcessEnv;
  /** Runs the version-matched kubectl against this cluster. Never throws on a non-zero exit unless opts.check. */
  kubectl(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** A fresh @kubernetes/client-node KubeConfig for the admin user. */
  kubeConfig(): KubeConfig;
  /** kwokctl logs for a component (kube-apiserver, kube-scheduler, kwok-controller, …), for debugging failures. */
  logs(component: string): Promise<string>;
  /** Tears everything down and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

// Teardown -------------------------------------------------------------------------------

interface Teardown {
  stop(): Promise<void>;
  stopSync(): void;
}

const live = new Set<Teardown>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const t of [...live]) t.stopSync();
  });
}

/** PIDs of the component processes kwokctl started for a cluster, still running and still ours. */
function componentPids(clusterDir: string): number[] {
  const pidsDir = path.join(clusterDir, 'pids');
  let files: string[];
  try {
    files = readdirSync(pidsDir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const f of files) {
    const pid = Number.parseInt(readFileSync(path.join(pidsDir, f), 'utf8'), 10);
    // Guard against PID reuse: the binary runs from this cluster's bin/ dir.
    if (pid > 0 && readCmdline(pid).includes(clusterDir)) pids.push(pid);
  }
  return pids;
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // zombies are gone for our purposes
  } catch {
    return false;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `kwokctl delete cluster` (SIGTERM to each component), then SIGKILL for whatever of ours
 * outlives the grace period (kube-apiserver can take ~30 s when etcd went first), then rm.
 */
function makeTeardown(kwokctl: string, deleteArgs: string[], env: NodeJS.ProcessEnv, dir: string, clusterDir: string): Teardown {
  let stopped: Promise<void> | undefined;
  // If this process dies without running exit hooks (SIGKILL, unhandled signal), a detached
  // watchdog tears the cluster down: kwokctl's binary runtime leaves daemons running otherwise.
  const watchdog = startWatchdog(kwokctl, deleteArgs, env, dir, clusterDir);
  const graceMs = 15_000;
  const teardown: Teardown = {
    stop() {
      stopped ??= (async () => {
        live.delete(teardown);
        if (watchdog) killQuietly(watchdog);
        const pids = componentPids(clusterDir);
        await run(kwokctl, deleteArgs, { env, timeoutMs: 60_000 });
        const deadline = Date.now() + graceMs;
        while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        for (const pid of pids.filter(alive)) killQuietly(pid, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
    stopSync() {
      live.delete(teardown);
      if (watchdog) killQuietly(watchdog);
      const pids = componentPids(clusterDir);
      spawnSync(kwokctl, deleteArgs, { env, stdio: 'ignore', timeout: 60_000 });
      const deadline = Date.now() + graceMs;
      while (pids.some(alive) && Date.now() < deadline) sleepSync(200);
      for (const pid of pids.filter(alive)) killQuietly(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  installExitHook();
  live.add(teardown);
  return teardown;
}

function startWatchdog(kwokctl: string, deleteArgs: string[], env: NodeJS.ProcessEnv, dir: string, clusterDir: string): number | undefined {
  const script = [
    'parent="$1"; shift',
    'trap "" INT HUP', // survive the terminal's Ctrl-C aimed at the parent's process group
    'trap "exit 0" TERM', // stop() ends us when it tears down by itself
    'while kill -0 "$parent" 2>/dev/null; do sleep 2 & wait $!; done',
    `pids=""; for f in ${shellQuote(clusterDir)}/pids/*.pid; do [ -f "$f" ] && pids="$pids $(cat "$f")"; done`,
    '"$@" >/dev/null 2>&1',
    // Ours and still running (a zombie's cmdline is empty; a reused PID runs something else).
    `ours() { grep -qF ${shellQuote(clusterDir)} /proc/$1/cmdline 2>/dev/null; }`,
    'for _ in $(seq 75); do left=""; for p in $pids; do ours "$p" && left=1; done; [ -z "$left" ] && break; sleep 0.2; done',
    'for p in $pids; do ours "$p" && kill -9 "$p"; done',
    `rm -rf ${shellQuote(dir)}`,
  ].join('\n');
  const child = spawn('bash', ['-c', script, 'archcheck-cluster-watchdog', String(process.pid), kwokctl, ...deleteArgs], {
    env,
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Start ----------------------------------------------------------------------------------

function kwokEnv(workdir: string, binaries: Binaries): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Nothing from the caller's KWOK_* (runtime, versions, binaries) may leak in.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KWOK_')) env[k] = v;
  env.KWOK_WORKDIR = workdir;
  // kwokctl runs "kubectl" from PATH when it needs one: make it ours.
  env.PATH = `${path.dirname(binaries.kubectl)}${path.delimiter}${process.env.PATH ?? ''}`;
  return env;
}

/** KwokctlConfiguration (config.kwok.x-k8s.io/v1alpha1); see https://kwok.sigs.k8s.io/docs/user/kwokctl-configuration/ */
/** Ports for the components kwokctl would otherwise pick by counting down from 32767 in every process. */
interface ComponentPorts {
  etcdPort: number;
  etcdPeerPort: number;
  kubeControllerManagerPort: number;
  kubeSchedulerPort: number;
  kwokControllerPort: number;
}

async function componentPorts(): Promise<ComponentPorts> {
  // Two clusters created at the same moment would otherwise share etcd: each port is taken from the kernel instead.
  const [etcdPort, etcdPeerPort, kubeControllerManagerPort, kubeSchedulerPort, kwokControllerPort] = await freePorts(5);
  return { etcdPort: etcdPort!, etcdPeerPort: etcdPeerPort!, kubeControllerManagerPort: kubeControllerManagerPort!, kubeSchedulerPort: kubeSchedulerPort!, kwokControllerPort: kwokControllerPort! };
}

function kwokctlConfig(binaries: Binaries, port: number, cacheDir: string, ports: ComponentPorts): string {
  const options = {
    runtime: 'binary',
    bindAddress: '127.0.0.1', // every component (etcd, apiserver, kcm, scheduler, kwok) on loopback
    kubeApiserverPort: port,
    ...ports,
    securePort: true,
    kubeAuthorization: true, // --authorization-mode=Node,RBAC
    kubeAdmission: true, // default admission plugins, incl. Mutating/ValidatingAdmissionWebhook
    quietPull: true,
    cacheDir, // only used for downloads, which must not happen: every binary below is local
    kubeVersion: binaries.k8sVersion,
    etcdVersion: binaries.etcdVersion.replace(/^v/, ''),
    kwokVersion: binaries.kwokVersion,
    kubeApiserverBinary: binaries.kubeApiserver,
    kubeControllerManagerBinary: binaries.kubeControllerManager,
    kubeSchedulerBinary: binaries.kubeScheduler,
    kubectlBinary: binaries.kubectl,
    etcdBinary: binaries.etcd,
    kwokControllerBinary: binaries.kwok,
  };
  // kwokctl starts kwok-controller with --manage-all-nodes=true; manage only nodes annotated
  // kwok.x-k8s.io/node=fake instead, as in a cluster that also has real nodes.
  const componentsPatches = [
    {
      name: 'kwok-controller',
      extraArgs: [
        { key: 'manage-all-nodes', value: 'false', override: true },
        { key: 'manage-nodes-with-annotation-selector', value: 'kwok.x-k8s.io/node=fake' },
      ],
    },
  ];
  const config = { kind: 'KwokctlConfiguration', apiVersion: 'config.kwok.x-k8s.io/v1alpha1', options, componentsPatches };
  return `${JSON.stringify(config, null, 2)}\n`;
}

interface Layout {
  name: string;
  dir: string;
  workdir: string;
  clusterDir: string;
  configPath: string;
  kubeconfigPath: string;
}

function layout(name: string): Layout {
  const dir = mkdtempSync(path.join(tmpdir(), 'archcheck-cluster-'));
  const workdir = path.join(dir, 'kwok');
  mkdirSync(workdir);
  const clusterDir = path.join(workdir, 'clusters', name);
  return {
    name,
    dir,
    workdir,
    clusterDir,
    configPath: path.join(dir, 'kwokctl.yaml'),
    kubeconfigPath: path.join(clusterDir, 'kubeconfig.yaml'),
  };
}

/**
 * Start a cluster: build binaries if missing, `kwokctl create cluster --runtime binary`,
 * create the nodes, and wait until the API server is ready, every node is Ready and
 * untainted by the node lifecycle controller, and the default ServiceAccount exists.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[cluster] ${line}\n`));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(opts, log);
    } catch (err) {
      // Ports are found free, then bound by kwokctl's components a moment later: a test running beside this one may
      // take one in between (kube-apiserver then exits at once with "address already in use"). New ports, again.
      const portTaken = err instanceof Error && /address already in use/.test(err.message);
      if (!portTaken || attempt >= 3 || opts.apiserverPort !== undefined) throw err;
      log(`a port was taken before the cluster bound it; starting again on new ports (attempt ${attempt + 1} of 3)`);
    }
  }
}

/** Rejects as soon as the component's log says its port was taken; polls until `done` says stop. */
async function portTakenIn(logFile: string, done: () => boolean): Promise<never> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (done()) return new Promise<never>(() => undefined);
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      continue;
    }
    if (text.includes('address already in use')) throw new Error(`${path.basename(logFile, '.log')} could not bind its port: address already in use`);
  }
}

async function startClusterOnce(opts: StartClusterOptions, log: (line: string) => void): Promise<TestCluster> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const binaries = await ensureBinaries();
  const l = layout(opts.name ?? 'archcheck');
  const env = kwokEnv(l.workdir, binaries);
  const port = opts.apiserverPort ?? (await freePort());
  writeFileSync(l.configPath, kwokctlConfig(binaries, port, path.join(l.dir, 'cache'), await componentPorts()));
  const kwokctl = (args: string[], o: RunOptions = {}) =>
    run(binaries.kwokctl, ['--name', l.name, '--config', l.configPath, ...args], { env, ...o });
  // kwokctl delete insists on a kubeconfig to remove its context from: give it the cluster's own.
  const deleteArgs = ['--name', l.name, '--config', l.configPath, 'delete', 'cluster', '--kubeconfig', l.kubeconfigPath];
  const teardown = makeTeardown(binaries.kwokctl, deleteArgs, env, l.dir, l.clusterDir);

  try {
    log(`creating cluster ${l.name} (kubernetes ${binaries.k8sVersion}, etcd ${binaries.etcdVersion}, kwok ${binaries.kwokVersion}) on 127.0.0.1:${port}, workdir ${l.workdir}`);
    const extra = (opts.extraArgs ?? []).flatMap((a) => ['--extra-args', a]);
    // --kubeconfig '': do not add a context to ~/.kube/config.
    const created = await kwokctl(['create', 'cluster', '--runtime', 'binary', '--kubeconfig', '', '--timeout', `${Math.ceil(timeoutMs / 1000)}s`, ...extra], { timeoutMs });
    if (created.code !== 0) throw new Error(`kwokctl create cluster failed (${created.code}):\n${created.stderr}\n${created.stdout}`);
    const cluster = connect(l, binaries, env, teardown, kwokctl);
    const remaining = () => Math.max(1_000, timeoutMs - (Date.now() - started));
    // Settled either way: a port taken ends the wait at once (and the poll with it), not after the whole timeout.
    let settled = false;
    await Promise.race([
      waitFor(async () => settled || (await cluster.kubectl(['get', '--raw', '/readyz'])).stdout.trim() === 'ok', remaining(), {
        message: 'kube-apiserver /readyz',
        intervalMs: 300,
      }).finally(() => (settled = true)),
      portTakenIn(path.join(l.clusterDir, 'logs', 'kube-apiserver.log'), () => settled).catch((e: unknown) => {
        settled = true;
        throw e;
      }),
    ]);
    const versionOut = await cluster.kubectl(['version', '-o', 'json'], { check: true });
    cluster.version = (JSON.parse(versionOut.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion ?? 'unknown';
    log(`kube-apiserver ${cluster.version} ready at ${cluster.server} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const nodes = opts.nodes ?? DEFAULT_NODES;
    cluster.nodes = nodes;
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    for (const [i, spec] of nodes.entries()) await core.createNode({ body: nodeObject(spec, i, cluster.version) });
    await waitNodesReady(core, nodes, remaining());
    await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }), remaining(), {
      message: 'ServiceAccount default/default (kube-controller-manager)',
      intervalMs: 300,
    });
    log(`cluster ${l.name} ready with ${nodes.length} nodes after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return cluster;
  } catch (err) {
    const logs = await collectLogs(kwokctl);
    await teardown.stop();
    if (err instanceof Error && logs) err.message += `\n--- component logs (tail) ---\n${logs}`;
    throw err;
  }
}

type Kwokctl = (args: string[], o?: RunOptions) => Promise<RunResult>;

function connect(l: Layout, binaries: Binaries, env: NodeJS.ProcessEnv, teardown: Teardown, kwokctl: Kwokctl): TestCluster {
  const kubeConfig = (): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromFile(l.kubeconfigPath);
    return kc;
  };
  return {
    name: l.name,
    kubeconfigPath: l.kubeconfigPath,
    server: kubeConfig().getCurrentCluster()?.server ?? '',
    version: 'unknown',
    binaries,
    nodes: [],
    dir: l.dir,
    clusterDir: l.clusterDir,
    env: { ...process.env, KUBECONFIG: l.kubeconfigPath, PATH: env.PATH },
    kubectl: (args, o = {}) => run(binaries.kubectl, ['--kubeconfig', l.kubeconfigPath, ...args], { ...o, env: o.env ?? env }),
    kubeConfig,
    logs: async (component) => {
      const r = await kwokctl(['logs', component]);
      return r.stdout + r.stderr;
    },
    stop: () => teardown.stop(),
  };
}

async function waitNodesReady(core: CoreV1Api, nodes: readonly NodeSpec[], timeoutMs: number): Promise<void> {
  const names = new Set(nodes.map((n) => n.name));
  const isReady = (n: V1Node): boolean =>
    names.has(n.metadata?.name ?? '') &&
    (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') &&
    !(n.spec?.taints ?? []).some((t: V1Taint) => t.key.startsWith('node.kubernetes.io/'));
  await waitFor(async () => (await core.listNode()).items.filter(isReady).length === names.size, timeoutMs, {
    message: `${nodes.length} nodes Ready (kwok) without node.kubernetes.io/* taints (node lifecycle controller)`,
    intervalMs: 300,
  });
}

async function collectLogs(kwokctl: Kwokctl): Promise<string> {
  const parts: string[] = [];
  for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller']) {
    try {
      const r = await kwokctl(['logs', c], { timeoutMs: 10_000 });
      const tail = (r.stdout + r.stderr).trim().split('\n').slice(-15).join('\n');
      if (tail) parts.push(`[${c}]\n${tail}`);
    } catch {
      /* best effort */
    }
  }
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------
// Small helpers for tests
// ---------------------------------------------------------------------------------------

/** Create a namespace (optionally labelled) and wait for its default ServiceAccount. */
export async function createNamespace(
  cluster: TestCluster,
  name: string,
  labels: Record<string, string> = {},
): Promise<string> {
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels } } });
  await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), 60_000, {
    message: `ServiceAccount ${name}/default`,
  });
  return name;
}

/** Read versions.env without running bash (for documentation/tests). */
export function pinnedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path.join(HERE, 'versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}
