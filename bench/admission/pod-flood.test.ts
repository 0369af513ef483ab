import { describe, expect, it } from 'vitest';
import { parseAdmissionReview, type AdmissionReview } from '../../webhook/admission/review.js';
import { rolloutPodReview } from './pod-flood.js';

type Pod = { metadata: { name: string; namespace: string }; spec: { containers: { image: string }[]; initContainers: { image: string }[] } };

describe('rolloutPodReview: the pods the admission benchmarks send', () => {
  const parse = (n: number, image: string): AdmissionReview => JSON.parse(rolloutPodReview(n, image)) as AdmissionReview;

  it('gives every pod its own uid and name, as a ReplicaSet rolling out does', () => {
    const reviews = [0, 1, 35, 36, 20_000].map((n) => parse(n, 'r.example/app:1'));
    expect(new Set(reviews.map((r) => r.request!.uid)).size).toBe(reviews.length);
    expect(new Set(reviews.map((r) => (r.request!.object as Pod).metadata.name)).size).toBe(reviews.length);
  });

  it('names the given image in every container and init container, in namespace default', () => {
    const pod = parse(7, '127.0.0.1:5000/bench/app-7:1.0.7').request!.object as Pod;
    expect([...pod.spec.containers, ...pod.spec.initContainers].map((c) => c.image)).toEqual(['127.0.0.1:5000/bench/app-7:1.0.7', '127.0.0.1:5000/bench/app-7:1.0.7', '127.0.0.1:5000/bench/app-7:1.0.7']);
    expect(pod.metadata.namespace).toBe('default');
  });

  it('is a review the webhook reads as a pod CREATE (not a malformed one it would allow untouched)', () => {
    const request = parseAdmissionReview(parse(3, 'r.example/app:1'));
    expect(request).toMatchObject({ operation: 'CREATE', namespace: 'default', kind: { kind: 'Pod' }, dryRun: false });
  });
});
