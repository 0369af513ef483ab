import { describe, expect, it } from 'vitest';
import type { PodSpec } from '../../core/placement/index.js';
import type { ClusterPod, KubeObject } from '../inventory/inventory.js';
import type { KubeReader } from '../kube/kube-client.js';
import { KubeAccessError } from '../kube/kube-errors.js';
import { parseLabelSelector } from '../kube/label-selector.js';
import { earlyTemplates } from './early-lookups.js';
import { WorkloadPullSecrets } from './pull-secrets.js';
import type { Workload } from './workloads.js';

const spec = (image: string, pullSecrets: string[] = []): PodSpec => ({
  containers: [{ name: 'app', image }],
  ...(pullSecrets.length > 0 && { imagePullSecrets: pullSecrets.map((name) => ({ name })) }),
});

function object(kind: string, name: string, extra: { labels?: Record<string, string>; owned?: boolean; spec?: Record<string, unknown> } = {}): KubeObject {
  return {
    kind,
    metadata: {
      name,
      namespace: 'shop',
      ...(extra.labels && { labels: extra.labels }),
      ...(extra.owned && { ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] }),
    },
    spec: extra.spec ?? { template: { spec: spec(`${name}:1`) } },
  };
}

describe('earlyTemplates', () => {
  const cases: Array<{ name: string; objects: KubeObject[]; selector?: string; images: string[] }> = [
    { name: 'a Deployment: its template', objects: [object('Deployment', 'web')], images: ['web:1'] },
    { name: "a CronJob: its job template's pod template", objects: [object('CronJob', 'backup', { spec: { jobTemplate: { spec: { template: { spec: spec('backup:1') } } } } })], images: ['backup:1'] },
    { name: 'an owned ReplicaSet rolls up into its owner: left to the audit', objects: [object('ReplicaSet', 'web-abc', { owned: true })], images: [] },
    { name: 'an ownerless ReplicaSet is a workload of its own', objects: [object('ReplicaSet', 'lonely')], images: ['lonely:1'] },
    { name: 'no pod template: nothing', objects: [object('Deployment', 'empty', { spec: { replicas: 1 } })], images: [] },
    { name: '-l keeps only what matches', objects: [object('Deployment', 'web', { labels: { tier: 'front' } }), object('Deployment', 'db')], selector: 'tier=front', images: ['web:1'] },
  ];
  it.each(cases)('$name', ({ objects, selector, images }) => {
    const found = earlyTemplates(objects, selector ? parseLabelSelector(selector) : [], 'default');
    expect(found.flatMap((t) => t.template.containers?.map((c) => c.image) ?? [])).toEqual(images);
    for (const t of found) expect(t.namespace).toBe('shop');
  });
});

const DOCKER_CONFIG = (user: string): Record<string, string> => ({
  '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'registry.example': { auth: Buffer.from(`${user}:pw`).toString('base64') } } })).toString('base64'),
});

/** Pull secrets `a`, `b`, `c` in `shop`; ServiceAccounts as each case says (a string: the error reading it). */
function kubeWith(serviceAccounts: Record<string, string[] | 'forbidden' | 'not-found'>): KubeReader {
  return {
    server: 'https://kube.example',
    context: 'test',
    namespace: 'shop',
    getJson: <T>(path: string): Promise<T> => {
      const secret = /\/namespaces\/shop\/secrets\/(.+)$/.exec(path);
      if (secret) return Promise.resolve({ type: 'kubernetes.io/dockerconfigjson', data: DOCKER_CONFIG(secret[1]!) } as T);
      const sa = /\/namespaces\/shop\/serviceaccounts\/(.+)$/.exec(path);
      const found = sa ? serviceAccounts[sa[1]!] : undefined;
      if (found === undefined || found === 'not-found') return Promise.reject(new KubeAccessError('not-found', `${path} not found`, 404));
      if (found === 'forbidden') return Promise.reject(new KubeAccessError('forbidden', `${path} forbidden`, 403));
      return Promise.resolve({ imagePullSecrets: found.map((name) => ({ name })) } as T);
    },
  };
}

/** A pod as the ServiceAccount admission plugin makes it: the template's pull secrets, or the ServiceAccount's when it names none. */
function admittedPod(template: PodSpec, serviceAccount: string[] | string): ClusterPod {
  const own = template.imagePullSecrets ?? [];
  const merged = own.length > 0 || !Array.isArray(serviceAccount) ? own : serviceAccount.map((name) => ({ name }));
  return { kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { ...template, ...(merged.length > 0 && { imagePullSecrets: merged }) } };
}

const workload = (template: PodSpec, pods: ClusterPod[]): Workload => ({ kind: 'Deployment', namespace: 'shop', name: 'web', labels: {}, template, pods, desiredPods: 1 });

describe('WorkloadPullSecrets.credentialsForTemplate: an early lookup only with the key the audit will compute', () => {
  const cases: Array<{ name: string; template: string[]; serviceAccount: string[] | 'forbidden' | 'not-found'; early: string | undefined }> = [
    { name: 'no secrets anywhere', template: [], serviceAccount: [], early: '' },
    { name: 'template secrets, none on the ServiceAccount', template: ['b', 'a'], serviceAccount: [], early: 'shop:a,b' },
    { name: "the ServiceAccount's are the template's", template: ['a'], serviceAccount: ['a'], early: 'shop:a' },
    { name: 'ServiceAccount secrets, none in the template: depends on the pods', template: [], serviceAccount: ['a'], early: undefined },
    { name: 'the ServiceAccount adds a secret: depends on the pods', template: ['a'], serviceAccount: ['a', 'c'], early: undefined },
    { name: 'the ServiceAccount cannot be read: unknown', template: ['a'], serviceAccount: 'forbidden', early: undefined },
    { name: 'the ServiceAccount does not exist: it adds nothing', template: [], serviceAccount: 'not-found', early: '' },
  ];
  it.each(cases)('$name', async ({ template: names, serviceAccount, early }) => {
    const template = spec('registry.example/app:1', names);
    const secrets = new WorkloadPullSecrets(kubeWith({ default: serviceAccount }));
    const found = await secrets.credentialsForTemplate('shop', template);
    expect(found?.key).toBe(early);
    if (!found) {
      // Why not: with pods and without, the audit computes different keys (or cannot know the pods' secrets).
      if (!Array.isArray(serviceAccount)) return;
      const [withPods, withoutPods] = await Promise.all([workload(template, [admittedPod(template, serviceAccount)]), workload(template, [])].map((w) => secrets.credentialsFor(w)));
      expect(withPods!.key).not.toBe(withoutPods!.key);
      return;
    }
    // The audit computes the same key, and so the same credentials, with the workload's pods or without any.
    for (const rolledUp of [workload(template, [admittedPod(template, serviceAccount)]), workload(template, [])]) {
      const audit = await secrets.credentialsFor(rolledUp);
      expect(audit.key).toBe(found.key);
      expect(audit.credentials).toEqual(found.credentials);
      expect(audit.serviceAccountCredentials).toEqual(found.serviceAccountCredentials);
    }
  });
});
