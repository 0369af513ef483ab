/**
 * End-to-end wiring shared by test/e2e/*.test.ts and scripts/demo.ts: the archcheck Helm chart installed on the
 * test cluster with `dev.externalURL` (the API server calls a webhook running here: kwok pods run no processes),
 * and that webhook running under the chart's ServiceAccount token, so the chart's RBAC is what is exercised.
 *
 *   const arch = await installArchcheck(cluster, { values: { config: { insecureRegistries: [reg.host] } } });
 *   const hook = await arch.startInProcess(['--prefer', 'arm64=100']);   // flags win over the chart's config file
 *   await arch.restart(['--single-arch', 'deny']);                        // same port, new settings
 *   const child = await arch.startChild();                                // bin/archcheck-webhook, for kill tests
 *   await arch.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Agent, fetch } from 'undici';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../webhook/config.js';
import { createLogger } from '../../webhook/logger.js';
import { startWebhook, type RunningWebhook, type WebhookDeps } from '../../webhook/start-webhook.js';
import { localhostCertificates } from '../../webhook/testing/test-server.js';
import type { KeyPairPem } from '../../webhook/tls/certificates.js';
import { freePort, startCluster, waitFor, type StartClusterOptions, type TestCluster } from '../cluster/cluster.js';
import { CHART_DIR, REPO_ROOT, ensureHelm, runHelm } from '../helm.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;

export const ARCHCHECK_ANNOTATIONS = ['archcheck.dev/archs', 'archcheck.dev/decision'] as const;

/**
 * startCluster, one at a time across processes. Works around test/cluster/cluster.ts leaving the component ports
 * (etcd client and peer, controller-manager, scheduler, kwok-controller) to kwokctl, which picks them by counting
 * down from 32767 in every kwokctl process: two clusters created at the same moment (two vitest workers, or a test
 * and the demo) get the same ports, and the second API server silently uses the first cluster's etcd. Once a
 * cluster's components are bound, the next kwokctl skips those ports, so serializing creation is enough for the
 * callers that take this lock. The lock is `flock(1)` held by a child process: it is released when we release it
 * or when this process dies (the child's stdin closes).
 */
export async function startClusterSerialized(opts: StartClusterOptions = {}): Promise<TestCluster> {
  const lockFile = path.join(tmpdir(), 'archcheck-cluster-create.lock');
  const holder = spawn('flock', [lockFile, 'sh', '-c', 'echo locked; cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`flock ${lockFile} exited ${code}`)));
    holder.stdout?.once('data', () => resolve());
  });
  holder.removeAllListeners('exit');
  try {
    return await startCluster(opts);
  } finally {
    holder.stdin?.end();
  }
}

/** kubectl … -o json, parsed; throws on a non-zero exit. */
export async function kubectlJson(cluster: TestCluster, args: readonly string[]): Promise<Any> {
  const r = await cluster.kubectl([...args, '-o', 'json'], { check: true });
  return JSON.parse(r.stdout);
}

/** `kubectl apply -f -` of objects; returns the result (not checked: callers look at code/stderr for denials). */
export function kubectlApply(cluster: TestCluster, objects: readonly unknown[], verb: 'apply' | 'create' = 'apply') {
  const args = verb === 'apply' ? ['apply', '--server-side', '--field-manager=archcheck-e2e', '-f', '-'] : ['create', '-f', '-'];
  return cluster.kubectl(args, { input: objects.map((o) => stringifyYaml(o)).join('---\n') });
}

/** A kubeconfig that authenticates as a ServiceAccount (token from `kubectl create token`): its RBAC is enforced. */
export async function serviceAccountKubeconfig(
  cluster: TestCluster,
  namespace: string,
  serviceAccount: string,
  file: string,
  duration = '2h',
): Promise<string> {
  const token = (await cluster.kubectl(['-n', namespace, 'create', 'token', serviceAccount, '--duration', duration], { check: true })).stdout.trim();
  const admin = parseYaml((await cluster.kubectl(['config', 'view', '--raw', '--minify'], { check: true })).stdout) as Any;
  writeFileSync(
    file,
    stringifyYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: admin.clusters[0].cluster }],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'test', user: serviceAccount, namespace } }],
      'current-context': 'sa',
    }),
    { mode: 0o600 },
  );
  return file;
}

