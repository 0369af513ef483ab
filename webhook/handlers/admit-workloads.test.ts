import { expect } from 'vitest';
import type { Pod } from '../../core/placement/index.js';
import { noClusterFacts } from '../cluster-facts.js';
import { annotations, archIn, cluster, describeCases, EDGE, fixture, required, type Case } from '../testing/admission-cases.js';
import { PRIVATE_IMAGE } from '../testing/fake-resolver.js';
import { loadFixture } from '../testing/fixtures.js';

const cases: Case[] = [
  // DaemonSet templates.
  {
    name: 'DaemonSet CREATE: the template is placed',
    review: () => loadFixture('daemonset-create.json'),
    allowed: true,
    decision: 'injected',
    check: ({ patched, patch }) => {
      const template = (patched as { spec: { template: Pod } }).spec.template;
      expect(required(template)).toEqual([{ matchExpressions: [archIn('amd64')] }]);
      expect(annotations(template)?.['archcheck.dev/decision']).toBe('injected');
      expect(patch.every((op) => op.path.startsWith('/spec/template/'))).toBe(true);
    },
  },
  { name: 'DaemonSet UPDATE of its strategy only: template untouched', review: () => loadFixture('daemonset-update-strategy-only.json'), allowed: true, decision: 'skipped:template-unchanged' },
  {
    name: 'DaemonSet UPDATE with a new image: template re-placed',
    review: () => {
      const r = loadFixture('daemonset-update-strategy-only.json');
      (r.request!.object as { spec: { template: Pod } }).spec.template.spec.containers[0]!.image = EDGE;
      return r;
    },
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(required((patched as { spec: { template: Pod } }).spec.template)).toEqual([{ matchExpressions: [archIn('arm64')] }]),
  },
  // Workload templates at apply time.
  {
    name: 'Deployment with no common arch: denied at apply time',
    endpoint: 'validate',
    review: () => loadFixture('deployment-create-no-common-arch.json'),
    allowed: false,
    decision: 'denied:no-common-arch',
  },
  { name: 'Deployment, warn mode: warned', endpoint: 'validate', review: () => loadFixture('deployment-create-no-common-arch.json'), settings: { mode: 'warn' }, allowed: true, decision: 'warn:denied:no-common-arch' },
  { name: 'CronJob template pinned to the wrong arch: denied', endpoint: 'validate', review: () => loadFixture('cronjob-create-arch-conflict.json'), allowed: false, decision: 'denied:arch-conflict' },
  { name: "ReplicaSet of a Deployment: checked through the Deployment", endpoint: 'validate', review: () => loadFixture('replicaset-create-owned.json'), allowed: true, decision: 'skipped:owned-by-deployment' },
  { name: 'DaemonSet template validates', endpoint: 'validate', review: () => loadFixture('daemonset-create.json'), allowed: true, decision: 'ok' },
  {
    name: 'Deployment template with a ServiceAccount pull secret resolves its private image',
    endpoint: 'validate',
    review: () => {
      const r = loadFixture('deployment-create-no-common-arch.json');
      const t = (r.request!.object as { spec: { template: Pod } }).spec.template;
      t.spec.containers = [{ name: 'a', image: PRIVATE_IMAGE }];
      t.spec.serviceAccountName = 'builder';
      return r;
    },
    settings: { onUnresolved: 'deny' },
    cluster: cluster({ serviceAccounts: { 'shop/builder': ['regcred'] } }),
    allowed: true,
    decision: 'ok',
  },
  // Final pod.
  {
    name: 'final pod that could land on arm64 with an amd64-only image: denied',
    endpoint: 'validate',
    review: () => fixture('pod-create-deployment.json'),
    allowed: false,
    decision: 'denied:unreachable-arch',
    check: ({ response }) => expect(response.status?.message).toMatch(/scheduled on arm64 nodes/),
  },
  {
    name: 'final pod kept off arm64 by an untolerated pool taint: allowed',
    endpoint: 'validate',
    review: () => fixture('pod-create-deployment.json'),
    cluster: cluster({ poolTaints: [{ arch: 'arm64', taint: { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' } }] }),
    allowed: true,
    decision: 'ok',
  },
  { name: 'final multi-arch pod: allowed', endpoint: 'validate', review: () => fixture('pod-create-with-affinity.json'), allowed: true, decision: 'ok' },
  // Ephemeral containers (kubectl debug).
  {
    name: 'ephemeral container with an amd64-only image on an arm64 node: denied',
    review: () => loadFixture('ephemeralcontainers-update.json'),
    allowed: false,
    decision: 'denied:ephemeral-arch',
    check: ({ response }) => expect(response.status?.message).toMatch(/debugger-7xk2l.*runs on amd64.*\(arm64\)\. Fix: use an image built for arm64/),
  },
  {
    name: 'ephemeral container with a multi-arch image: allowed',
    endpoint: 'validate',
    review: () => {
      const r = loadFixture('ephemeralcontainers-update.json');
      (r.request!.object as Pod).spec.ephemeralContainers![0]!.image = 'busybox:1.36';
      return r;
    },
    allowed: true,
    decision: 'ok',
  },
  { name: 'ephemeral container, node arch unknown: allowed with a warning', review: () => loadFixture('ephemeralcontainers-update.json'), cluster: noClusterFacts, allowed: true, decision: 'node-unknown' },
];

describeCases('admission rules on workload, final-pod and ephemeral fixtures', cases);
