/**
 * `kubectl archcheck fleet` on two real control planes started side by side with different node mixes (the default
 * mixed amd64/arm64 cluster with the audit scenario; an amd64-only "edge" cluster) and a third context whose API
 * server port is closed. Images live in one real registry; its access log shows each image is fetched once for the
 * whole fleet. (Two real clusters plus an unreachable one: three real ones are too heavy for the 2-core machine.)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { FleetReport } from '../plugin/fleet/fleet-report.js';
import { runCli } from '../plugin/cli.js';
import { freePort, type NodeSpec, type TestCluster } from './cluster/cluster.js';
import { startClusterSerialized } from './e2e/harness.js';
import { applyScenario, EXPECTED_STATUS, SHOP } from './plugin-cluster-scenario.js';
import { outputSchemaErrors } from './plugin-output-schema.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

let mixed: TestCluster;
let edge: TestCluster;
let registry: TestRegistry;
let fx: Fixtures;
let work: string;
let dir: string;

const EDGE_NODES: readonly NodeSpec[] = [
  { name: 'edge-0', arch: 'amd64', pool: 'edge', instanceType: 'Standard_D2s_v5' },
  { name: 'edge-1', arch: 'amd64', pool: 'edge', instanceType: 'Standard_D2s_v5' },
];

async function archcheck(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const flags = ['--insecure-registry', registry.host, '--registry-config', join(work, 'docker.json'), '--cloud-auth', 'none', '--no-cache', '--request-timeout', '5s'];
  const code = await runCli(['fleet', ...args, ...flags], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

/** A self-contained kubeconfig (certificates inlined) for a cluster, its context renamed. */
async function flatKubeconfig(cluster: TestCluster, context: string): Promise<string> {
  const raw = parse((await cluster.kubectl(['config', 'view', '--raw', '--minify', '--flatten'], { check: true })).stdout) as { contexts: Array<{ name: string }>; 'current-context': string };
  raw.contexts[0]!.name = context;
  raw['current-context'] = context;
  return stringify(raw);
}

function edgeWorkloads(): string {
  const deployment = (name: string, image: string): object => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'edge' },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image, resources: { requests: { cpu: '500m' } } }] } } },
  });
  const docs = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } }, deployment('web', fx.multi.ref), deployment('legacy', fx.singleAmd64.ref), deployment('arm-only', fx.singleArm64.ref)];
  return docs.map((d) => stringify(d)).join('---\n');
}

