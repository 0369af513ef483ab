import type { AdmissionReview } from '../../webhook/admission/review.js';
import { loadFixture } from '../../webhook/testing/fixtures.js';

/** Realistic AdmissionReviews: a Deployment's pod (3 images), a pod with its own affinity, a DaemonSet. */
export function bodies(images: { multi: string; amd64: string; arm64: string }): string[] {
  const deploymentPod = loadFixture('pod-create-deployment.json');
  const pod = deploymentPod.request!.object as { spec: { containers: { image: string }[]; initContainers: { image: string }[] } };
  pod.spec.containers[0]!.image = images.multi;
  pod.spec.containers[1]!.image = images.amd64;
  pod.spec.initContainers[0]!.image = images.multi;
  const affinityPod = loadFixture('pod-create-with-affinity.json');
  (affinityPod.request!.object as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image = images.arm64;
  const daemonSet = loadFixture('daemonset-create.json');
  (daemonSet.request!.object as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image = images.multi;
  return [deploymentPod, affinityPod, daemonSet].map((r: AdmissionReview) => JSON.stringify(r));
}
