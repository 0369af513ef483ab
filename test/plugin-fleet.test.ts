/**
 * `kubectl archcheck fleet` on two real control planes started side by side with different node mixes (the default
 * mixed amd64/arm64 cluster with the audit scenario; an amd64-only "edge" cluster) and a third context whose API
 * server port is closed. Images live in one real registry; its access log shows each image is fetched once for the
 * whole fleet; the HTML report renders in Debian's chromium. (Two real clusters plus an unreachable one: three real ones are too heavy for the 2-core machine.)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { FleetReport } from '../plugin/fleet/fleet-report.js';
import { runCli } from '../plugin/cli.js';
import { renderPage, screenshot } from './browser.js';
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

  it('--report writes one self-contained HTML page that renders in a real browser with the right counts', async () => {
    const file = join(work, 'fleet.html');
    const r = await archcheck(['--kubeconfig-dir', dir, '-o', 'json', '--report', file]);
    expect(r.stderr).toContain(`wrote ${file}\n`);
    const fleet = JSON.parse(r.stdout) as FleetReport;
    const html = readFileSync(file, 'utf8');
    // Nothing is fetched at view time: no external URL in any src/href, and the page's CSP forbids loads anyway.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain("default-src 'none'");
    const page = await renderPage(file);
    expect(page.console).toEqual([]);
    // The chart: one bar segment per (cluster, readiness) with its count, as the audit says.
    const segments = [...page.dom.matchAll(/<rect [^>]*data-group="([^"]+)" data-category="([^"]+)" data-count="(\d+)"/g)].map((m) => [m[1], m[2], Number(m[3])]);
    for (const c of fleet.clusters.filter((x) => x.report)) {
      const ws = c.report!.workloads;
      const expected = {
        ready: ws.filter((w) => w.status === 'ok' && w.target.ready === true).length,
        blocked: ws.filter((w) => w.status === 'ok' && w.target.ready !== true).length,
        'at-risk': ws.filter((w) => w.status === 'at-risk').length,
        broken: ws.filter((w) => w.status === 'broken').length,
        unknown: ws.filter((w) => w.status === 'unknown').length,
      };
      const drawn = Object.fromEntries(Object.keys(expected).map((k) => [k, segments.filter(([g, cat]) => g === c.name && cat === k).reduce((s, [, , n]) => s + (n as number), 0)]));
      expect(drawn, c.name).toEqual(expected);
    }
    expect(page.dom).toMatch(new RegExp(`<span data-total="broken"><i class="sw c-broken"></i>broken: ${fleet.summary.byStatus.broken}</span>`));
    // Blocking images ranked, the most blocking first; the full table, every workload shown.
    expect(page.dom).toMatch(new RegExp(`<tbody id="images-body"><tr><td class="n">1</td><td><code>${fx.singleAmd64.ref.replace(/[.]/g, '\\.')}</code></td><td class="n">7</td><td>mixed \\(6\\), edge \\(1\\)</td></tr>`));
    expect(page.dom).toContain(`<span id="shown">${fleet.summary.workloads} of ${fleet.summary.workloads}</span>`);
    expect(page.dom).toContain(`<strong>${fleet.summary.targetReady} of ${fleet.summary.workloads} workloads (${fleet.summary.targetReadyPercent}%) have every image built for arm64</strong>`);
    expect(page.dom).toMatch(/<li>down not audited: unreachable: cannot reach the API server/);
    expect(page.dom).toContain('<p id="savings" class="muted">Savings are estimated per cluster');
    // Filters: opened as report.html#category=broken, only the broken workloads are shown.
    const filtered = await renderPage(file, '#category=broken');
    const visible = [...filtered.dom.matchAll(/<tr data-category="([^"]+)" data-group="([^"]+)"( hidden="")?>/g)].filter((m) => !m[3]).map((m) => m[1]);
    expect(visible).toEqual(['broken', 'broken', 'broken']);
    expect(filtered.dom).toContain(`<span id="shown">3 of ${fleet.summary.workloads}</span>`);
    const png = join(work, 'fleet.png');
    await screenshot(file, png);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    // The screenshot in the docs is made by this test: ARCHCHECK_REPORT_SCREENSHOT=docs/img/fleet-report.png.
    if (process.env.ARCHCHECK_REPORT_SCREENSHOT) copyFileSync(png, process.env.ARCHCHECK_REPORT_SCREENSHOT);
  });

  it('audit --report: the namespaces of one cluster, drawn in the browser with the audit\'s counts', async () => {
    const file = join(work, 'audit.html');
    let stdout = '';
    let stderr = '';
    const code = await runCli(['-n', SHOP, '--kubeconfig', join(dir, 'mixed.yaml'), '-o', 'json', '--report', file, '--price', 'amd64=0.048', '--price', 'arm64=0.035125', '--insecure-registry', registry.host, '--registry-config', join(work, 'docker.json'), '--cloud-auth', 'none', '--no-cache'], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: {},
    });
    expect(code).toBe(0);
    expect(stderr).toContain(`wrote ${file}\n`);
    const audit = JSON.parse(stdout) as { summary: { byStatus: Record<string, number>; targetReady: number; workloads: number } };
    const page = await renderPage(file);
    expect(page.console).toEqual([]);
    expect(page.dom).toContain(`<title>arm64 readiness of namespace "${SHOP}" in mixed</title>`);
    const counts = Object.fromEntries([...page.dom.matchAll(/<rect [^>]*data-group="shop" data-category="([^"]+)" data-count="(\d+)"/g)].map((m) => [m[1], Number(m[2])]));
    expect(counts).toEqual({ ready: 7, blocked: 1, 'at-risk': 2, broken: 2, unknown: 1 });
    expect(audit.summary.byStatus).toEqual({ ok: 8, 'at-risk': 2, broken: 2, unknown: 1 });
    expect(page.dom).toContain(`<strong>7 of 13 workloads (53.8%) have every image built for arm64</strong>`);
    expect(audit.summary.targetReady).toBe(7);
    // The savings estimate with its inputs: the same figures as kubectl archcheck savings (plugin-cluster.test.ts).
    expect(page.dom).toContain('<tr><td>amd64</td><td>$0.048</td><td>--price</td></tr>');
    expect(page.dom).toContain('<strong id="savings-yearly">$169.18</strong> for 1.5 vCPU');
    expect(page.dom).toContain('<li>amd64 → arm64: ($0.048 − $0.035125) × 1.5 vCPU × 24 × 365 = $169.18</li>');
    expect(page.dom).toContain('<strong id="savings-monthly">$14.10</strong>');
    const bad = await runCli(['-n', SHOP, '--kubeconfig', join(dir, 'mixed.yaml'), '--report', join(work, 'missing-dir', 'r.html')], { stdout: () => undefined, stderr: (s) => (stderr = s), env: {} });
    expect(bad).toBe(2);
    expect(stderr).toMatch(/^error: --report .*missing-dir\/r\.html: cannot write in .*missing-dir \(ENOENT\)\n$/);
  });
});
