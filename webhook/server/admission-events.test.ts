import { describe, expect, it } from 'vitest';
import type { Pod } from '../../core/placement/index.js';
import { parseAdmissionReview, type AdmissionReview } from '../admission/review.js';
import { admit, type Endpoint } from '../handlers/admit.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { Deadline } from '../images/deadline.js';
import { ImageLookup } from '../images/image-lookup.js';
import type { PolicySettings } from '../policy/settings.js';
import { fakeCluster } from '../testing/fake-cluster.js';
import { FakeResolver, MISSING_IMAGE, SLOW_IMAGE } from '../testing/fake-resolver.js';
import { loadFixture } from '../testing/fixtures.js';
import { testSettings } from '../testing/run-admission.js';
import { admissionEvent } from './admission-events.js';

const cluster = fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } });
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-7c9d8f6b5d', uid: 'c1b4e5d2-9a7f-4b1e-8d3c-2f6a5e4d3c21' };

async function eventFor(endpoint: Endpoint, review: AdmissionReview, settings: Partial<PolicySettings> = {}) {
  const request = parseAdmissionReview(review);
  const env: AdmissionEnv = { settings: testSettings(settings), cluster, images: new ImageLookup(new FakeResolver()) };
  const deadline = new Deadline(150);
  try {
    return admissionEvent(endpoint, request, await admit(endpoint, request, env, deadline));
  } finally {
    deadline.dispose();
  }
}

function podReview(images: string[], edit: (r: AdmissionReview, pod: Pod) => void = () => undefined): AdmissionReview {
  const r = loadFixture('pod-create-deployment.json');
  const pod = r.request!.object as Pod;
  pod.spec.initContainers = [];
  pod.spec.containers = images.map((image, i) => ({ name: `c${i}`, image }));
  edit(r, pod);
  return r;
}

const bare = (r: AdmissionReview, pod: Pod): void => {
  pod.metadata = { name: 'debug', namespace: 'shop' };
  r.request!.name = 'debug';
};

describe('admission Events: which admissions get one, and what it is about', () => {
  it('a ReplicaSet pod admitted unresolved: a Warning about the ReplicaSet (the pod has no name or uid yet)', async () => {
    const e = await eventFor('mutate', podReview([MISSING_IMAGE]));
    expect(e).toEqual({
      regarding: RS,
      type: 'Warning',
      reason: 'ArchcheckUnresolved',
      action: 'Admission',
      note: expect.stringMatching(/^Pod web-7c9d8f6b5d-… admitted without placement \(CREATE\): .*NOT_FOUND/),
    });
  });

  it('a pod admitted gated: a Normal Event (the gate controller reports the rest on the pod)', async () => {
    const e = await eventFor('mutate', podReview([SLOW_IMAGE]), { onUnresolved: 'gate' });
    expect(e).toMatchObject({ regarding: RS, type: 'Normal', reason: 'ArchcheckGated', note: expect.stringContaining('admitted gated') });
  });

  it('a bare pod: about the pod itself, by name, without a uid', async () => {
    const e = await eventFor('mutate', podReview([MISSING_IMAGE], bare));
    expect(e?.regarding).toEqual({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'debug' });
    expect(e?.note).toMatch(/^admitted without placement/);
  });

  it('a Deployment denied at /validate: a Warning about the Deployment, with the denial message', async () => {
    const e = await eventFor('validate', loadFixture('deployment-create-no-common-arch.json'));
    expect(e).toMatchObject({
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'mixed' },
      type: 'Warning',
      reason: 'ArchcheckDenied',
      note: expect.stringMatching(/^denied \(CREATE\): .*no .*arch/i),
    });
    expect(e?.regarding.uid).toBeUndefined(); // a denied CREATE never exists
  });

  it('a bare pod denied at /mutate: about the pod, by name', async () => {
    const e = await eventFor('mutate', loadFixture('pod-create-arch-conflict.json'));
    expect(e).toMatchObject({ regarding: { kind: 'Pod', name: 'pinned', namespace: 'shop' }, type: 'Warning', reason: 'ArchcheckDenied', note: expect.stringMatching(/^denied \(CREATE\): /) });
  });

  it('an UPDATE is about the object itself, which exists: with its uid', async () => {
    const review = loadFixture('deployment-create-no-common-arch.json');
    review.request!.operation = 'UPDATE';
    (review.request!.object as Pod).metadata!.uid = 'd-uid-1';
    (review.request!.object as Pod).metadata!.ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Rollout', name: 'r', uid: 'r-uid', controller: true }];
    // The template changed (an unchanged one is not checked again).
    const old = structuredClone(review.request!.object) as { spec: { template: Pod } };
    old.spec.template.spec.containers = [{ name: 'app', image: 'registry.example.com/team/web:1.4.1' }];
    review.request!.oldObject = old;
    const e = await eventFor('validate', review);
    expect(e?.regarding).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'mixed', uid: 'd-uid-1' });
    expect(e?.note).toMatch(/^denied \(UPDATE\)/);
  });

  it.each<[string, () => Promise<unknown>]>([
    ['a placed pod', () => eventFor('mutate', podReview(['registry.example.com/team/web:1.4.2']))],
    ['an unresolved pod seen again at /validate', () => eventFor('validate', podReview([MISSING_IMAGE]))],
    ['warn mode (nothing was changed or refused)', () => eventFor('validate', loadFixture('deployment-create-no-common-arch.json'), { mode: 'warn' })],
    ['a dry run', () => eventFor('validate', { ...loadFixture('deployment-create-no-common-arch.json'), request: { ...loadFixture('deployment-create-no-common-arch.json').request!, dryRun: true } })],
  ])('no Event for %s', async (_name, run) => {
    expect(await run()).toBeUndefined();
  });
});
