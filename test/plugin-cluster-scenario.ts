/**
 * Workloads in every audit status on the default mixed test cluster (amdpool; armpool tainted
 * kubernetes.io/arch=arm64:NoSchedule; armctl tainted node-role.vos/arm_controller=true:NoSchedule),
 * created without any webhook, and a ServiceAccount that may read only namespace `shop`.
 */
import { stringify } from 'yaml';
import type { TestCluster } from './cluster/cluster.js';
import type { Fixtures } from './registry/fixtures.js';
import type { TestRegistry } from './registry/registry.js';

export const SHOP = 'shop';
export const TEAM_B = 'team-b';

const ARCH_TOLERATION = { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' };
const ON_ARM64 = { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, tolerations: [ARCH_TOLERATION] };
const PREFER_AMD64 = {
  nodeAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] } },
    ],
  },
};

type Spec = Record<string, unknown>;

function podSpec(images: string[], extra: Spec = {}, initImages: string[] = []): Spec {
  return {
    ...(initImages.length > 0 && { initContainers: initImages.map((image, i) => ({ name: `init${i}`, image })) }),
    containers: images.map((image, i) => ({ name: `c${i}`, image, resources: { requests: { cpu: '250m', memory: '64Mi' } } })),
    ...extra,
  };
}

function deployment(name: string, namespace: string, replicas: number, spec: Spec): Spec {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { ...labels, tier: 'demo' } },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
  };
}

/** What each workload should be judged, for the assertions. */
export const EXPECTED_STATUS: Record<string, string> = {
  'Deployment/web': 'ok',
  'Deployment/legacy': 'ok',
  'Deployment/legacy-tolerant': 'at-risk',
  'Deployment/arm-native': 'ok',
  'Deployment/misplaced': 'broken',
  'Deployment/private-app': 'unknown',
  'Deployment/private-app-auth': 'ok',
  'StatefulSet/db': 'at-risk',
  'DaemonSet/agent': 'ok',
  'CronJob/report': 'ok',
  'ReplicaSet/lonely': 'ok',
  'Pod/pinned': 'broken',
  'Pod/debug': 'ok',
};

export function shopManifests(fx: Fixtures): Spec[] {
  const multi = fx.multi.ref;
  const amd64 = fx.singleAmd64.ref;
  const labels = { app: 'lonely' };
  return [
    deployment('web', SHOP, 2, podSpec([multi])),
    deployment('legacy', SHOP, 1, podSpec([amd64])),
    deployment('legacy-tolerant', SHOP, 1, podSpec([amd64], { tolerations: [ARCH_TOLERATION], affinity: PREFER_AMD64 })),
    deployment('arm-native', SHOP, 1, podSpec([fx.singleArm64.ref], ON_ARM64)),
    deployment('misplaced', SHOP, 2, podSpec([amd64], ON_ARM64)),
    deployment('private-app', SHOP, 0, podSpec([fx.privateSecret.ref])),
    deployment('private-app-auth', SHOP, 0, podSpec([fx.privateSecret.ref], { imagePullSecrets: [{ name: 'regcred' }] })),
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: SHOP },
      spec: { replicas: 0, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: podSpec([multi], { tolerations: [ARCH_TOLERATION] }, [amd64]) } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: SHOP },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: podSpec([multi], { tolerations: [{ operator: 'Exists' }] }) } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: SHOP },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: podSpec([fx.buildx.ref], { restartPolicy: 'OnFailure' }) } } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'lonely', namespace: SHOP },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec([multi]) } },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned', namespace: SHOP }, spec: podSpec([amd64], { nodeName: 'aks-armctl-0' }) },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: SHOP }, spec: podSpec([multi]) },
  ];
}

function pullSecret(reg: TestRegistry): Spec {
  const { username, password } = reg.credentials!;
  const config = { auths: { [reg.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name: 'regcred', namespace: SHOP },
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

/** The auditor may read workloads, pods, pull secrets and ServiceAccounts in `shop`, list namespaces and nodes; nothing in team-b. */
function auditorRbac(): Spec[] {
  const rules = [
    { apiGroups: [''], resources: ['pods', 'replicationcontrollers'], verbs: ['get', 'list'] },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list'] },
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list'] },
    { apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] },
  ];
  const subject = [{ kind: 'ServiceAccount', name: 'auditor', namespace: SHOP }];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'auditor', namespace: SHOP } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'auditor', namespace: SHOP }, rules },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'auditor', namespace: SHOP }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'auditor' }, subjects: subject },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'archcheck-auditor' }, rules: [{ apiGroups: [''], resources: ['nodes', 'namespaces'], verbs: ['list'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'archcheck-auditor' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'archcheck-auditor' }, subjects: subject },
  ];
}

function yamlDocs(objects: Spec[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

/** Creates namespaces, RBAC, the pull secret and every workload; returns once all pods that should be scheduled are. */
export async function applyScenario(cluster: TestCluster, fx: Fixtures, reg: TestRegistry): Promise<void> {
  const namespaces = [SHOP, TEAM_B].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  await cluster.kubectl(['apply', '-f', '-'], { input: yamlDocs(namespaces), check: true });
  const teamB = deployment('b-web', TEAM_B, 1, podSpec([fx.singleAmd64.ref], { tolerations: [ARCH_TOLERATION], affinity: PREFER_AMD64 }));
  await cluster.kubectl(['apply', '-f', '-'], { input: yamlDocs([pullSecret(reg), ...auditorRbac(), teamB, ...shopManifests(fx)]), check: true });
}

/** A kubeconfig for the auditor ServiceAccount (a bound token), context namespace `shop`. */
export async function auditorKubeconfig(cluster: TestCluster): Promise<string> {
  const token = (await cluster.kubectl(['create', 'token', 'auditor', '-n', SHOP, '--duration', '1h'], { check: true })).stdout.trim();
  const admin = cluster.kubeConfig();
  const current = admin.getCurrentCluster()!;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: current.server, ...(current.caData ? { 'certificate-authority-data': current.caData } : { 'certificate-authority': current.caFile }), ...(current.skipTLSVerify && { 'insecure-skip-tls-verify': true }) } }],
    users: [{ name: 'auditor', user: { token } }],
    contexts: [{ name: 'auditor', context: { cluster: 'c', user: 'auditor', namespace: SHOP } }],
    'current-context': 'auditor',
  });
}
