/**
 * A synthetic cluster for the audit benchmark: Deployments (each with a ReplicaSet and its pods) spread over
 * namespaces, and a mixed node set (amd64 untainted, arm64 tainted kubernetes.io/arch=arm64:NoSchedule).
 * Plain JSON as the API server would return it.
 */

export interface SyntheticImage {
  ref: string;
  /** `multi` runs on amd64 and arm64; the others on one arch. */
  kind: 'multi' | 'amd64' | 'arm64';
}

export interface SyntheticCluster {
  nodes: object[];
  namespaces: object[];
  deployments: object[];
  replicasets: object[];
  pods: object[];
}

export interface SyntheticClusterOptions {
  images: readonly SyntheticImage[];
  pods: number;
  nodesPerArch: number;
  namespaces: number;
}

/** The benchmark's image mix: 60% multi-arch (amd64+arm64), 10% arm64-only, 30% amd64-only; refs `HOST/bench/app-N:1.0.N`. */
export function benchImages(count: number, host: string): SyntheticImage[] {
  return Array.from({ length: count }, (_, i) => {
    const position = (i % 20) / 20;
    const kind: SyntheticImage['kind'] = position < 0.6 ? 'multi' : position < 0.7 ? 'arm64' : 'amd64';
    return { ref: `${host}/bench/app-${i}:1.0.${i}`, kind };
  });
}

const ARM64_TAINT = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };

function node(name: string, arch: string): object {
  return {
    metadata: { name, uid: `node-${name}`, labels: { 'kubernetes.io/arch': arch, 'kubernetes.io/os': 'linux', agentpool: `${arch}pool`, 'node.kubernetes.io/instance-type': arch === 'arm64' ? 'Standard_D16ps_v6' : 'Standard_D16_v3' } },
    spec: { taints: arch === 'arm64' ? [ARM64_TAINT] : [] },
    status: { allocatable: { cpu: '16', memory: '64Gi', pods: '250' }, nodeInfo: { architecture: arch, operatingSystem: 'linux' } },
  };
}

/** One Deployment per image; pods spread evenly; arm64-only images run on arm64 nodes (with a toleration). */
export function syntheticCluster(o: SyntheticClusterOptions): SyntheticCluster {
  const nodes = [...Array.from({ length: o.nodesPerArch }, (_, i) => node(`amd-${i}`, 'amd64')), ...Array.from({ length: o.nodesPerArch }, (_, i) => node(`arm-${i}`, 'arm64'))];
  const namespaces = Array.from({ length: o.namespaces }, (_, i) => ({ metadata: { name: `team-${i}`, uid: `ns-${i}` } }));
  const out: SyntheticCluster = { nodes, namespaces, deployments: [], replicasets: [], pods: [] };
  const podsPer = Math.ceil(o.pods / o.images.length);
  o.images.forEach((image, i) => {
    const namespace = `team-${i % o.namespaces}`;
    const name = `app-${i}`;
    const arm = image.kind === 'arm64';
    // Some amd64-only workloads tolerate the arm64 taint: nothing keeps them off arm64 (at-risk).
    const tolerant = image.kind === 'amd64' && i % 3 === 0;
    const spec = {
      containers: [{ name: 'app', image: image.ref, resources: { requests: { cpu: '250m', memory: '128Mi' } } }],
      ...(arm && { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }),
      ...((arm || tolerant) && { tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }] }),
    };
    const labels = { app: name };
    out.deployments.push({ metadata: { name, namespace, uid: `d-${i}`, labels }, spec: { replicas: podsPer, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } } });
    out.replicasets.push({
      metadata: { name: `${name}-abc`, namespace, uid: `rs-${i}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `d-${i}`, controller: true }] },
      spec: { replicas: podsPer, template: { metadata: { labels }, spec } },
    });
    for (let p = 0; p < podsPer && out.pods.length < o.pods; p++) {
      const arch = arm ? 'arm' : 'amd';
      out.pods.push({
        metadata: { name: `${name}-abc-${p}`, namespace, uid: `pod-${i}-${p}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-abc`, uid: `rs-${i}`, controller: true }] },
        spec: { ...spec, nodeName: `${arch}-${(i + p) % o.nodesPerArch}` },
        status: { phase: 'Running' },
      });
    }
  });
  return out;
}
