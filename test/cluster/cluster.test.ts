/**
 * The test cluster itself: a real kube-apiserver/controller-manager/scheduler (built from
 * source at the pinned version) with kwok arm64/amd64 nodes. One cluster for this file.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARM64_TAINT,
  ARM_CONTROLLER_TAINT,
  DEFAULT_NODES,
  createNamespace,
  pinnedVersions,
  run,
  startCluster,
  waitFor,
  type NodeSpec,
  type TestCluster,
} from './cluster.js';

// A clean-room build took 38 min on a busy 2-core machine: leave headroom.
const COLD_BUILD_BUDGET_MS = 60 * 60_000;
const PAUSE = 'registry.k8s.io/pause:3.10'; // never pulled: kwok runs no containers

let cluster: TestCluster;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  cluster = await startCluster({ name: 'cluster-test' });
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
}, COLD_BUILD_BUDGET_MS);

afterAll(async () => {
  await cluster?.stop();
}, 120_000);

async function podsOf(namespace: string, selector: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
}

function expectNodeMatches(n: V1Node, spec: NodeSpec): void {
  expect(n.metadata?.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
  expect(n.metadata?.labels).toMatchObject({
    'kubernetes.io/arch': spec.arch,
    'beta.kubernetes.io/arch': spec.arch,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/hostname': spec.name,
    'node.kubernetes.io/instance-type': spec.instanceType,
    agentpool: spec.pool,
    'topology.kubernetes.io/zone': spec.zone,
  });
  const simple = (ts: readonly { key: string; value?: string; effect: string }[] | undefined) =>
    (ts ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  expect(simple(n.spec?.taints)).toEqual(simple(spec.taints));
  expect(n.status?.capacity).toMatchObject({ cpu: '4', memory: '16Gi', pods: '110' });
  expect(n.status?.allocatable).toMatchObject({ cpu: '4', memory: '16Gi', pods: '110' });
  expect(n.status?.nodeInfo?.architecture).toBe(spec.arch);
  expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
}

const nodeByName = new Map(DEFAULT_NODES.map((n) => [n.name, n]));

describe('control plane', () => {
  it('serves the pinned Kubernetes version, with a matching kubectl and component binaries', async () => {
    const pinned = pinnedVersions().K8S_VERSION ?? 'K8S_VERSION missing';
    expect(cluster.version).toBe(pinned);
    const v = JSON.parse((await cluster.kubectl(['version', '-o', 'json'], { check: true })).stdout) as {
      clientVersion: { gitVersion: string; gitTreeState: string };
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(v.clientVersion.gitVersion).toBe(pinned);
    expect(v.serverVersion).toMatchObject({ gitVersion: pinned, major: '1', minor: pinned.split('.')[1] });
    for (const bin of [cluster.binaries.kubeApiserver, cluster.binaries.kubeControllerManager, cluster.binaries.kubeScheduler]) {
      const out = await run(bin, ['--version'], { check: true });
      expect(out.stdout.trim()).toBe(`Kubernetes ${pinned}`);
    }
  });

  it('listens on loopback only', async () => {
    expect(new URL(cluster.server).hostname).toBe('127.0.0.1');
    const recorded = readFileSync(path.join(cluster.clusterDir, 'kwok.yaml'), 'utf8'); // every component's command line
    expect(recorded).toContain('--bind-address=127.0.0.1');
    expect(recorded).toContain('--listen-client-urls=http://127.0.0.1:');
    expect(recorded).not.toContain('0.0.0.0');
    // And what the kernel says: every listening socket of every component is on 127.0.0.1.
    const listening = listeningSockets(path.join(cluster.clusterDir, 'pids'));
    expect(Object.keys(listening).sort()).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller']);
    for (const [component, addresses] of Object.entries(listening)) {
      expect(addresses.length, component).toBeGreaterThan(0);
      for (const a of addresses) expect(a, component).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it('runs the API server with RBAC and the admission webhook plugins', async () => {
    const recorded = readFileSync(path.join(cluster.clusterDir, 'kwok.yaml'), 'utf8');
    expect(recorded).toContain('--authorization-mode=Node,RBAC');
    expect(recorded).not.toContain('--admission-control='); // what kwokctl passes when admission is off
    const log = await cluster.logs('kube-apiserver');
    expect(log).toMatch(/Loaded \d+ mutating admission controller\(s\) successfully in the following order: .*MutatingAdmissionWebhook/);
    expect(log).toMatch(/Loaded \d+ validating admission controller\(s\) successfully in the following order: .*ValidatingAdmissionWebhook/);
  });
});

/** component name -> "ip:port" of its listening TCP sockets, from /proc (no ss/netstat needed). */
function listeningSockets(pidsDir: string): Record<string, string[]> {
  const byInode = new Map<string, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !f[1] || !f[9]) continue; // 0A = LISTEN
      const [hex, portHex] = f[1].split(':') as [string, string];
      byInode.set(f[9], `${hexToIp(hex)}:${Number.parseInt(portHex, 16)}`);
    }
  }
  const out: Record<string, string[]> = {};
  for (const file of readdirSync(pidsDir)) {
    const pid = readFileSync(path.join(pidsDir, file), 'utf8').trim();
    const addresses: string[] = [];
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const address = inode ? byInode.get(inode) : undefined;
      if (address) addresses.push(address);
    }
    out[file.replace(/\.pid$/, '')] = addresses;
  }
  return out;
}

