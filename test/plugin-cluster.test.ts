/**
 * `kubectl archcheck` audit, nodes and savings on a real control plane (kube-apiserver, scheduler, controller-manager
 * built from source; kwok nodes amdpool / armpool tainted kubernetes.io/arch=arm64 / armctl custom taint) with images
 * in a real registry. Workloads in every status are created without any webhook (see plugin-cluster-scenario.ts).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { AuditReport, WorkloadReport } from '../plugin/audit/report.js';
import { runCli } from '../plugin/cli.js';
import { connectKube } from '../plugin/kube/kube-client.js';
import { listAll } from '../plugin/kube/list-all.js';
import type { NodePoolReport } from '../plugin/nodes/node-pools.js';
import type { SavingsReport } from '../plugin/savings/savings.js';
import { freePort, run, type TestCluster } from './cluster/cluster.js';
import { startClusterSerialized } from './e2e/harness.js';
import { outputSchemaErrors } from './plugin-output-schema.js';
import { applyScenario, auditorKubeconfig, EXPECTED_STATUS, SHOP } from './plugin-cluster-scenario.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let cluster: TestCluster;
let registry: TestRegistry;
let fx: Fixtures;
let work: string;
let auditorConfig: string;

/** The plugin in-process, isolated from the machine's docker credentials and cache. */
async function archcheck(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const registryFlags = ['--insecure-registry', registry.host, '--registry-config', join(work, 'empty-docker-config.json'), '--cache-dir', join(work, 'cache'), '--cloud-auth', 'none'];
  const needsRegistry = !['nodes'].includes(args[0] ?? '');
  const code = await runCli([...args, ...(needsRegistry ? registryFlags : [])], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
  });
  return { code, stdout, stderr };
}

const admin = (): string[] => ['--kubeconfig', cluster.kubeconfigPath];

function byName(report: AuditReport): Map<string, WorkloadReport> {
  return new Map(report.workloads.map((w) => [`${w.kind}/${w.name}`, w]));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'archcheck-plugin-cluster-'));
  writeFileSync(join(work, 'empty-docker-config.json'), '{"auths":{}}');
  registry = await startRegistry({ name: 'plugin-cluster', auth: 'token' });
  fx = await pushStandardFixtures(registry, { bigManifest: false });
  // Serialized with other suites' clusters: concurrent kwokctl creates pick the same component ports.
  cluster = await startClusterSerialized({ name: 'plugin-audit', log: () => undefined });
  await applyScenario(cluster, fx, registry);
  auditorConfig = join(work, 'auditor.kubeconfig');
  writeFileSync(auditorConfig, await auditorKubeconfig(cluster));
  // Wait until the controllers have made the pods the scenario expects (DaemonSet on 5 nodes, 2 misplaced…).
  const expectedPods = 2 + 1 + 1 + 1 + 2 + 5 + 1 + 2; // web, legacy, legacy-tolerant, arm-native, misplaced, agent, lonely, bare pods
  for (let i = 0; i < 240; i++) {
    const r = await cluster.kubectl(['get', 'pods', '-n', SHOP, '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}']);
    if (r.stdout.split('\n').filter(Boolean).length >= expectedPods) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Budget for a cold build of the cluster binaries (test/cluster/build.sh) when this suite is the first to need them.
}, 60 * 60_000);

afterAll(async () => {
  await cluster?.stop();
  await registry?.stop();
});