export interface InstallOptions {
  release?: string;
  namespace?: string;
  /** Extra chart values, merged over the dev ones (dev.externalURL, replicaCount 1, no PDB). */
  values?: Record<string, unknown>;
  /** Token lifetime for the webhook's ServiceAccount kubeconfig (the API server may cap it). */
  tokenDuration?: string;
  /** Where the webhook's log lines go as well (default: kept in memory only). */
  log?: (line: string) => void;
}

/** The local webhook, started one way or the other. */
export interface WebhookProcess {
  kind: 'in-process' | 'child';
  /** In-process only. */
  webhook?: RunningWebhook;
  /** Child only. */
  child?: ChildProcess;
  stop(): Promise<void>;
}

export interface Archcheck {
  release: string;
  namespace: string;
  fullname: string;
  /** https://127.0.0.1:PORT, the URL the chart's webhook configurations name. */
  url: string;
  port: number;
  caPem: string;
  /** The CA that signed the first serving certificate (with its key, to issue replacements in rotation tests). */
  ca: KeyPairPem;
  /** The serving certificate and key files the webhook reads (`--cert-mode file`, re-read every 10 s). */
  certFiles: { certFile: string; keyFile: string };
  /** Everything the current and earlier webhooks logged (JSON lines). */
  logs: string[];
  /** The flags every local webhook gets (config file, SA kubeconfig, certificate, listen address), e.g. for a second replica. */
  baseFlags: readonly string[];
  current: WebhookProcess | undefined;
  /** The webhook in this process (startWebhook) with the chart's config file plus `flags` (and test intervals). */
  startInProcess(flags?: readonly string[], deps?: Pick<WebhookDeps, 'certPollMs' | 'certCheckMs'>): Promise<WebhookProcess>;
  /**
   * bin/archcheck-webhook as a child process (needs dist/, built by `npm run build`/`npm test`). `env` is added to
   * the child's environment (this process's, without ARCHCHECK_*), e.g. the workload-identity variables.
   */
  startChild(flags?: readonly string[], env?: Record<string, string>): Promise<WebhookProcess>;
  /** Stop the current webhook and start one in-process with `flags`. */
  restart(flags?: readonly string[]): Promise<WebhookProcess>;
  /** `helm upgrade --reuse-values` with `--set` pairs. */
  upgrade(sets: readonly string[]): Promise<void>;
  /** Log lines saying the API server refused the webhook something (RBAC). */
  forbiddenLines(): string[];
  /** Stop the webhook, keep the release. */
  stopWebhook(): Promise<void>;
  /** Stop the webhook, uninstall the release, remove local files. */
  stop(opts?: { uninstall?: boolean }): Promise<void>;
}

async function helmOrThrow(helm: string, cluster: TestCluster, args: readonly string[]): Promise<void> {
  const r = await runHelm(helm, [...args, '--kubeconfig', cluster.kubeconfigPath], cluster.env);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
}

function lineSink(logs: string[], log?: (line: string) => void): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _enc, done): void {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        logs.push(line);
        log?.(line);
      }
      if (logs.length > 5_000) logs.splice(0, logs.length - 5_000);
      done();
    },
  });
}

/**
 * Installs the chart (release `archcheck` in namespace `archcheck` by default) pointing the API server at
 * https://127.0.0.1:PORT with a local CA, and prepares everything a local webhook needs: serving certificate,
 * the chart's rendered config file, a kubeconfig with the chart ServiceAccount's token. No webhook runs yet.
 */
/**
 * A log line about an API call refused for lack of RBAC: "forbidden", or a 403 status — not a number that merely
 * ends in .403 (a duration such as `"gatedSeconds":23.403`).
 */
export const isForbiddenLine = (line: string): boolean => /forbidden|(?<![.\d])403\b/i.test(line);

