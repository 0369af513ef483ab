import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { EventsV1Api, V1MicroTime, type EventsV1Event, type KubeConfig, type V1ObjectReference } from '@kubernetes/client-node';
import { createEventMetrics, QueuedEventRecorder, type EventRecorderOptions, type EventReference, type EventWriter, type RecordedEvent } from './event-recorder.js';

/** The API server's limits: note 1 KiB (bytes), reportingInstance and reason/action 128 characters. */
const MAX_NOTE_BYTES = 1024;
const MAX_FIELD = 128;
/** Event names are `<regarding name>.<unique>`, as client-go names them; names may be 253 characters. */
const MAX_NAME_PREFIX = 200;

export const REPORTING_CONTROLLER = 'archcheck.dev/archcheck';

/** `note` cut to the API's byte limit, on a character boundary, with an ellipsis when cut. */
export function cutNote(note: string): string {
  if (Buffer.byteLength(note) <= MAX_NOTE_BYTES) return note;
  let cut = note.slice(0, MAX_NOTE_BYTES - 3);
  while (Buffer.byteLength(`${cut}…`) > MAX_NOTE_BYTES) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function reference(r: EventReference): V1ObjectReference {
  return { apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name, ...(r.uid && { uid: r.uid }) };
}

/** A valid Event name for `regarding`: its name (lower-cased, cut), a dot, time and randomness in hex. */
export function eventName(regarding: EventReference, at: Date): string {
  const base = regarding.name.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, MAX_NAME_PREFIX).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'object';
  return `${base}.${at.getTime().toString(16)}${randomBytes(3).toString('hex')}`;
}

/** The events.k8s.io/v1 Event for one recorded occurrence. */
export function eventBody(event: RecordedEvent, eventTime: Date, reportingInstance: string): EventsV1Event {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(event.regarding, eventTime), namespace: event.regarding.namespace },
    // MicroTime: the API server wants six fractional digits, which V1MicroTime serializes.
    eventTime: new V1MicroTime(eventTime.getTime()),
    regarding: reference(event.regarding),
    ...(event.related && { related: reference(event.related) }),
    type: event.type,
    reason: event.reason.slice(0, MAX_FIELD),
    action: event.action.slice(0, MAX_FIELD),
    note: cutNote(event.note),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: reportingInstance.slice(0, MAX_FIELD),
  };
}

/** Writes Events through events.k8s.io/v1 (RBAC: events.k8s.io events create, patch). */
export function apiEventWriter(kubeConfig: KubeConfig, reportingInstance: string): EventWriter {
  const api = kubeConfig.makeApiClient(EventsV1Api);
  return {
    async create(event, eventTime) {
      const body = eventBody(event, eventTime, reportingInstance);
      await api.createNamespacedEvent({ namespace: event.regarding.namespace, body });
      return body.metadata!.name!;
    },
    async patchSeries(namespace, name, series) {
      // JSON Patch `add` sets the member whether or not it exists; only `series` changes (the rest is immutable).
      const body = [{ op: 'add', path: '/series', value: { count: series.count, lastObservedTime: new V1MicroTime(series.lastObservedTime.getTime()) } }];
      await api.patchNamespacedEvent({ name, namespace, body });
    },
  };
}

/** The webhook's one EventRecorder (admission and gate controller), writing as this pod (POD_NAME, else the host name). */
export function startEventRecorder(kubeConfig: KubeConfig, registry: Registry, logger: Logger, options: Partial<EventRecorderOptions> = {}): QueuedEventRecorder {
  const instance = process.env.POD_NAME || hostname();
  return new QueuedEventRecorder(apiEventWriter(kubeConfig, instance), createEventMetrics(registry), logger.child({ component: 'events' }), options);
}
