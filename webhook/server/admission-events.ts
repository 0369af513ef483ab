import type { AdmissionOutcome } from '../admission/outcome.js';
import type { AdmissionRequest } from '../admission/review.js';
import type { EventReference, RecordedEvent } from '../kube/event-recorder.js';
import { ANNOTATION_REASON } from '../policy/settings.js';
import type { Endpoint } from '../handlers/admit.js';

interface OwnerReference {
  apiVersion?: unknown;
  kind?: unknown;
  name?: unknown;
  uid?: unknown;
  controller?: unknown;
}

interface Meta {
  name?: unknown;
  generateName?: unknown;
  uid?: unknown;
  ownerReferences?: unknown;
  annotations?: Record<string, unknown>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function controllerOwner(meta: Meta | undefined, namespace: string): EventReference | undefined {
  const refs = Array.isArray(meta?.ownerReferences) ? (meta.ownerReferences as OwnerReference[]) : [];
  const owner = refs.find((r) => r?.controller === true);
  const [apiVersion, kind, name, uid] = [text(owner?.apiVersion), text(owner?.kind), text(owner?.name), text(owner?.uid)];
  return apiVersion && kind && name && uid ? { apiVersion, kind, namespace, name, uid } : undefined;
}

function apiVersionOf(request: AdmissionRequest): string {
  const { group, version } = request.kind;
  return group ? `${group}/${version}` : version;
}

/**
 * What an admission Event is about. A CREATE's object does not exist yet (and a denied one never will); at /mutate a
 * pod from generateName has neither name nor uid. So a created object with a controller (a ReplicaSet's pod, a
 * Deployment's ReplicaSet) reports on that controller, which exists: `kubectl describe replicaset` shows the Event,
 * and the pods of one workload aggregate into one Event series. Otherwise the Event is about the object itself, by
 * name (uid only when it exists: UPDATE). docs/decisions/0030-admission-events.md.
 */
export function eventRegarding(request: AdmissionRequest): { regarding: EventReference; objectName: string } | undefined {
  const namespace = text(request.namespace);
  if (!namespace) return undefined;
  const meta = (request.object as { metadata?: Meta } | undefined)?.metadata;
  const name = text(request.name) ?? text(meta?.name);
  const objectName = name ?? `${text(meta?.generateName) ?? ''}…`;
  const self = (uid?: string): EventReference | undefined =>
    name || text(meta?.generateName) ? { apiVersion: apiVersionOf(request), kind: request.kind.kind, namespace, name: name ?? text(meta?.generateName)!, ...(uid && { uid }) } : undefined;
  const regarding = request.operation === 'CREATE' ? (controllerOwner(meta, namespace) ?? self()) : self(text(meta?.uid));
  return regarding && { regarding, objectName };
}

interface EventKind {
  type: RecordedEvent['type'];
  reason: string;
  what: string;
}

/**
 * Which admissions deserve an Event: a denial (either endpoint), and a pod admitted unresolved or gated (at /mutate,
 * where the decision is made; /validate sees the same pod again). Only decisions actually applied: warn/audit modes
 * change nothing and already say so in warnings, logs and metrics. Dry runs never record anything.
 */
function eventKind(endpoint: Endpoint, outcome: AdmissionOutcome): EventKind | undefined {
  if (!outcome.allowed) return { type: 'Warning', reason: 'ArchcheckDenied', what: 'denied' };
  if (endpoint !== 'mutate') return undefined;
  if (outcome.decision === 'unresolved') return { type: 'Warning', reason: 'ArchcheckUnresolved', what: 'admitted without placement' };
  if (outcome.decision === 'gated') return { type: 'Normal', reason: 'ArchcheckGated', what: 'admitted gated' };
  return undefined;
}

function why(outcome: AdmissionOutcome): string {
  const reason = (outcome.mutated as { metadata?: Meta } | undefined)?.metadata?.annotations?.[ANNOTATION_REASON];
  return text(outcome.message) ?? text(reason) ?? outcome.warnings[0] ?? outcome.decision;
}

/** The Event for one answered admission, or undefined when it deserves none. */
export function admissionEvent(endpoint: Endpoint, request: AdmissionRequest, outcome: AdmissionOutcome): RecordedEvent | undefined {
  if (request.dryRun) return undefined;
  const kind = eventKind(endpoint, outcome);
  if (!kind) return undefined;
  const target = eventRegarding(request);
  if (!target) return undefined;
  const { regarding, objectName } = target;
  const about = regarding.kind === request.kind.kind && regarding.name === objectName ? '' : `${request.kind.kind} ${objectName} `;
  const operation = request.subResource ? `${request.operation} ${request.subResource}` : request.operation;
  return { regarding, type: kind.type, reason: kind.reason, action: 'Admission', note: `${about}${kind.what} (${operation}): ${why(outcome)}` };
}
