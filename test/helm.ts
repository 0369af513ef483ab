/**
 * The one way tests (and scripts/render-manifests.sh, through $HELM) find helm: the binary that
 * test/cluster/build.sh builds from the Go module proxy at the version pinned in test/cluster/versions.env,
 * cached under ~/.cache/archcheck/bin/helm-<version>/helm. Never a helm from PATH: its version, and so its
 * template output, would differ between machines.
 *
 *   const helm = await ensureHelm();                       // builds it the first time (~5 min on 2 cores)
 *   const out = await runHelm(helm, ['template', 'x', CHART_DIR]);
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..');
export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'archcheck');
const BUILD_SCRIPT = path.join(REPO_ROOT, 'test', 'cluster', 'build.sh');

/** Path of the pinned helm binary (whether built or not). */
export function helmPath(): string {
  const out = execFileSync('bash', [BUILD_SCRIPT, '--print-paths'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.startsWith('HELM='));
  if (!line) throw new Error('test/cluster/build.sh --print-paths printed no HELM= line');
  return line.slice('HELM='.length);
}

/**
 * The pinned helm, built by `test/cluster/build.sh helm` when missing. Progress goes to stderr.
 * build.sh builds one thing at a time under a lock; when another test is building the whole control plane
 * (helm comes before the ~30 min Kubernetes link), helm appears long before the lock is free: take it then.
 */
export async function ensureHelm(): Promise<string> {
  const helm = helmPath();
  if (existsSync(helm)) return helm;
  const child = spawn('bash', [BUILD_SCRIPT, 'helm'], { stdio: ['ignore', process.stderr, process.stderr] });
  try {
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => existsSync(helm) && resolve(), 2_000);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`test/cluster/build.sh helm exited ${code}`))));
      const done = (): void => clearInterval(poll);
      child.on('exit', done);
      child.on('error', done);
    });
  } finally {
    // Still waiting for the lock (or finishing up after the binary appeared): nothing left for it to do.
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  if (!existsSync(helm)) throw new Error(`test/cluster/build.sh helm succeeded but ${helm} is missing`);
  return helm;
}

export interface HelmResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Run helm with an isolated HOME-less configuration (no user repositories, plugins or registry logins can
 * change the result). Never throws on a non-zero exit: the caller looks at `code` and `stderr`.
 */
export function runHelm(helm: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<HelmResult> {
  const isolated = path.join(REPO_ROOT, '.tmp', 'helm-home');
  const fullEnv: NodeJS.ProcessEnv = {
    ...env,
    HELM_CONFIG_HOME: path.join(isolated, 'config'),
    HELM_CACHE_HOME: path.join(isolated, 'cache'),
    HELM_DATA_HOME: path.join(isolated, 'data'),
  };
  return new Promise((resolve, reject) => {
    execFile(helm, [...args], { env: fullEnv, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, timeout: 180_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code === 'string') {
        reject(error);
        return;
      }
      resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 124) : 0 });
    });
  });
}

/** The Kubernetes version of the test cluster (test/cluster/versions.env), without the "v". */
export function testClusterKubeVersion(): string {
  const env = readFileSync(path.join(REPO_ROOT, 'test', 'cluster', 'versions.env'), 'utf8');
  const m = /^K8S_VERSION=v?(\S+)/m.exec(env);
  if (!m?.[1]) throw new Error('test/cluster/versions.env has no K8S_VERSION');
  return m[1];
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Default: the test cluster's version. */
  kubeVersion?: string;
  valuesFiles?: readonly string[];
  /** --set-json KEY=JSON pairs. */
  setJson?: Readonly<Record<string, unknown>>;
  /** Render the `helm test` hooks too (left out by default, as in manifests/archcheck.yaml). */
  tests?: boolean;
}

export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = ['template', opts.release ?? 'archcheck', CHART_DIR, '--namespace', opts.namespace ?? 'archcheck'];
  args.push('--kube-version', opts.kubeVersion ?? testClusterKubeVersion());
  for (const f of opts.valuesFiles ?? []) args.push('--values', f);
  for (const [k, v] of Object.entries(opts.setJson ?? {})) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  if (!opts.tests) args.push('--skip-tests');
  return args;
}

/** `helm template` → its text, or throws with helm's error (e.g. a validate.yaml `fail`). */
export async function renderText(helm: string, opts: RenderOptions = {}): Promise<string> {
  const r = await runHelm(helm, templateArgs(opts));
  if (r.code !== 0) throw new Error(r.stderr.trim() || `helm template exited ${r.code}`);
  return r.stdout;
}

/** `helm template` → the rendered objects. */
export async function render(helm: string, opts: RenderOptions = {}): Promise<K8sObject[]> {
  return parseManifests(await renderText(helm, opts));
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}
