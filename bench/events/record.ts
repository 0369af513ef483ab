/**
 * What an admission pays for its Event: the cost of QueuedEventRecorder.record() on the request path (decision 0030),
 * for a repeat of a known object (the common burst: one ReplicaSet's pods) and for new objects while the API server
 * is stalled (the queue fills; further Events are dropped and counted). Writes never happen on this path.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { createEventMetrics, QueuedEventRecorder, type RecordedEvent } from '../../webhook/kube/event-recorder.js';

const stalled = new Promise<never>(() => undefined);
const writer = { create: () => stalled, patchSeries: () => stalled };
const event = (name: string): RecordedEvent => ({
  regarding: { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name, uid: `uid-${name}` },
  type: 'Warning',
  reason: 'ArchcheckUnresolved',
  action: 'Admission',
  note: `Pod ${name}-… admitted without placement (CREATE): TIMEOUT: registry.example.com/team/web:1.4.2`,
});

function measure(label: string, next: (i: number) => RecordedEvent, n: number): void {
  const metrics = createEventMetrics(new Registry());
  const rec = new QueuedEventRecorder(writer, metrics, pino({ level: 'silent' }));
  const events = Array.from({ length: n }, (_, i) => next(i));
  const t0 = process.hrtime.bigint();
  for (const e of events) rec.record(e);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label}: ${(ns / 1000).toFixed(2)} µs per record() (${n.toLocaleString('en')} calls)`);
}

measure('repeats of one ReplicaSet (series count)', () => event('web-7c9d8f6b5d'), 1_000_000);
measure('new objects, API server stalled (queue full, dropped)', (i) => event(`web-${i}`), 200_000);