function hexToIp(hex: string): string {
  if (hex.length === 8) return (hex.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)).join('.');
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex.startsWith('0000000000000000FFFF0000')) return hexToIp(hex.slice(24));
  return `[${hex}]`; // any other IPv6 address (fails the loopback assertion, which is the point)
}

describe('nodes', () => {
  it('has the default mixed node set with realistic labels, taints and capacity', async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(DEFAULT_NODES.map((n) => n.name).sort());
    for (const n of nodes) expectNodeMatches(n, nodeByName.get(n.metadata!.name!)!);
    const pools = (arch: string) => [...new Set(DEFAULT_NODES.filter((n) => n.arch === arch).map((n) => n.pool))].sort();
    expect(pools('amd64')).toEqual(['amdpool']);
    expect(pools('arm64')).toEqual(['armctl', 'armpool']);
    expect(DEFAULT_NODES.filter((n) => n.pool === 'armpool').every((n) => n.taints?.includes(ARM64_TAINT))).toBe(true);
    expect(DEFAULT_NODES.find((n) => n.pool === 'armctl')?.taints).toEqual([ARM_CONTROLLER_TAINT]);
  });
});

describe('scheduling (scheduler + controller-manager + kwok)', () => {
  it('places an arm64 Deployment that tolerates the arm64 taint on armpool, Running', async () => {
    const ns = await createNamespace(cluster, 'arm-deploy');
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'arm' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'arm' } },
          template: {
            metadata: { labels: { app: 'arm' } },
            spec: {
              nodeSelector: { 'kubernetes.io/arch': 'arm64' },
              tolerations: [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }],
              containers: [{ name: 'pause', image: PAUSE }],
            },
          },
        },
      },
    });
    const pods = await waitFor(
      async () => {
        const p = await podsOf(ns, 'app=arm');
        return p.length === 3 && p.every((x) => x.status?.phase === 'Running' && x.spec?.nodeName) ? p : undefined;
      },
      90_000,
      { message: '3 arm pods Running', intervalMs: 500 },
    );
    for (const p of pods) {
      expect(nodeByName.get(p.spec!.nodeName!)?.pool).toBe('armpool');
      expect(p.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    }
    await waitFor(async () => (await apps.readNamespacedDeployment({ name: 'arm', namespace: ns })).status?.availableReplicas === 3, 60_000, {
      message: 'Deployment arm available',
    });
  }, 180_000);

  it('never places pods without tolerations on tainted nodes', async () => {
    const ns = await createNamespace(cluster, 'no-tolerations');
    // 8 replicas, no selector: only the two untainted amdpool nodes qualify.
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'plain' },
        spec: {
          replicas: 8,
          selector: { matchLabels: { app: 'plain' } },
          template: { metadata: { labels: { app: 'plain' } }, spec: { containers: [{ name: 'pause', image: PAUSE }] } },
        },
      },
    });
    // An arm64 nodeSelector without the toleration has no feasible node at all.
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'arm-untolerated', labels: { app: 'stuck' } },
        spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, containers: [{ name: 'pause', image: PAUSE }] },
      },
    });
    const pods = await waitFor(
      async () => {
        const p = await podsOf(ns, 'app=plain');
        return p.length === 8 && p.every((x) => x.status?.phase === 'Running') ? p : undefined;
      },
      90_000,
      { message: '8 plain pods Running', intervalMs: 500 },
    );
    for (const p of pods) expect(nodeByName.get(p.spec!.nodeName!)?.pool).toBe('amdpool');

    const stuck = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name: 'arm-untolerated', namespace: ns });
        const cond = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
        return cond?.status === 'False' && cond.reason === 'Unschedulable' ? { pod: p, cond } : undefined;
      },
      60_000,
      { message: 'arm-untolerated Unschedulable' },
    );
    expect(stuck.pod.spec?.nodeName).toBeFalsy();
    expect(stuck.cond.message).toMatch(/untolerated taint/);
  }, 180_000);
});

describe('RBAC', () => {
  it('denies a ServiceAccount without bindings (403) and allows it once bound', async () => {
    const ns = await createNamespace(cluster, 'rbac');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const token = (await cluster.kubectl(['create', 'token', 'nobody', '-n', ns, '--duration=10m'], { check: true })).stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const admin = cluster.kubeConfig();
    const server = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [server],
      users: [{ name: 'nobody', token }],
      contexts: [{ name: 'nobody', cluster: server.name, user: 'nobody' }],
      currentContext: 'nobody',
    });
    const asNobody = kc.makeApiClient(CoreV1Api);

    const denied = await asNobody.listNode().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(ApiException);
    expect((denied as ApiException<unknown>).code).toBe(403);
    expect(String((denied as ApiException<unknown>).body)).toContain(`system:serviceaccount:${ns}:nobody`);

    const canI = await cluster.kubectl(['auth', 'can-i', 'list', 'nodes', `--as=system:serviceaccount:${ns}:nobody`]);
    expect(canI.stdout.trim()).toBe('no');

    // Positive control: the same token works once RBAC grants it, so the 403 was RBAC's.
    const rbac = cluster.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: { metadata: { name: 'archcheck-test-node-reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'archcheck-test-node-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'archcheck-test-node-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'nobody', namespace: ns }],
      },
    });
    const list = await waitFor(() => asNobody.listNode(), 30_000, { message: 'nobody can list nodes after binding' });
    expect(list.items).toHaveLength(DEFAULT_NODES.length);
  }, 120_000);
});
