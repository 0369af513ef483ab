/**
 * The side-by-side benchmark's cluster: the real from-source control plane of test/cluster (kube-apiserver, etcd,
 * controller-manager, scheduler, kwok) with arm64 and amd64 kwok nodes, filled with one Deployment per benchmark image
 * so the ReplicaSet controller, the scheduler and kwok make the pods Running, as in a cluster users audit.
 */
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { ARM64_TAINT, createNamespace, startCluster, waitFor, type NodeSpec, type TestCluster } from '../../test/cluster/cluster.js';
import { mapBounded } from '../../plugin/fleet/fleet-audit.js';
import type { SyntheticImage } from './synthetic-cluster.js';

export interface BenchClusterOptions {
  images: readonly SyntheticImage[];
  pods: number;
  namespaces: number;
  log: (line: string) => void;
}

/**
 * 250 pods a node (the kubelet default 110 would need 46 nodes for 5,000 pods), and room on each arch for every pod:
 * nine in ten run on amd64 (multi-arch images do not tolerate the arm64 taint).
 */
function benchNodes(pods: number): NodeSpec[] {
  const perArch = Math.max(2, Math.ceil(pods / 250) + 1);
  const node = (arch: 'amd64' | 'arm64', i: number): NodeSpec => ({
    name: `bench-${arch}-${i}`,
    arch,
    pool: `${arch}pool`,
    instanceType: arch === 'arm64' ? 'Standard_D64ps_v6' : 'Standard_D64s_v5',
    taints: arch === 'arm64' ? [ARM64_TAINT] : [],
    cpu: '64',
    memory: '256Gi',
    pods: '250',
  });
  return [...Array.from({ length: perArch }, (_, i) => node('amd64', i)), ...Array.from({ length: perArch }, (_, i) => node('arm64', i))];
}

// The control plane's default client rates (controller-manager 20 requests/s, scheduler 50) would take minutes to
// create and bind 5,000 pods; raised, the machine's CPU is the limit instead. Order matters: kwokctl 0.8 indexes its
// patches by the position of a component's first --extra-args (it panics otherwise), so each component's first
// argument comes at the position of its patch (0, 1).
const FAST_CLIENTS = [
  'kube-controller-manager=kube-api-qps=500',
  'kube-scheduler=kube-api-qps=500',
  'kube-controller-manager=kube-api-burst=1000',
  'kube-scheduler=kube-api-burst=1000',
  'kube-controller-manager=concurrent-replicaset-syncs=20',
  'kube-controller-manager=concurrent-deployment-syncs=20',
];

/** A Deployment as in bench/audit/synthetic-cluster.ts: arm64-only images select arm64; a third of amd64-only ones tolerate its taint. */
function deployment(image: SyntheticImage, i: number, replicas: number, namespace: string): V1Deployment {
  const name = `app-${i}`;
  const arm = image.kind === 'arm64';
  const tolerant = image.kind === 'amd64' && i % 3 === 0;
  const labels = { app: name };
  return {
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image: image.ref, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          ...(arm && { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }),
          ...((arm || tolerant) && { tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }),
          terminationGracePeriodSeconds: 0,
        },
      },
    },
  };
}

/** Running pods, counted from the API server in pages (as a user's kubectl would). */
async function runningPods(core: CoreV1Api): Promise<number> {
  let count = 0;
  let cont: string | undefined;
  do {
    const page = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running', limit: 2000, _continue: cont });
    count += page.items.filter((p) => !p.metadata?.namespace?.startsWith('kube-')).length;
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return count;
}

/** Starts the cluster, creates the Deployments, and returns once `pods` pods are Running on kwok nodes. */
export async function startBenchCluster(o: BenchClusterOptions): Promise<{ cluster: TestCluster; seconds: number }> {
  const started = performance.now();
  const cluster = await startCluster({ name: 'bench-side', nodes: benchNodes(o.pods), extraArgs: FAST_CLIENTS, timeoutMs: 10 * 60_000, log: o.log });
  try {
    const namespaces = Array.from({ length: o.namespaces }, (_, i) => `team-${i}`);
    await mapBounded(namespaces, 4, (ns) => createNamespace(cluster, ns));
    const apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    const replicas = Math.ceil(o.pods / o.images.length);
    await mapBounded(o.images, 8, (image, i) => {
      const namespace = namespaces[i % namespaces.length]!;
      return apps.createNamespacedDeployment({ namespace, body: deployment(image, i, replicas, namespace) });
    });
    o.log(`${o.images.length} Deployments × ${replicas} replicas created; waiting for ${o.pods} Running pods`);
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    let last = -1;
    await waitFor(
      async () => {
        const n = await runningPods(core);
        if (n !== last) o.log(`${n} pods Running`);
        last = n;
        return n >= o.pods;
      },
      20 * 60_000,
      { intervalMs: 5_000, message: `${o.pods} Running pods` },
    );
    return { cluster, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
