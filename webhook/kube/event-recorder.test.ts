import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createEventMetrics, QueuedEventRecorder, type EventMetrics, type EventRecorderOptions, type EventSeriesState, type EventWriter, type RecordedEvent } from './event-recorder.js';
import { cutNote, eventBody, eventName } from './events-api.js';

interface Written {
  creates: { name: string; event: RecordedEvent }[];
  patches: { name: string; series: EventSeriesState }[];
}

/** An in-memory API server; `gate` holds every write until released, `fail` refuses them. */
function fakeWriter(opts: { gate?: Promise<void>; fail?: () => boolean } = {}): EventWriter & Written {
  const w: EventWriter & Written = {
    creates: [],
    patches: [],
    async create(event) {
      await opts.gate;
      if (opts.fail?.()) throw new Error('HTTP 403: events.events.k8s.io is forbidden');
      const name = `${event.regarding.name}.${w.creates.length}`;
      w.creates.push({ name, event });
      return name;
    },
    async patchSeries(_ns, name, series) {
      await opts.gate;
      if (opts.fail?.()) throw new Error('HTTP 500');
      w.patches.push({ name, series });
    },
  };
  return w;
}

const quiet = pino({ level: 'silent' });

function recorder(writer: EventWriter, options: Partial<EventRecorderOptions> = {}, now?: () => number): { rec: QueuedEventRecorder; metrics: EventMetrics } {
  const metrics = createEventMetrics(new Registry());
  return { rec: new QueuedEventRecorder(writer, metrics, quiet, { seriesIntervalMs: 5, ...options }, now), metrics };
}

const count = async (c: EventMetrics['dropped'] | EventMetrics['written'], label: Record<string, string>): Promise<number> =>
  (await c.get()).values.find((v) => Object.entries(label).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))?.value ?? 0;

function denied(name: string, reason = 'ArchcheckDenied'): RecordedEvent {
  return { regarding: { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name, uid: `uid-${name}` }, type: 'Warning', reason, action: 'Admission', note: `pod of ${name} denied` };
}

describe('QueuedEventRecorder', () => {
  it('one Event per object and reason; repeats become its series count, written once per interval', async () => {
    const writer = fakeWriter();
    const { rec, metrics } = recorder(writer);
    for (let i = 0; i < 50; i++) rec.record(denied('web-7d9f'));
    await rec.drain();
    expect(writer.creates).toHaveLength(1);
    expect(writer.creates[0]!.event.note).toBe('pod of web-7d9f denied');
    expect(writer.patches.map((p) => p.series.count)).toEqual([50]);
    expect(writer.patches[0]!.name).toBe(writer.creates[0]!.name);
    expect(await count(metrics.written, { write: 'create' })).toBe(1);
    expect(await count(metrics.written, { write: 'series' })).toBe(1);
    rec.record(denied('web-7d9f'));
    await rec.drain();
    expect(writer.creates).toHaveLength(1);
    expect(writer.patches.map((p) => p.series.count)).toEqual([50, 51]);
  });

  it('another object, or another reason for the same object, is another Event', async () => {
    const writer = fakeWriter();
    const { rec } = recorder(writer);
    rec.record(denied('web'));
    rec.record(denied('api'));
    rec.record(denied('web', 'ArchcheckUnresolved'));
    await rec.drain();
    expect(writer.creates.map((c) => `${c.event.regarding.name}/${c.event.reason}`).sort()).toEqual(['api/ArchcheckDenied', 'web/ArchcheckDenied', 'web/ArchcheckUnresolved']);
    expect(writer.patches).toEqual([]);
  });

  it('never waits for the API server: a full queue drops new Events and counts them', async () => {
    let release!: () => void;
    const writer = fakeWriter({ gate: new Promise<void>((r) => (release = r)) });
    const { rec, metrics } = recorder(writer, { concurrency: 1, maxQueued: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) rec.record(denied(name)); // returns at once: the writer is stuck
    // Repeats of a queued object only count; they take no queue slot.
    rec.record(denied('b'));
    expect(await count(metrics.dropped, { cause: 'queue-full' })).toBe(2);
    release();
    await rec.drain();
    expect(writer.creates.map((c) => c.event.regarding.name)).toEqual(['a', 'b', 'c']);
    expect(writer.patches).toEqual([{ name: 'b.1', series: expect.objectContaining({ count: 2 }) }]);
  });

  it('an API error is counted, never thrown; the next occurrence tries a new Event', async () => {
    let refuse = true;
    const writer = fakeWriter({ fail: () => refuse });
    const { rec, metrics } = recorder(writer);
    expect(() => rec.record(denied('web'))).not.toThrow();
    await rec.drain();
    expect(await count(metrics.dropped, { cause: 'api-error' })).toBe(1);
    refuse = false;
    rec.record(denied('web'));
    await rec.drain();
    expect(writer.creates).toHaveLength(1);
  });

  it('an object quiet for longer than the window starts a new Event', async () => {
    let now = 1_000_000;
    const writer = fakeWriter();
    const { rec } = recorder(writer, { seriesWindowMs: 60_000 }, () => now);
    rec.record(denied('web'));
    await rec.drain();
    now += 61_000;
    rec.record(denied('web'));
    await rec.drain();
    expect(writer.creates).toHaveLength(2);
    expect(writer.patches).toEqual([]);
  });

  it('remembers at most maxSeries keys', async () => {
    const writer = fakeWriter();
    const { rec } = recorder(writer, { maxSeries: 2 });
    for (const name of ['a', 'b', 'c', 'a']) rec.record(denied(name));
    await rec.drain();
    // "a" was forgotten when "c" came: its repeat is a new Event, not a series.
    expect(writer.creates.map((c) => c.event.regarding.name)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('records nothing after stop', async () => {
    const writer = fakeWriter();
    const { rec } = recorder(writer);
    await rec.stop();
    rec.record(denied('web'));
    await rec.drain();
    expect(writer.creates).toEqual([]);
  });
});

describe('the events.k8s.io/v1 body', () => {
  it('has what the API server requires, with six fractional digits in eventTime', () => {
    const body = eventBody(denied('web-7d9f'), new Date('2026-12-07T10:00:00.123Z'), 'archcheck-abc_1234');
    expect(JSON.parse(JSON.stringify(body))).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      metadata: { namespace: 'shop', name: expect.stringMatching(/^web-7d9f\.[0-9a-f]+$/) },
      eventTime: '2026-12-07T10:00:00.123000Z',
      regarding: { kind: 'ReplicaSet', name: 'web-7d9f', uid: 'uid-web-7d9f' },
      type: 'Warning',
      reason: 'ArchcheckDenied',
      action: 'Admission',
      reportingController: 'archcheck.dev/archcheck',
      reportingInstance: 'archcheck-abc_1234',
    });
  });

  it.each([
    ['web-', /^web\.[0-9a-f]+$/],
    ['Web_App', /^web-app\.[0-9a-f]+$/],
    ['x'.repeat(300), /^x{200}\.[0-9a-f]+$/],
    ['', /^object\.[0-9a-f]+$/],
  ])('names an Event about %j validly', (name, pattern) => {
    expect(eventName({ apiVersion: 'v1', kind: 'Pod', namespace: 'n', name }, new Date())).toMatch(pattern);
  });

  it('cuts a note to 1 KiB of UTF-8', () => {
    const note = cutNote('é'.repeat(2_000));
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(note.endsWith('…')).toBe(true);
    expect(cutNote('short')).toBe('short');
  });
});