describe('kubectl archcheck audit on a real cluster', () => {
  it('judges every workload, pods rolled up to their owners', async () => {
    const r = await archcheck(['-n', SHOP, '-o', 'json', ...admin()]);
    // Only the line that names what is audited: the context and the server, before anything is read.
    expect(r.stderr).toBe(`auditing namespace "${SHOP}" of context "kwok-${cluster.name}" (${cluster.server})\n`);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(Object.fromEntries(report.workloads.map((w) => [`${w.kind}/${w.name}`, w.status]))).toEqual(EXPECTED_STATUS);
    expect(outputSchemaErrors(report)).toEqual([]);
    expect(report.clusterArchs).toEqual(['amd64', 'arm64']);
    expect(report.source).toBe('cluster');
    expect(report.summary).toEqual({
      workloads: 13,
      byStatus: { ok: 8, 'at-risk': 2, broken: 2, unknown: 1 },
      targetArch: 'arm64',
      targetReady: 7,
      targetReadyPercent: 53.8,
      topBlockingImages: [{ image: fx.singleAmd64.ref, workloads: 5 }],
    });
  });

  it('reports a workload with pods on an incompatible node field by field', async () => {
    const report = JSON.parse((await archcheck(['-n', SHOP, '-o', 'json', ...admin()])).stdout) as AuditReport;
    const misplaced = byName(report).get('Deployment/misplaced')!;
    expect(misplaced.status).toBe('broken');
    expect(misplaced.reason).toMatch(new RegExp(`^pod misplaced-\\S+ runs on aks-armpool-[01] \\(arm64\\) but ${fx.singleAmd64.ref.replace(/[.]/g, '\\.')} has no arm64 build \\(and 1 more pod\\)$`));
    expect(misplaced.images).toEqual([
      {
        container: 'c0',
        containerType: 'container',
        image: fx.singleAmd64.ref,
        canonical: fx.singleAmd64.ref,
        digest: fx.singleAmd64.digest,
        platforms: ['linux/amd64'],
        archs: ['amd64'],
        error: null,
      },
    ]);
    expect(misplaced.sharedArchs).toEqual(['amd64']);
    expect(misplaced.archConstraint).toBe('kubernetes.io/arch in [arm64]');
    expect(misplaced.tolerations).toEqual([{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }]);
    expect(misplaced.schedulableArchs).toEqual(['arm64']);
    expect(misplaced.nodes.map((n) => [n.arch, n.pods, n.incompatible])).toEqual([
      ['arm64', 1, true],
      ['arm64', 1, true],
    ]);
    expect(misplaced.pods).toBe(2);
    expect(misplaced.cpuRequests).toEqual({ millicores: 500, byArch: { arm64: 500 } });
    expect(misplaced.target).toEqual({ arch: 'arm64', ready: false, blockingImages: [fx.singleAmd64.ref], unresolvedImages: [] });

    const pinned = byName(report).get('Pod/pinned')!;
    expect(pinned.nodes).toEqual([{ node: 'aks-armctl-0', arch: 'arm64', pods: 1, incompatible: true }]);
  });

  it('tells at-risk from ok by taints and tolerations', async () => {
    const report = byName(JSON.parse((await archcheck(['-n', SHOP, '-o', 'json', ...admin()])).stdout) as AuditReport);
    const legacy = report.get('Deployment/legacy')!;
    expect(legacy.schedulableArchs).toEqual(['amd64']);
    expect(legacy.reason).toBe(
      'no arm64 build, but kept off arm64 nodes: taint kubernetes.io/arch=arm64:NoSchedule not tolerated (2 nodes); taint node-role.vos/arm_controller=true:NoSchedule not tolerated (1 node)',
    );
    const tolerant = report.get('Deployment/legacy-tolerant')!;
    expect(tolerant.schedulableArchs).toEqual(['amd64', 'arm64']);
    expect(tolerant.reason).toBe(`can be scheduled onto arm64 nodes, but ${fx.singleAmd64.ref} has no arm64 build`);
    expect(tolerant.nodes.map((n) => n.arch)).toEqual(['amd64']);
    // The StatefulSet has no pods; its init container is what blocks arm64.
    const db = report.get('StatefulSet/db')!;
    expect(db.images.map((i) => [i.containerType, i.archs])).toEqual([
      ['initContainer', ['amd64']],
      ['container', ['386', 'amd64', 'arm', 'arm64']],
    ]);
    expect(db.sharedArchs).toEqual(['amd64']);
    expect(db.status).toBe('at-risk');
    const agent = report.get('DaemonSet/agent')!;
    expect(agent.nodes.map((n) => n.node)).toEqual(['aks-amdpool-0', 'aks-amdpool-1', 'aks-armctl-0', 'aks-armpool-0', 'aks-armpool-1']);
  });

  it('uses the pull secrets pods name, and says why an image without one could not be read', async () => {
    const report = byName(JSON.parse((await archcheck(['-n', SHOP, '-o', 'json', ...admin()])).stdout) as AuditReport);
    expect(report.get('Deployment/private-app-auth')!.images[0]!.archs).toEqual(['amd64', 'arm64']);
    const unreadable = report.get('Deployment/private-app')!;
    expect(unreadable.status).toBe('unknown');
    expect(unreadable.images[0]!.error!.code).toBe('UNAUTHORIZED');
    expect(unreadable.target.ready).toBeNull();
  });

  it('prints a kubectl-style table and a summary', async () => {
    const r = await archcheck(['-n', SHOP, ...admin()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^WORKLOAD\s+STATUS\s+ARCHS\s+ARM64\s+REASON$/);
    const rows = new Map(lines.slice(1, 14).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)[1]]));
    expect(Object.fromEntries(rows)).toEqual(EXPECTED_STATUS);
    expect(r.stdout).toContain('\n13 workloads: 8 ok, 2 at-risk, 2 broken, 1 unknown; arm64-ready: 7/13 (53.8%)\n');
    expect(r.stdout).toContain(`top images blocking arm64: ${fx.singleAmd64.ref} (5 workloads)`);
    expect(r.stdout).toContain(`could not resolve 1 image:\n  ${fx.privateSecret.ref}: UNAUTHORIZED:`);
    expect(r.stdout).not.toContain('\u001b[');
    for (const line of lines.slice(0, 14)) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(rows.size).toBe(13);
  });

  it('gives the same report as YAML', async () => {
    const json = JSON.parse((await archcheck(['-n', SHOP, '-o', 'json', ...admin()])).stdout) as AuditReport;
    const yaml = parse((await archcheck(['-n', SHOP, '-o', 'yaml', ...admin()])).stdout) as AuditReport;
    expect(yaml).toEqual(json);
  });

  it('exits 1 on --fail-on findings, 0 when the selected workloads are clean', async () => {
    expect((await archcheck(['-n', SHOP, '--fail-on', 'broken', '-o', 'json', ...admin()])).code).toBe(1);
    const web = await archcheck(['-n', SHOP, '-l', 'app=web', '--fail-on', 'at-risk,broken,unknown,not-ready', '-o', 'json', ...admin()]);
    expect(web.code).toBe(0);
    expect((JSON.parse(web.stdout) as AuditReport).workloads.map((w) => w.name)).toEqual(['web']);
  });

  it('audits all namespaces with -A', async () => {
    const report = JSON.parse((await archcheck(['-A', '-o', 'json', ...admin()])).stdout) as AuditReport;
    expect(report.workloads.some((w) => w.namespace === 'team-b' && w.name === 'b-web' && w.status === 'at-risk')).toBe(true);
    const table = await archcheck(['-A', ...admin()]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+WORKLOAD/);
  });

  it('lists in pages (limit/continue) and gets every object', async () => {
    const kube = await connectKube({ kubeconfig: cluster.kubeconfigPath, requestTimeoutMs: 10_000 });
    const target = { groupVersion: '/api/v1', resource: 'pods', namespace: SHOP };
    const paged = await listAll<{ metadata: { name: string } }>(kube, target, 2);
    const whole = await listAll<{ metadata: { name: string } }>(kube, target, 500);
    expect(paged.map((p) => p.metadata.name).sort()).toEqual(whole.map((p) => p.metadata.name).sort());
    expect(paged.length).toBeGreaterThan(10);
  });
});

