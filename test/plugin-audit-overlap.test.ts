/**
 * `kubectl archcheck -A` looks up workload templates' images while the pods are still being listed: against the real
 * registry (token auth, a private repository) and a loopback API server that serves the pods in many pages, the
 * registry sees requests before the last pod page is served, and the report and the registry's own access log are
 * the same as when every list is read before the first lookup (the order the audit used to work in).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../plugin/audit/report.js';
import { runCli } from '../plugin/cli.js';
import { parseAccessLog } from './registry/access-log.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

type Json = Record<string, unknown>;

/** How the stand-in API server orders its answers. */
type Order =
  /** The last pod page waits until the registry has served a manifest (at most HOLD_LIMIT_MS). */
  | 'pods-last'
  /** Nodes and workload lists wait until the last pod page is served: nothing to look up before the pods are read. */
  | 'pods-first'
  /** Every answer at once. */
  | 'at-once';

const POD_PAGE = 3;
/** Below the audit's default --request-timeout (30 s), so a run that never overlaps fails on the assertion, not on a timeout. */
const HOLD_LIMIT_MS = 10_000;

let registry: TestRegistry;
let fx: Fixtures;
let work: string;

function podSpec(image: string, pullSecrets: string[] = []): Json {
  return { containers: [{ name: 'app', image }], ...(pullSecrets.length > 0 && { imagePullSecrets: pullSecrets.map((name) => ({ name })) }) };
}

interface Deployment {
  namespace: string;
  name: string;
  replicas: number;
  spec: Json;
  /** The pull secrets admission gives its pods (the template's, or the ServiceAccount's when it names none). */
  podSecrets: string[];
}

/** The cluster: in `team`, the default ServiceAccount carries the pull secret; in `shop`, only templates name it. */
function deployments(): Deployment[] {
  const shop = (name: string, replicas: number, image: string, secrets: string[] = []): Deployment => ({ namespace: 'shop', name, replicas, spec: podSpec(image, secrets), podSecrets: secrets });
  // The template names no secret; admission gives the pods the ServiceAccount's.
  const team = (name: string, replicas: number, image: string): Deployment => ({ namespace: 'team', name, replicas, spec: podSpec(image), podSecrets: ['regcred'] });
  return [
    shop('web', 6, fx.multi.ref),
    shop('legacy', 4, fx.singleAmd64.ref),
    shop('arm', 2, fx.singleArm64.ref),
    shop('private-auth', 2, fx.privateSecret.ref, ['regcred']),
    shop('private-noauth', 0, fx.privateSecret.ref),
    team('private-sa', 3, fx.privateSecret.ref),
    team('web', 2, fx.multi.ref),
  ];
}

function clusterObjects(): { nodes: Json[]; deployments: Json[]; replicasets: Json[]; pods: Json[] } {
  const node = (name: string, arch: string): Json => ({
    metadata: { name, labels: { 'kubernetes.io/arch': arch, 'kubernetes.io/os': 'linux' } },
    status: { allocatable: { cpu: '8', memory: '32Gi' } },
  });
  const all = deployments();
  return {
    nodes: [node('amd-0', 'amd64'), node('arm-0', 'arm64')],
    deployments: all.map((d) => ({
      metadata: { name: d.name, namespace: d.namespace, uid: `d-${d.namespace}-${d.name}`, labels: { app: d.name } },
      spec: { replicas: d.replicas, selector: { matchLabels: { app: d.name } }, template: { metadata: { labels: { app: d.name } }, spec: d.spec } },
    })),
    replicasets: all.map((d) => ({
      metadata: { name: `${d.name}-1`, namespace: d.namespace, uid: `rs-${d.namespace}-${d.name}`, ownerReferences: [{ kind: 'Deployment', name: d.name, uid: `d-${d.namespace}-${d.name}`, controller: true }] },
      spec: { replicas: d.replicas, template: { spec: d.spec } },
    })),
    pods: all.flatMap((d) =>
      Array.from({ length: d.replicas }, (_, i) => ({
        metadata: { name: `${d.name}-1-${i}`, namespace: d.namespace, ownerReferences: [{ kind: 'ReplicaSet', name: `${d.name}-1`, uid: `rs-${d.namespace}-${d.name}`, controller: true }] },
        spec: { ...podSpec((d.spec.containers as Array<{ image: string }>)[0]!.image, d.podSecrets), nodeName: i % 2 ? 'arm-0' : 'amd-0' },
        status: { phase: 'Running' },
      })),
    ),
  };
}

