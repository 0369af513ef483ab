/** `kubectl archcheck manifests` on helm-template-style input whose images live in a real registry. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AuditReport } from '../plugin/audit/report.js';
import { runCli } from '../plugin/cli.js';
import { outputSchemaErrors } from './plugin-output-schema.js';
import { pushStandardFixtures, type Fixtures } from './registry/fixtures.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

let registry: TestRegistry;
let fx: Fixtures;
let work: string;

function helmTemplate(): string {
  return `---
# Source: shop/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop
data:
  a: b
---
# Source: shop/templates/empty.yaml
---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: init
          image: ${fx.multi.ref}
      containers:
        - name: web
          image: ${fx.singleAmd64.ref}
          resources: {requests: {cpu: 500m}}
---
# Source: shop/templates/worker.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: worker
  namespace: jobs
spec:
  serviceName: worker
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      nodeSelector: {kubernetes.io/arch: amd64}
      containers:
        - name: worker
          image: ${fx.singleAmd64.ref}
---
# Source: shop/templates/report.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: ${fx.buildx.ref}
---
# Source: shop/templates/chart-as-image.yaml
apiVersion: v1
kind: Pod
metadata:
  name: oops
spec:
  containers:
    - name: c
      image: ${fx.helmChart.ref}
`;
}

async function archcheck(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['manifests', ...args, '--registry-config', join(work, 'empty.json'), '--cache-dir', join(work, 'cache'), '--cloud-auth', 'none'], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    ...(stdin !== undefined && { readStdin: () => Promise.resolve(stdin) }),
    env: {},
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'archcheck-manifests-'));
  writeFileSync(join(work, 'empty.json'), '{}');
  registry = await startRegistry({ name: 'plugin-manifests', auth: 'none' });
  fx = await pushStandardFixtures(registry, { bigManifest: false });
}, 120_000);

afterAll(() => registry?.stop());

describe('kubectl archcheck manifests', () => {
  it('audits helm template output from stdin against the archs given', async () => {
    const r = await archcheck(['-f', '-', '-o', 'json'], helmTemplate());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(outputSchemaErrors(report)).toEqual([]);
    expect(report.source).toBe('manifests');
    expect(report.clusterArchs).toEqual(['amd64', 'arm64']);
    expect(report.workloads.map((w) => [w.namespace, `${w.kind}/${w.name}`, w.status])).toEqual([
      ['default', 'Deployment/web', 'at-risk'],
      ['default', 'CronJob/report', 'ok'],
      ['default', 'Pod/oops', 'unknown'],
      ['jobs', 'StatefulSet/worker', 'ok'],
    ]);
    const web = report.workloads[0]!;
    expect(web.images.map((i) => [i.containerType, i.image, i.archs])).toEqual([
      ['initContainer', fx.multi.ref, ['386', 'amd64', 'arm', 'arm64']],
      ['container', fx.singleAmd64.ref, ['amd64']],
    ]);
    expect(web.cpuRequests).toEqual({ millicores: 1000 });
    expect(web.nodes).toEqual([]);
    expect(report.workloads[2]!.images[0]!.error!.code).toBe('NOT_AN_IMAGE');
    expect(report.summary.topBlockingImages).toEqual([{ image: fx.singleAmd64.ref, workloads: 2 }]);
  });

  it('takes the taints every node of an arch carries into account', async () => {
    const r = await archcheck(['-f', '-', '-o', 'json', '--arch-taint', 'arm64=kubernetes.io/arch=arm64:NoSchedule'], helmTemplate());
    const web = (JSON.parse(r.stdout) as AuditReport).workloads.find((w) => w.name === 'web')!;
    expect(web.status).toBe('ok');
    expect(web.reason).toBe('no arm64 build, but kept off arm64 nodes: taint kubernetes.io/arch=arm64:NoSchedule not tolerated');
  });

  it('reads files and directories, and fails CI with --fail-on', async () => {
    const dir = mkdtempSync(join(work, 'repo-'));
    writeFileSync(join(dir, 'rendered.yaml'), helmTemplate());
    const r = await archcheck(['-f', dir, '--fail-on', 'at-risk', '--cluster-archs', 'amd64,arm64']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+WORKLOAD\s+STATUS\s+ARCHS\s+ARM64\s+REASON$/);
    expect(r.stdout).toContain('4 workloads: 2 ok, 1 at-risk, 0 broken, 1 unknown; arm64-ready: 1/4 (25%)');
    const amdOnly = await archcheck(['-f', dir, '--fail-on', 'at-risk', '--cluster-archs', 'amd64']);
    expect(amdOnly.code).toBe(0);
  });

  it('exits 2 with one line on invalid YAML', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n');
    const r = await archcheck(['-f', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error: ${bad.replace(/[.]/g, '\\.')}:\\d+: invalid YAML: [^\\n]+\\n$`));
  });

  it('prints a table that fits 100 columns, short reason codes; full reasons in -o wide', async () => {
    const r = await archcheck(['-f', '-', '--arch-taint', 'arm64=kubernetes.io/arch=arm64:NoSchedule'], helmTemplate());
    const table = r.stdout.split('\n\n')[0]!.split('\n');
    expect(table.map((l) => l.split(/\s{3,}/).at(-1))).toEqual(['REASON', 'kept-off-arm64', 'all-archs', 'NOT_AN_IMAGE', 'kept-off-arm64']);
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(100);
    const atRisk = await archcheck(['-f', '-', '-l', 'app=web', '--no-headers'], helmTemplate());
    expect(atRisk.stdout).toMatch(/^Deployment\/web\s+at-risk\s+amd64\s+blocked\s+may-run-on-arm64\n$/);
    const wide = await archcheck(['-f', '-', '-l', 'app=web', '-o', 'wide'], helmTemplate());
    expect(wide.stdout).toContain(`can be scheduled onto arm64 nodes, but ${fx.singleAmd64.ref} has no arm64 build`);
  });

  it('prints -o name as kubectl does, --no-headers without header or summary', async () => {
    expect((await archcheck(['-f', '-', '-o', 'name'], helmTemplate())).stdout).toBe('deployment.apps/web\ncronjob.batch/report\npod/oops\nstatefulset.apps/worker\n');
    const rows = (await archcheck(['-f', '-', '--no-headers'], helmTemplate())).stdout.split('\n').filter(Boolean);
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['default Deployment/web at-risk', 'default CronJob/report ok', 'default Pod/oops unknown', 'jobs StatefulSet/worker ok']);
  });

  it('prints -o markdown for a CI job summary: counts, blocking images, every workload with its full reason', async () => {
    const r = await archcheck(['-f', '-', '-o', 'markdown', '--fail-on', 'at-risk'], helmTemplate());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const md = r.stdout;
    expect(md.split('\n')[0]).toBe('### archcheck: arm64 readiness of stdin (manifests)');
    expect(md).toContain('**4 workloads**: 0 broken, 1 at-risk, 1 unknown, 2 ok. **arm64-ready: 1/4 (25%)**');
    expect(md).toContain(`| \`${fx.singleAmd64.ref}\` | 2 |`);
    const rows = md.split('\n').filter((l) => /^\| `(default|jobs)` \| /.test(l));
    // Most urgent first; the full reason sentence, not the table's short code.
    expect(rows.map((l) => l.split(' | ').slice(0, 3).join(' | '))).toEqual([
      '| `default` | `Deployment/web` | **at-risk**',
      '| `default` | `Pod/oops` | _unknown_',
      '| `default` | `CronJob/report` | ok',
      '| `jobs` | `StatefulSet/worker` | ok',
    ]);
    expect(rows[0]).toContain(`can be scheduled onto arm64 nodes, but ${fx.singleAmd64.ref} has no arm64 build`);
    expect(md).toMatch(/Could not resolve 1 image:\n\n- `[^`]+`: NOT_AN_IMAGE: /);
    expect(md).not.toContain('\u001b[');
    const none = await archcheck(['-f', '-', '-o', 'markdown', '-l', 'app=none'], helmTemplate());
    expect(none).toEqual({ code: 0, stdout: '### archcheck: arm64 readiness of stdin matching -l app=none (manifests)\n\nNo workloads found in stdin matching -l app=none.\n', stderr: '' });
  });

  it('prints YAML without anchors and aliases, equal to the JSON', async () => {
    const yaml = (await archcheck(['-f', '-', '-o', 'yaml'], helmTemplate())).stdout;
    expect(yaml).not.toMatch(/[&*]a\d+\b/);
    const json = JSON.parse((await archcheck(['-f', '-', '-o', 'json'], helmTemplate())).stdout) as AuditReport;
    expect(parse(yaml)).toEqual(json);
  });

  it('says where it found no workloads, on stderr', async () => {
    const r = await archcheck(['-f', '-', '-l', 'app=none'], helmTemplate());
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'No workloads found in stdin matching -l app=none.\n' });
  });

  it('exits 2 naming the file and line of a document that is not a Kubernetes object', async () => {
    const values = join(work, 'values.yaml');
    writeFileSync(values, 'replicaCount: 2\nimage: {repository: nginx}\n');
    const r = await archcheck(['-f', values, '--fail-on', 'broken']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `error: ${values}:1: not a Kubernetes object: no apiVersion and no kind (kubectl would reject this file too)\n` });
  });

  it('exits 2 on usage errors', async () => {
    expect((await archcheck([])).stderr).toBe('error: manifests needs -f PATH (a file, a directory, or - for stdin)\n');
    expect((await archcheck(['-f', '-', '--cluster-archs', 'x86 64'], '')).code).toBe(2);
    expect((await archcheck(['-f', '-', '--arch-taint', 'arm64'], '')).stderr).toMatch(/^error: --arch-taint "arm64" is not ARCH=KEY/);
    expect((await archcheck(['-f', '-', '-o', 'xml'], '')).stderr).toBe('error: -o xml: use table, wide, json, yaml, name, markdown\n');
    expect((await archcheck(['-f', '-', '--fail-on', 'sometimes'], '')).code).toBe(2);
  });
});