describe('partial permissions and bad input', () => {
  it('exits 2 with one line when the namespace is forbidden', async () => {
    const r = await archcheck(['-n', 'team-b', '--kubeconfig', auditorConfig]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^auditing namespace "team-b" of context "[^"]+" \(https:\/\/127\.0\.0\.1:\d+\)\nerror: cannot read workloads or pods in namespace team-b: .*forbidden: User "system:serviceaccount:shop:auditor" cannot list .*\n$/);
  });

  it('audits what it may read with -A and says what it could not', async () => {
    const r = await archcheck(['-A', '-o', 'json', '--kubeconfig', auditorConfig]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(new Set(report.workloads.map((w) => w.namespace))).toEqual(new Set([SHOP]));
    expect(report.workloads).toHaveLength(13);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^namespace team-b: cannot read workloads or pods \(.*forbidden/));
    expect(r.stderr).toMatch(/^warning: namespace team-b: cannot read workloads or pods/m);
  });

  it('authenticates through an exec credential plugin (as AKS kubelogin does)', async () => {
    const token = (await cluster.kubectl(['create', 'token', 'auditor', '-n', SHOP, '--duration', '1h'], { check: true })).stdout.trim();
    const plugin = join(work, 'fake-kubelogin.sh');
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, { mode: 0o755 });
    const withToken = parse(readFileSync(auditorConfig, 'utf8')) as { users: Array<{ name: string; user: Record<string, unknown> }> };
    withToken.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } };
    const config = join(work, 'exec.kubeconfig');
    writeFileSync(config, stringify(withToken));
    const r = await archcheck(['-l', 'app=web', '-o', 'json', '--kubeconfig', config]);
    expect(r.stderr).toMatch(/^auditing namespace "shop" of context "[^"]+" \(https:[^)]+\)\n$/);
    expect((JSON.parse(r.stdout) as AuditReport).workloads.map((w) => `${w.namespace}/${w.name}`)).toEqual([`${SHOP}/web`]);
  });

  it('exits 2 with one line when the API server is unreachable', async () => {
    const port = await freePort();
    const config = join(work, 'unreachable.kubeconfig');
    writeFileSync(
      config,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`,
    );
    const r = await archcheck(['-A', '--kubeconfig', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`auditing all namespaces of context "x" (https://127.0.0.1:${port})\nerror: cannot reach the API server https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('exits 2 with one line for an unreadable kubeconfig', async () => {
    const bad = join(work, 'bad.kubeconfig');
    writeFileSync(bad, 'clusters: [\n');
    const r = await archcheck(['-A', '--kubeconfig', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read kubeconfig .*bad\.kubeconfig: invalid YAML: [^\n]+\n$/);
  });
});

describe('kubectl archcheck nodes and savings', () => {
  it('groups nodes into pools by arch', async () => {
    const r = await archcheck(['nodes', '-o', 'json', ...admin()]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as NodePoolReport;
    expect(outputSchemaErrors(report)).toEqual([]);
    expect(report.pools.map((p) => [p.pool, p.arch, p.nodeCount, p.instanceTypes, p.taints.map((t) => `${t.key}=${t.value}:${t.effect}`), p.allocatable.cpuMillicores])).toEqual([
      ['amdpool', 'amd64', 2, ['Standard_D4s_v5'], [], 8000],
      ['armctl', 'arm64', 1, ['Standard_D4ps_v5'], ['node-role.vos/arm_controller=true:NoSchedule'], 4000],
      ['armpool', 'arm64', 2, ['Standard_D4ps_v5'], ['kubernetes.io/arch=arm64:NoSchedule'], 8000],
    ]);
    const table = await archcheck(['nodes', ...admin()]);
    expect(table.stdout).toContain('amd64: 2 nodes, 8 CPU, 32Gi; arm64: 3 nodes, 12 CPU, 48Gi');
  });

  it('prices moving the arm64-ready workloads off amd64, with the arithmetic', async () => {
    // Ready and on amd64 now: web 2 × 250m, agent 2 × 250m (amd64 nodes), lonely 250m, debug 250m = 1.5 vCPU.
    // (0.048 − 0.035125) × 1.5 × 24 × 365 = 169.1775
    const r = await archcheck(['savings', '-n', SHOP, '--price', 'amd64=0.048', '--price', 'arm64=0.035125', '-o', 'json', ...admin()]);
    expect(r.code).toBe(0);
    const savings = JSON.parse(r.stdout) as SavingsReport;
    expect(outputSchemaErrors(savings)).toEqual([]);
    expect(savings.total.vcpu).toBe(1.5);
    expect(savings.total.yearly).toBe(169.18);
    expect(savings.total.terms[0]!.arithmetic).toBe('($0.048 − $0.035125) × 1.5 vCPU × 24 × 365 = $169.18');
    expect(savings.targetCheaperPercent).toEqual({ amd64: 26.8 });
    expect(savings.workloads.map((w) => `${w.kind}/${w.name}`).sort()).toEqual(['DaemonSet/agent', 'Deployment/web', 'Pod/debug', 'ReplicaSet/lonely']);
    // Per node pool, per month: the same 1.5 vCPU all sit on amdpool; arm64 pools have nothing to move.
    // (0.048 − 0.035125) × 1.5 × 730 = 14.098125
    expect(savings.byPool).toEqual({
      hoursPerMonth: 730,
      monthly: 14.1,
      pools: [
        {
          pool: 'amdpool', arch: 'amd64', instanceTypes: ['Standard_D4s_v5'], nodes: 2, readyWorkloads: 4, vcpu: 1.5,
          fromPricePerVcpuHour: 0.048, basis: 'amd64: --price', toPricePerVcpuHour: 0.035125, monthly: 14.1,
          arithmetic: '($0.048 − $0.035125) × 1.5 vCPU × 730 h = $14.10',
        },
      ],
    });
  });

  it('prices from an instance-type table and the nodes\' instance types', async () => {
    const file = join(work, 'prices.yaml');
    writeFileSync(file, 'instanceTypes:\n  Standard_D4s_v5: { arch: amd64, vcpus: 4, hourly: 0.192 }\n  Standard_D4ps_v5: { arch: arm64, vcpus: 4, hourly: 0.154 }\n');
    const r = await archcheck(['savings', '-n', SHOP, '--price-file', file, ...admin()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('amd64: $0.048  (Standard_D4s_v5 $0.192/h ÷ 4 vCPU (2 nodes))');
    expect(r.stdout).toContain('arm64: $0.0385  (Standard_D4ps_v5 $0.154/h ÷ 4 vCPU (3 nodes))');
    // (0.048 − 0.0385) × 1.5 × 8760 = 124.83
    expect(r.stdout).toContain('Total: 1.5 vCPU, $124.83 per year');
    // The pool is priced from its own instance type: (0.048 − 0.0385) × 1.5 × 730 = 10.4025.
    expect(r.stdout).toMatch(/\namdpool\s+amd64\s+Standard_D4s_v5\s+4\s+1\.5\s+\$10\.40\s+\(\$0\.048 − \$0\.0385\) × 1\.5 vCPU × 730 h = \$10\.40\n/);
    expect(r.stdout).toContain('Total per month: $10.40');
  });
});

describe('the kubectl plugin executable', () => {
  const bin = join(import.meta.dirname, '..', 'bin');
  const built = existsSync(join(import.meta.dirname, '..', 'dist', 'plugin', 'commands', 'audit.js'));
  // Asynchronous: the registry's token server runs in this process and must keep answering.
  it.runIf(built)('runs as `kubectl archcheck` with a multi-file KUBECONFIG', async () => {
    const extra = join(work, 'extra.kubeconfig');
    writeFileSync(extra, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    const r = await run(cluster.binaries.kubectl, ['archcheck', '-n', SHOP, '-l', 'app=web', '-o', 'json', '--insecure-registry', registry.host, '--no-cache', '--cloud-auth', 'none', '--registry-config', join(work, 'empty-docker-config.json')], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: `${extra}:${cluster.kubeconfigPath}` },
      timeoutMs: 60_000,
    });
    expect(r.stderr).toBe(`auditing namespace "${SHOP}" of context "kwok-${cluster.name}" (${cluster.server})\n`);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as AuditReport).workloads.map((w) => [w.name, w.status])).toEqual([['web', 'ok']]);
  });
});