function pullSecret(): Json {
  const { username, password } = registry.credentials!;
  const config = { auths: { [registry.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
  return { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') } };
}

/** Registry manifest requests it served, from its own access log, since `from` (a length of logs()). */
function manifestsServedSince(from: number): number {
  return parseAccessLog(registry.logs().slice(from)).filter((e) => e.kind === 'manifest' && e.status === 200).length;
}

async function registryServedAManifest(from: number): Promise<boolean> {
  for (let waited = 0; waited < HOLD_LIMIT_MS; waited += 20) {
    if (manifestsServedSince(from) > 0) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

interface StandIn {
  kubeconfig: string;
  /** Whether the registry had served a manifest when the last pod page went out. */
  registryBeforeLastPodPage: boolean | undefined;
  stop(): Promise<void>;
}

const EMPTY_LISTS = ['/apis/apps/v1/statefulsets', '/apis/apps/v1/daemonsets', '/apis/batch/v1/jobs', '/apis/batch/v1/cronjobs', '/api/v1/replicationcontrollers'];

/** A loopback API server answering what the audit reads, in the given order. */
async function startStandIn(order: Order, failLastPodPage = false): Promise<StandIn> {
  const objects = clusterObjects();
  const lists: Record<string, Json[]> = { '/api/v1/nodes': objects.nodes, '/apis/apps/v1/deployments': objects.deployments, '/apis/apps/v1/replicasets': objects.replicasets };
  for (const path of EMPTY_LISTS) lists[path] = [];
  const serviceAccounts: Record<string, Json> = { shop: {}, team: { imagePullSecrets: [{ name: 'regcred' }] } };
  const from = registry.logs().length;
  let podsServed!: () => void;
  const podsDone = new Promise<void>((r) => (podsServed = r));
  const state: StandIn = { kubeconfig: '', registryBeforeLastPodPage: undefined, stop: () => Promise.resolve() };

  const answer = async (url: URL): Promise<Json | undefined> => {
    if (url.pathname === '/api/v1/pods') {
      const start = Number(url.searchParams.get('continue') ?? 0);
      const last = start + POD_PAGE >= objects.pods.length;
      if (last) state.registryBeforeLastPodPage = order === 'pods-last' ? await registryServedAManifest(from) : manifestsServedSince(from) > 0;
      if (last) setImmediate(podsServed);
      if (last && failLastPodPage) return { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcdserver: request timed out' };
      return { metadata: last ? {} : { continue: String(start + POD_PAGE) }, items: objects.pods.slice(start, start + POD_PAGE) };
    }
    const list = lists[url.pathname];
    if (list) {
      if (order === 'pods-first') await podsDone;
      return { metadata: {}, items: list };
    }
    const sa = /^\/api\/v1\/namespaces\/(\w+)\/serviceaccounts\/default$/.exec(url.pathname);
    if (sa) return serviceAccounts[sa[1]!];
    if (/^\/api\/v1\/namespaces\/(shop|team)\/secrets\/regcred$/.test(url.pathname)) return pullSecret();
    return undefined;
  };
  const server = http.createServer((req, res) => {
    void answer(new URL(req.url ?? '/', 'http://x')).then((body) => {
      res.writeHead(body ? ((body.code as number | undefined) ?? 200) : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { kind: 'Status', code: 404, reason: 'NotFound', message: `${req.url} not found` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.kubeconfig = join(work, `${order}.kubeconfig`);
  writeFileSync(
    state.kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'stand-in', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'stand-in',
    }),
  );
  state.stop = () => new Promise((r) => server.close(() => r()));
  return state;
}

interface Run {
  report: AuditReport;
  /** `METHOD path status` of every request the registry served during the run, sorted. */
  registryRequests: string[];
  registryBeforeLastPodPage: boolean | undefined;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `kubectl archcheck -A -o json` (cold unless `cacheDir` is given) against a stand-in API server. */
async function archcheck(standIn: StandIn, cacheDir = mkdtempSync(join(work, 'cache-'))): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const args = ['-A', '-o', 'json', '--kubeconfig', standIn.kubeconfig, '--insecure-registry', registry.host, '--registry-config', join(work, 'docker.json'), '--cloud-auth', 'none'];
  const code = await runCli([...args, '--cache-dir', cacheDir], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {} });
  return { code, stdout, stderr };
}

/** One cold audit against a stand-in API server answering in `order`. */
async function audit(order: Order): Promise<Run> {
  const standIn = await startStandIn(order);
  const from = registry.logs().length;
  let stdout = '';
  try {
    const r = await archcheck(standIn);
    expect(r.stderr).not.toMatch(/error|at .*\.ts/i);
    expect(r.code).toBe(0);
    stdout = r.stdout;
  } finally {
    await standIn.stop();
  }
  const registryRequests = parseAccessLog(registry.logs().slice(from)).map((e) => `${e.method} ${e.path} ${e.status}`);
  return { report: JSON.parse(stdout) as AuditReport, registryRequests: registryRequests.sort(), registryBeforeLastPodPage: standIn.registryBeforeLastPodPage };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'archcheck-audit-overlap-'));
  writeFileSync(join(work, 'docker.json'), '{"auths":{}}');
  registry = await startRegistry({ name: 'audit-overlap', auth: 'token' });
  fx = await pushStandardFixtures(registry, { bigManifest: false });
}, 120_000);

afterAll(() => registry?.stop());

describe('audit: images looked up while the pods are still listed', () => {
  it('the registry serves manifests before the last pod page; report and registry requests equal those of reading everything first', async () => {
    const overlapped = await audit('pods-last');
    const sequential = await audit('pods-first');

    expect(overlapped.registryBeforeLastPodPage).toBe(true);
    expect(sequential.registryBeforeLastPodPage).toBe(false);
    expect(overlapped.report).toEqual(sequential.report);
    // Only what the registry answered with 200 is compared: how many 401 challenges a cold client meets depends on
    // how its first concurrent requests interleave, in either order.
    const served = (r: Run): string[] => r.registryRequests.filter((l) => l.endsWith(' 200'));
    expect(served(overlapped)).toEqual(served(sequential));
    expect(served(overlapped).length).toBeGreaterThan(0);

    // A private image is judged with the credentials its pods pull with, never with an answer fetched without them.
    const status = new Map(overlapped.report.workloads.map((w) => [`${w.namespace}/${w.name}`, w.status]));
    expect(Object.fromEntries(status)).toEqual({
      // Their pods alternate between the amd64 and the arm64 node: single-arch images are broken on one of them.
      'shop/arm': 'broken',
      'shop/legacy': 'broken',
      'shop/private-auth': 'ok',
      'shop/private-noauth': 'unknown',
      'shop/web': 'ok',
      'team/private-sa': 'ok',
      'team/web': 'ok',
    });
  }, 120_000);

  it("a pod page failing after lookups started: the API server's error, one line, exit 2; nothing left unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const standIn = await startStandIn('pods-last', true);
    try {
      const r = await archcheck(standIn);
      expect(standIn.registryBeforeLastPodPage).toBe(true);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^auditing all namespaces/), expect.stringMatching(/^error: .*etcdserver: request timed out/)]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await standIn.stop();
    }
  }, 60_000);

  it('an unusable --cache-dir is still the one error, after the cluster is read, and no registry request is made', async () => {
    const standIn = await startStandIn('at-once');
    const from = registry.logs().length;
    try {
      const r = await archcheck(standIn, '/proc/archcheck-nope/cache');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\nerror: --cache-dir \/proc\/archcheck-nope\/cache: cannot create \/proc\/archcheck-nope: ENOENT; pass a writable directory or --no-cache\n$/);
      expect(parseAccessLog(registry.logs().slice(from))).toEqual([]);
    } finally {
      await standIn.stop();
    }
  }, 60_000);
});
