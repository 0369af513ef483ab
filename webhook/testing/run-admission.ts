import fastJsonPatch from 'fast-json-patch';
import type { ImageResolver } from '../../core/resolver.js';
import type { ClusterFacts } from '../cluster-facts.js';
import { outcomeToReview } from '../admission/response.js';
import { parseAdmissionReview, type AdmissionResponse, type AdmissionReview } from '../admission/review.js';
import { admit, type Endpoint } from '../handlers/admit.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { Deadline } from '../images/deadline.js';
import { ImageLookup } from '../images/image-lookup.js';
import { ALWAYS_EXCLUDED_NAMESPACES, type PolicySettings } from '../policy/settings.js';
import { FakeResolver } from './fake-resolver.js';

export const ARM_TAINT = { arch: 'arm64', taint: { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' } };

export function testSettings(overrides: Partial<PolicySettings> = {}): PolicySettings {
  return {
    mode: 'mutate',
    singleArch: 'allow',
    onUnresolved: 'allow',
    archTaints: [ARM_TAINT],
    prefer: [],
    allowedArchs: [],
    imageOverrides: [],
    excludedNamespaces: [...ALWAYS_EXCLUDED_NAMESPACES, 'archcheck'],
    podOptOut: true,
    ...overrides,
  };
}

export interface AdmissionRun {
  response: AdmissionResponse;
  review: AdmissionReview;
  /** The request object with the patch applied (the object itself when there is no patch). */
  patched: unknown;
  patch: fastJsonPatch.Operation[];
  decision: string;
}

/** Runs one AdmissionReview through admit() and the response helper, like the HTTP route does, and applies the patch. */
export async function runAdmission(
  endpoint: Endpoint,
  review: AdmissionReview,
  options: { settings?: PolicySettings; cluster: ClusterFacts; resolver?: ImageResolver; deadlineMs?: number },
): Promise<AdmissionRun> {
  const request = parseAdmissionReview(review);
  const env: AdmissionEnv = { settings: options.settings ?? testSettings(), cluster: options.cluster, images: new ImageLookup(options.resolver ?? new FakeResolver()) };
  const deadline = new Deadline(options.deadlineMs ?? 2_000);
  try {
    const outcome = await admit(endpoint, request, env, deadline);
    const out = outcomeToReview(request, outcome);
    const response = out.response!;
    const patch = response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as fastJsonPatch.Operation[]) : [];
    const patched = fastJsonPatch.applyPatch(structuredClone(request.object), patch, true, false).newDocument;
    return { response, review: out, patched, patch, decision: outcome.decision };
  } finally {
    deadline.dispose();
  }
}

/** The same review with `object` replaced (to re-run the webhook on its own output). */
export function withObject(review: AdmissionReview, object: unknown): AdmissionReview {
  return { ...review, request: { ...review.request!, object } };
}