async function waitForPods(cluster: TestCluster, namespace: string, count: number): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const r = await cluster.kubectl(['get', 'pods', '-n', namespace, '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}']);
    if (r.stdout.split('\n').filter(Boolean).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'archcheck-fleet-'));
  writeFileSync(join(work, 'docker.json'), '{"auths":{}}');
  registry = await startRegistry({ name: 'plugin-fleet', auth: 'token' });
  fx = await pushStandardFixtures(registry, { bigManifest: false });
  mixed = await startClusterSerialized({ name: 'fleet-mixed', log: () => undefined });
  edge = await startClusterSerialized({ name: 'fleet-edge', nodes: EDGE_NODES, log: () => undefined });
  await applyScenario(mixed, fx, registry);
  await edge.kubectl(['apply', '-f', '-'], { input: edgeWorkloads(), check: true });
  await waitForPods(mixed, SHOP, 15);
  await waitForPods(edge, 'edge', 3);
  dir = join(work, 'clusters');
  mkdirSync(dir);
  writeFileSync(join(dir, 'mixed.yaml'), await flatKubeconfig(mixed, 'mixed'));
  writeFileSync(join(dir, 'edge.yaml'), await flatKubeconfig(edge, 'edge'));
  // A site that is down: nothing listens on this loopback port.
  const closed = await freePort();
  writeFileSync(
    join(dir, 'down.yaml'),
    stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'down',
      clusters: [{ name: 'down', cluster: { server: `https://127.0.0.1:${closed}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'down', context: { cluster: 'down', user: 'u' } }],
    }),
  );
}, 60 * 60_000);

afterAll(async () => {
  await mixed?.stop();
  await edge?.stop();
  await registry?.stop();
});

const repo = (ref: string): string => ref.slice(ref.indexOf('/') + 1).replace(/[:@].*$/, '');

describe('kubectl archcheck fleet on two real clusters and one that is down', () => {
  let report: FleetReport;
  let stderr: string;

  it('audits every cluster of --kubeconfig-dir, each with its state, one registry fetch per image for the fleet', async () => {
    const logFrom = registry.logs().length;
    const r = await archcheck(['--kubeconfig-dir', dir, '-o', 'json']);
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout) as FleetReport;
    stderr = r.stderr;
    expect(outputSchemaErrors(report)).toEqual([]);
    expect(report.clusters.map((c) => [c.name, c.state])).toEqual([
      ['down', 'unreachable'],
      ['edge', 'audited'],
      ['mixed', 'audited'],
    ]);
    const down = report.clusters[0]!;
    expect(down.error).toMatch(/^cannot reach the API server https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(down.report).toBeNull();
    // Each cluster judged against its own nodes.
    const edgeReport = report.clusters[1]!.report!;
    expect(edgeReport.clusterArchs).toEqual(['amd64']);
    expect(Object.fromEntries(edgeReport.workloads.filter((w) => w.namespace === 'edge').map((w) => [`${w.kind}/${w.name}`, w.status]))).toEqual({
      'Deployment/web': 'ok',
      'Deployment/legacy': 'ok',
      'Deployment/arm-only': 'broken',
    });
    const mixedReport = report.clusters[2]!.report!;
    expect(mixedReport.clusterArchs).toEqual(['amd64', 'arm64']);
    expect(Object.fromEntries(mixedReport.workloads.filter((w) => w.namespace === SHOP).map((w) => [`${w.kind}/${w.name}`, w.status]))).toEqual(EXPECTED_STATUS);
    // The image used in both clusters was fetched once for the whole fleet.
    const lines = registry.logs().slice(logFrom).split('\n');
    const gets = (ref: string): number => lines.filter((l) => new RegExp(`"GET /v2/${repo(ref)}/manifests/[^ ]+ HTTP/[0-9.]+" 200`).test(l)).length;
    expect(gets(fx.singleAmd64.ref)).toBe(1);
    expect(gets(fx.singleArm64.ref)).toBe(1);
  });

  it('rolls up: images blocking arm64 and in which clusters, workloads broken or at risk and where', () => {
    const s = report.summary;
    expect([s.clusters, s.audited, s.byState.unreachable]).toEqual([3, 2, 1]);
    const perCluster = report.clusters.map((c) => c.report?.summary.workloads ?? 0);
    expect(s.workloads).toBe(perCluster.reduce((a, b) => a + b, 0));
    const amd = report.blockingImages.find((b) => b.image === fx.singleAmd64.ref)!;
    expect(amd.clusters).toEqual([
      { cluster: 'mixed', workloads: 6 },
      { cluster: 'edge', workloads: 1 },
    ]);
    expect(amd.workloads).toBe(7);
    expect(report.blockingImages[0]!.image).toBe(fx.singleAmd64.ref);
    const broken = report.findings.filter((f) => f.status === 'broken').map((f) => `${f.cluster}/${f.namespace}/${f.kind}/${f.name}`);
    expect(broken).toEqual(['edge/edge/Deployment/arm-only', 'mixed/shop/Deployment/misplaced', 'mixed/shop/Pod/pinned']);
    expect(report.findings.filter((f) => f.status === 'at-risk').map((f) => `${f.cluster}/${f.name}`)).toEqual(expect.arrayContaining(['mixed/legacy-tolerant', 'mixed/db']));
    // Progress: a line per cluster on stderr, the one that is down with its reason.
    expect(stderr).toMatch(/^auditing 3 clusters \(8 at a time\)\n/);
    expect(stderr).toMatch(/\[\d\/3\] down \(https:\/\/127\.0\.0\.1:\d+\): unreachable: cannot reach the API server/);
    expect(stderr).toMatch(/\[\d\/3\] edge \(https:\/\/127\.0\.0\.1:\d+\): audited, \d+ workloads, arm64-ready \d+\/\d+\n/);
  });

  it('--fail-on works across the fleet; unreachable clusters fail only when asked', async () => {
    expect((await archcheck(['--kubeconfig-dir', dir, '--fail-on', 'broken', '-o', 'json'])).code).toBe(1);
    expect((await archcheck(['--kubeconfig-dir', dir, '--fail-on', 'unreachable', '-l', 'app=web', '-o', 'json'])).code).toBe(1);
    const clean = await archcheck(['--kubeconfig-dir', dir, '--fail-on', 'broken,at-risk', '-l', 'app=web', '-o', 'json']);
    expect(clean.code).toBe(0);
  });

  it('takes contexts from a multi-file KUBECONFIG with --contexts, and prints a table and markdown', async () => {
    const env = { KUBECONFIG: ['mixed', 'edge', 'down'].map((n) => join(dir, `${n}.yaml`)).join(':') };
    const table = await archcheck(['--contexts', 'edge,down'], env);
    expect(table.code).toBe(0);
    const rows = table.stdout.split('\n');
    expect(rows[0]).toMatch(/^CLUSTER\s+STATE\s+WORKLOADS\s+OK\s+AT-RISK\s+BROKEN\s+UNKNOWN\s+ARM64-READY$/);
    expect(rows[1]).toMatch(/^edge\s+audited\s+\d+\s+\d+\s+0\s+1\s+0\s+\d+\/\d+ \([\d.]+%\)$/);
    expect(rows[2]).toMatch(/^down\s+unreachable\s+-/);
    expect(table.stdout).toMatch(/\nNot audited:\n {2}down: unreachable: cannot reach the API server/);
    const md = (await archcheck(['--contexts', 'edge,down', '-o', 'markdown'], env)).stdout;
    expect(md.split('\n')[0]).toBe('### archcheck fleet: arm64 readiness of 2 clusters');
    expect(md).toContain('| `edge` | `edge` | `Deployment/arm-only` | **broken** |');
    expect(md).toMatch(/- `down`: unreachable: cannot reach the API server/);
    const unknown = await archcheck(['--contexts', 'edge,nope'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: --contexts: "nope" not in the kubeconfig \(KUBECONFIG=.*\); contexts: mixed, edge, down\n$/);
  });

  it('exits 2 when no cluster can be audited, after saying why', async () => {
    const env = { KUBECONFIG: join(dir, 'down.yaml') };
    const r = await archcheck(['--all-contexts', '-o', 'json'], env);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as FleetReport).clusters[0]!.state).toBe('unreachable');
    expect(r.stderr).toMatch(/error: no cluster could be audited\n$/);
  });
});
