/**
 * Distinct pods, as a rollout's ReplicaSet creates them, sent to `/mutate` over HTTPS at a fixed concurrency (a
 * closed loop: each connection sends its next pod when the answer to the last one is in). Every pod has its own
 * name and uid; which images it names is the caller's choice. Latency is measured here, per request, from the
 * request's start to the last byte of its answer.
 */
import { Agent, request } from 'undici';
import type { AdmissionReview } from '../../webhook/admission/review.js';
import { loadFixture } from '../../webhook/testing/fixtures.js';

type PodSpec = { containers: { image: string }[]; initContainers?: { image: string }[] };

let fixtureText: string | undefined;
/** The fixture's text, read once: the load generator makes a review per request and must not read a file for each. */
const rolloutFixture = (): string => (fixtureText ??= JSON.stringify(loadFixture('pod-create-deployment.json')));

/**
 * The fixture a ReplicaSet's pod is made from (two containers, one init container, a service-account volume,
 * ~4.6 KB as JSON), with every container naming `image`, in namespace `default`.
 */
export function rolloutPodReview(n: number, image: string): string {
  const review = JSON.parse(rolloutFixture()) as AdmissionReview;
  const req = review.request!;
  const pod = req.object as { metadata: { name?: string; uid?: string; namespace?: string }; spec: PodSpec };
  const uid = `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  Object.assign(req, { uid, namespace: 'default', name: `web-7c9d8f6b5d-${n.toString(36)}` });
  Object.assign(pod.metadata, { name: `web-7c9d8f6b5d-${n.toString(36)}`, namespace: 'default' });
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) c.image = image;
  return JSON.stringify(review satisfies AdmissionReview);
}

export interface FloodResult {
  /** Per-request latency, milliseconds, in completion order. */
  latenciesMs: number[];
  /** The answers' `decision` audit annotation, counted (e.g. `injected: 5000`); `http 500` for a failed request. */
  decisions: Record<string, number>;
  wallMs: number;
}

/** Sends `count` reviews, `body(i)` for i = 0…count-1, over `concurrency` connections. */
export async function flood(url: string, caPem: string, count: number, body: (i: number) => string, concurrency = 10): Promise<FloodResult> {
  const agent = new Agent({ connect: { ca: caPem }, connections: concurrency, pipelining: 1 });
  const latenciesMs: number[] = [];
  const decisions: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const payload = body(next++);
      const started = performance.now();
      const res = await request(`${url}/mutate?timeout=10s`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const text = await res.body.text();
      latenciesMs.push(performance.now() - started);
      const decision = res.statusCode === 200 ? ((JSON.parse(text) as AdmissionReview).response?.auditAnnotations?.decision ?? 'none') : `http ${res.statusCode}`;
      decisions[decision] = (decisions[decision] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  await agent.close();
  return { latenciesMs, decisions, wallMs };
}
