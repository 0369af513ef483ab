/**
 * priorityClassName system-cluster-critical on an API server that limits the system-critical PriorityClasses to
 * namespaces with a matching ResourceQuota (the ResourceQuota admission configuration `limitedResources`, the setup
 * the Kubernetes documentation gives for "limit Priority Class consumption by default", and what GKE does): without
 * the quota no webhook pod can be created; the chart renders it (templates/resourcequota.yaml), so one
 * `helm install` works there too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { createNamespace, type TestCluster } from './cluster/cluster.js';
import { kubectlJson, startClusterSerialized } from './e2e/harness.js';
import { CHART_DIR, ensureHelm, runHelm } from './helm.js';

const LIMITED = ['system-node-critical', 'system-cluster-critical'];
let cluster: TestCluster;
let helm: string;
let dir: string;

beforeAll(async () => {
  helm = await ensureHelm();
  dir = mkdtempSync(path.join(tmpdir(), 'archcheck-priority-'));
  const admission = path.join(dir, 'admission.yaml');
  writeFileSync(
    admission,
    stringifyYaml({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'AdmissionConfiguration',
      plugins: [
        {
          name: 'ResourceQuota',
          configuration: {
            apiVersion: 'apiserver.config.k8s.io/v1',
            kind: 'ResourceQuotaConfiguration',
            limitedResources: [{ resource: 'pods', matchScopes: [{ scopeName: 'PriorityClass', operator: 'In', values: LIMITED }] }],
          },
        },
      ],
    }),
  );
  cluster = await startClusterSerialized({ name: 'priority', extraArgs: [`kube-apiserver=admission-control-config-file=${admission}`], log: () => undefined });
}, 2_700_000); // a cold machine builds the control plane first

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function helmIn(args: readonly string[]): Promise<void> {
  const r = await runHelm(helm, [...args, '--kubeconfig', cluster.kubeconfigPath], cluster.env);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
}

describe('priorityClassName system-cluster-critical outside kube-system', () => {
  it('is refused without a quota for the class; with the chart (which renders one) the webhook pods are created', async () => {
    const NS = 'archcheck';
    await createNamespace(cluster, NS);
    const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'critical-probe', namespace: NS }, spec: { priorityClassName: 'system-cluster-critical', containers: [{ name: 'app', image: 'registry.example.com/app:1' }] } };
    const refused = await cluster.kubectl(['create', '-f', '-'], { input: stringifyYaml(probe) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/insufficient quota to match these scopes/);

    await helmIn(['install', 'archcheck', CHART_DIR, '--namespace', NS, '--set', 'priorityClassName=system-cluster-critical', '--set', 'replicaCount=2', '--wait', '--timeout', '2m']);
    const deployment = await kubectlJson(cluster, ['-n', NS, 'get', 'deployment', 'archcheck']);
    expect(deployment.spec.template.spec.priorityClassName).toBe('system-cluster-critical');
    expect(deployment.status.readyReplicas).toBe(2);
    const quota = await kubectlJson(cluster, ['-n', NS, 'get', 'resourcequota', 'archcheck-system-cluster-critical']);
    expect(quota.status.used.pods).toBe('2');
    await helmIn(['uninstall', 'archcheck', '--namespace', NS, '--wait', '--timeout', '2m']);
  }, 300_000);
});
