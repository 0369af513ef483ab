import { describe, expect, it } from 'vitest';
import type { ClusterPod, KubeObject } from '../inventory/inventory.js';
import { rollUpWorkloads } from './workloads.js';

const template = (image: string): { template: { spec: { containers: Array<{ name: string; image: string }> } } } => ({
  template: { spec: { containers: [{ name: 'app', image }] } },
});
const owner = (kind: string, name: string, uid: string): { kind: string; name: string; uid: string; controller: boolean } => ({ kind, name, uid, controller: true });

function obj(kind: string, name: string, extra: { uid?: string; owners?: ReturnType<typeof owner>[]; spec?: Record<string, unknown>; labels?: Record<string, string> } = {}): KubeObject {
  return {
    kind,
    metadata: { name, namespace: 'shop', uid: extra.uid ?? `${kind}-${name}`, ...(extra.owners && { ownerReferences: extra.owners }), ...(extra.labels && { labels: extra.labels }) },
    spec: extra.spec ?? template(`${name}:1`),
  };
}

function pod(name: string, owners: ReturnType<typeof owner>[] = [], node = 'n1'): ClusterPod {
  return { kind: 'Pod', metadata: { name, namespace: 'shop', uid: `pod-${name}`, ownerReferences: owners }, spec: { nodeName: node, containers: [{ name: 'app', image: 'x' }] } };
}

describe('rollUpWorkloads', () => {
  const deployment = obj('Deployment', 'web', { uid: 'd1', labels: { app: 'web' } });
  const rsNew = obj('ReplicaSet', 'web-abc', { uid: 'rs1', owners: [owner('Deployment', 'web', 'd1')] });
  const rsOld = obj('ReplicaSet', 'web-old', { uid: 'rs0', owners: [owner('Deployment', 'web', 'd1')], spec: { replicas: 0, ...template('web:0') } });
  const cron = obj('CronJob', 'backup', { uid: 'c1', spec: { jobTemplate: { spec: template('backup:1') } } });
  const job = obj('Job', 'backup-123', { uid: 'j1', owners: [owner('CronJob', 'backup', 'c1')] });
  const bareRs = obj('ReplicaSet', 'lonely', { uid: 'rs9' });
  const objects = [deployment, rsNew, rsOld, cron, job, bareRs];
  const pods = [
    pod('web-abc-1', [owner('ReplicaSet', 'web-abc', 'rs1')]),
    pod('web-abc-2', [owner('ReplicaSet', 'web-abc', 'rs1')], 'n2'),
    pod('web-old-1', [owner('ReplicaSet', 'web-old', 'rs0')]),
    pod('backup-123-x', [owner('Job', 'backup-123', 'j1')]),
    pod('lonely-1', [owner('ReplicaSet', 'lonely', 'rs9')]),
    pod('debug'),
    pod('etcd-node1', [owner('Node', 'node1', 'n')]),
    pod('rollout-1', [owner('ReplicaSet', 'ro-123', 'rsx')]),
  ];
  const workloads = rollUpWorkloads(objects, pods);
  const byId = new Map(workloads.map((w) => [`${w.kind}/${w.name}`, w]));

  it('lists each workload once, ordered by namespace, kind, name', () => {
    expect(workloads.map((w) => `${w.kind}/${w.name}`)).toEqual([
      'Deployment/web',
      'CronJob/backup',
      'ReplicaSet/lonely',
      'ReplicaSet/ro-123',
      'Pod/debug',
      'Pod/etcd-node1',
    ]);
  });

  it('rolls pods of every ReplicaSet of a Deployment up to it, with the Deployment template', () => {
    const web = byId.get('Deployment/web')!;
    expect(web.pods.map((p) => p.metadata?.name)).toEqual(['web-abc-1', 'web-abc-2', 'web-old-1']);
    expect(web.template.containers[0]!.image).toBe('web:1');
    expect(web.labels).toEqual({ app: 'web' });
    expect(web.desiredPods).toBe(1);
  });

  it('rolls Job pods up to their CronJob and takes the job template', () => {
    const backup = byId.get('CronJob/backup')!;
    expect(backup.pods.map((p) => p.metadata?.name)).toEqual(['backup-123-x']);
    expect(backup.template.containers[0]!.image).toBe('backup:1');
    expect(backup.desiredPods).toBe(0);
  });

  it('keeps a ReplicaSet without a Deployment, bare pods and static pods as workloads', () => {
    expect(byId.get('ReplicaSet/lonely')!.pods).toHaveLength(1);
    expect(byId.get('Pod/debug')!.pods).toHaveLength(1);
    expect(byId.get('Pod/etcd-node1')!.pods).toHaveLength(1);
  });

  it('names an owner it could not read after the owner reference, with the pod spec as template', () => {
    const ro = byId.get('ReplicaSet/ro-123')!;
    expect(ro.pods).toHaveLength(1);
    expect(ro.template.containers[0]!.image).toBe('x');
  });

  it('matches owners by kind and name when objects carry no uid (manifests)', () => {
    const d = { kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: template('api:1') };
    const rs = { kind: 'ReplicaSet', metadata: { name: 'api-1', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'api' }] }, spec: template('api:1') };
    expect(rollUpWorkloads([d, rs], []).map((w) => `${w.kind}/${w.name}`)).toEqual(['Deployment/api']);
  });

  it('uses the default namespace for objects without one', () => {
    const d = { kind: 'Deployment', metadata: { name: 'api' }, spec: template('api:1') };
    expect(rollUpWorkloads([d], [], 'team')[0]!.namespace).toBe('team');
  });
});