export async function installArchcheck(cluster: TestCluster, opts: InstallOptions = {}): Promise<Archcheck> {
  const release = opts.release ?? 'archcheck';
  const namespace = opts.namespace ?? 'archcheck';
  const fullname = release.includes('archcheck') ? release : `${release}-archcheck`;
  const helm = await ensureHelm();
  const dir = mkdtempSync(path.join(tmpdir(), 'archcheck-e2e-webhook-'));
  const certs = localhostCertificates();
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  writeFileSync(certFile, certs.serving.certPem);
  writeFileSync(keyFile, certs.serving.keyPem, { mode: 0o600 });
  const port = await freePort(); // the webhook configurations name it, so it is chosen before the install
  const url = `https://127.0.0.1:${port}`;
  const values = {
    replicaCount: 1,
    podDisruptionBudget: { enabled: false },
    ...opts.values,
    dev: { externalURL: url, caBundle: Buffer.from(certs.ca.certPem).toString('base64') },
  };
  const valuesFile = path.join(dir, 'values.yaml');
  writeFileSync(valuesFile, stringifyYaml(values));
  await helmOrThrow(helm, cluster, ['install', release, CHART_DIR, '--namespace', namespace, '--create-namespace', '--values', valuesFile, '--wait', '--timeout', '2m']);

  // The chart's config file as the pod would mount it; local address and certificate files given as flags below.
  const cm = await kubectlJson(cluster, ['-n', namespace, 'get', 'configmap', `${fullname}-config`]);
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, cm.data['config.yaml'] as string);
  const kubeconfig = await serviceAccountKubeconfig(cluster, namespace, fullname, path.join(dir, 'sa.kubeconfig'), opts.tokenDuration);
  // The chart's metrics port listens on 0.0.0.0:8080 in the pod; here it must be loopback and never collide.
  const baseFlags = ['--config', configFile, '--kubeconfig', kubeconfig, '--cert-mode', 'file', '--tls-cert-file', certFile, '--tls-private-key-file', keyFile];
  baseFlags.push('--listen', `127.0.0.1:${port}`, '--metrics-listen', '127.0.0.1:0');
  const agent = new Agent({ connect: { ca: certs.ca.certPem } });
  const logs: string[] = [];

  const arch: Archcheck = {
    release,
    namespace,
    fullname,
    url,
    port,
    caPem: certs.ca.certPem,
    ca: certs.ca,
    certFiles: { certFile, keyFile },
    logs,
    baseFlags,
    current: undefined,
    async startInProcess(flags = [], deps = {}) {
      if (arch.current) throw new Error('a webhook is already running; stop it first');
      const config = loadConfig([...baseFlags, '--drain-timeout', '2s', ...flags], {});
      const webhook = await startWebhook(config, { ...deps, logger: createLogger(config.logLevel, lineSink(logs, opts.log)) });
      const proc: WebhookProcess = {
        kind: 'in-process',
        webhook,
        stop: async () => {
          await webhook.stop();
          if (arch.current === proc) arch.current = undefined;
        },
      };
      arch.current = proc;
      try {
        await webhook.waitUntilReady(60_000);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${logs.slice(-5).join('\n')}`);
      }
      return proc;
    },
    async startChild(flags = [], extraEnv = {}) {
      if (arch.current) throw new Error('a webhook is already running; stop it first');
      const bin = path.join(REPO_ROOT, 'bin', 'archcheck-webhook');
      const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ARCHCHECK_'))), ...extraEnv };
      const child = spawn(process.execPath, [bin, ...baseFlags, '--drain-timeout', '2s', ...flags], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const sink = lineSink(logs, opts.log);
      child.stdout?.pipe(sink);
      child.stderr?.on('data', (d: Buffer) => sink.write(d));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const proc: WebhookProcess = {
        kind: 'child',
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
          if (arch.current === proc) arch.current = undefined;
        },
      };
      arch.current = proc;
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`archcheck-webhook exited ${child.exitCode}: ${logs.slice(-5).join('\n')}`);
          const res = await fetch(`${url}/readyz`, { dispatcher: agent, signal: AbortSignal.timeout(2_000) });
          await res.body?.cancel();
          return res.status === 200;
        },
        60_000,
        { message: `bin/archcheck-webhook /readyz on ${url}`, intervalMs: 200 },
      );
      return proc;
    },
    async restart(flags = []) {
      await arch.current?.stop();
      return arch.startInProcess(flags);
    },
    async upgrade(sets) {
      await helmOrThrow(helm, cluster, ['upgrade', release, CHART_DIR, '--namespace', namespace, '--reuse-values', ...sets.flatMap((s) => ['--set', s]), '--wait', '--timeout', '2m']);
    },
    forbiddenLines: () => logs.filter(isForbiddenLine),
    async stopWebhook() {
      await arch.current?.stop();
    },
    async stop({ uninstall = false } = {}) {
      await arch.current?.stop();
      if (uninstall) await runHelm(helm, ['uninstall', release, '--namespace', namespace, '--wait', '--kubeconfig', cluster.kubeconfigPath], cluster.env);
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return arch;
}

/** Warnings the API server relayed to kubectl (`Warning: …` lines on stderr). */
export function kubectlWarnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('Warning: '))
    .map((l) => l.slice('Warning: '.length));
}
