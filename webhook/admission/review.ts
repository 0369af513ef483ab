/** AdmissionReview `admission.k8s.io/v1`: the request fields archcheck reads and the response it writes. */
import { requestEnvelope } from './object-shape.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource?: GroupVersionResource;
  subResource?: string;
  name?: string;
  /** Use this, not object.metadata.namespace: pods from generateName may have neither name nor namespace set yet. */
  namespace?: string;
  operation: Operation | string;
  userInfo?: { username?: string; groups?: string[] };
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  patchType?: 'JSONPatch';
  /** base64 of a JSON Patch document. */
  patch?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** A request that cannot be answered as an AdmissionReview: the HTTP status says why. */
export class BadAdmissionRequest extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'BadAdmissionRequest';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** readAdmissionReview for callers that need a well-formed request (tests, tools): any problem is thrown. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const read = readAdmissionReview(body);
  if ('problem' in read) throw new BadAdmissionRequest(400, `AdmissionReview ${read.problem}`);
  return read.request;
}

/** A review that can be answered: a well-formed request, or only a uid and what is wrong with the rest. */
export type ReadReview = { request: AdmissionRequest } | { uid: string; problem: string };

/**
 * Reads a decoded body at the edge. Without a uid there is nothing to answer (BadAdmissionRequest, HTTP 4xx);
 * with one, every answer is an AdmissionReview: a request whose envelope fields have the wrong JSON types comes
 * back as `{ uid, problem }`, answered allowed with a warning (decision 0013), never an HTTP 500.
 */
export function readAdmissionReview(body: unknown): ReadReview {
  if (!isRecord(body)) throw new BadAdmissionRequest(400, 'body must be a JSON object (an AdmissionReview)');
  if (body.apiVersion !== undefined && body.apiVersion !== 'admission.k8s.io/v1') {
    throw new BadAdmissionRequest(400, `apiVersion "${String(body.apiVersion)}" is not supported: register the webhook with admissionReviewVersions ["v1"]`);
  }
  const request = body.request;
  if (!isRecord(request)) throw new BadAdmissionRequest(400, 'AdmissionReview has no "request"');
  if (typeof request.uid !== 'string' || request.uid === '') throw new BadAdmissionRequest(400, 'AdmissionReview request has no "uid"');
  const problem = requestEnvelope(request, 'request');
  return problem ? { uid: request.uid, problem } : { request: request as unknown as AdmissionRequest };
}

/** Wraps a response in an AdmissionReview (the apiserver requires apiVersion/kind to echo v1). */
export function admissionReview(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
