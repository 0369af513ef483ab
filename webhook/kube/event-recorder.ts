import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { apiErrorMessage } from './api-errors.js';

/** The object an Event is about (events.k8s.io/v1 `regarding`/`related`). `uid` only when the object is known to exist. */
export interface EventReference {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface RecordedEvent {
  regarding: EventReference;
  related?: EventReference;
  type: 'Normal' | 'Warning';
  /** CamelCase, machine-readable (ArchcheckDenied, ArchcheckUnresolved, ArchcheckPlaced…). */
  reason: string;
  /** What archcheck did: Admission (at admission) or Placement (the gate controller). */
  action: string;
  /** Human-readable; cut to 1 KiB (the API's limit). Only the first occurrence's note is kept (it is immutable). */
  note: string;
}

/** Fire and forget: never throws, never waits for the API server. */
export interface EventRecorder {
  record(event: RecordedEvent): void;
}

export const noEvents: EventRecorder = { record: () => undefined };

/** An Event series as events.k8s.io/v1 writes it. */
export interface EventSeriesState {
  count: number;
  lastObservedTime: Date;
}

/** The two writes the recorder makes; `create` returns the Event's name (for later series patches). */
export interface EventWriter {
  create(event: RecordedEvent, eventTime: Date): Promise<string>;
  patchSeries(namespace: string, name: string, series: EventSeriesState): Promise<void>;
}

export interface EventRecorderOptions {
  /** Writes waiting for the API server beyond which new Events are dropped (and counted). */
  maxQueued: number;
  /** Writes in flight at once. */
  concurrency: number;
  /** At most one series update per object, reason and action in this interval; occurrences in between only count. */
  seriesIntervalMs: number;
  /** An object, reason and action not seen for this long starts a new Event (client-go: 6 minutes). */
  seriesWindowMs: number;
  /** Keys remembered for aggregation (oldest forgotten first). */
  maxSeries: number;
}

export const DEFAULT_EVENT_OPTIONS: EventRecorderOptions = { maxQueued: 256, concurrency: 2, seriesIntervalMs: 30_000, seriesWindowMs: 6 * 60_000, maxSeries: 4_096 };

export interface EventMetrics {
  written: Counter<'write'>;
  dropped: Counter<'cause'>;
}

export function createEventMetrics(registry: Registry): EventMetrics {
  return {
    written: new Counter({
      name: 'archcheck_events_written_total',
      help: 'Kubernetes Events written, by write: create (a new Event) or series (count of an aggregated Event updated).',
      labelNames: ['write'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'archcheck_events_dropped_total',
      help: 'Kubernetes Events not written, by cause: queue-full (the API server is slower than the events come) or api-error (refused or failed).',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
  };
}

interface Series {
  count: number;
  /** Count the API server has (after the last successful write). */
  written: number;
  firstSeen: number;
  lastSeen: number;
  namespace: string;
  /** Set once the create succeeded. */
  name?: string;
  /** A create or patch is queued or in flight. */
  busy: boolean;
  timer?: NodeJS.Timeout;
}

type Write = () => Promise<void>;

const keyOf = (e: RecordedEvent): string => [e.regarding.namespace, e.regarding.kind, e.regarding.name, e.regarding.uid ?? '', e.type, e.reason, e.action].join('\u0000');

/**
 * Records Events without ever holding up the caller: `record` only updates memory and queues a write. Like
 * client-go's events.k8s.io recorder, repeats of the same object, reason and action aggregate into one Event whose
 * `series.count` grows; here the series is written at most once per `seriesIntervalMs` per key, so a burst of 1,000
 * denials of one ReplicaSet costs two writes, not 1,000. The queue is bounded: when the API server cannot keep up,
 * new Events are dropped and counted (`archcheck_events_dropped_total`), never buffered without limit.
 */
export class QueuedEventRecorder implements EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly queue: Write[] = [];
  private running = 0;
  private idle: (() => void)[] = [];
  private stopped = false;
  private warned = false;
  private readonly options: EventRecorderOptions;

  constructor(
    private readonly writer: EventWriter,
    private readonly metrics: EventMetrics,
    private readonly logger: Logger,
    options: Partial<EventRecorderOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_EVENT_OPTIONS, ...options };
  }

  record(event: RecordedEvent): void {
    if (this.stopped) return;
    const key = keyOf(event);
    const at = this.now();
    const known = this.series.get(key);
    if (known && at - known.lastSeen <= this.options.seriesWindowMs) {
      known.count++;
      known.lastSeen = at;
      this.scheduleSeries(known);
      return;
    }
    if (known) this.forget(key, known);
    const entry: Series = { count: 1, written: 0, firstSeen: at, lastSeen: at, namespace: event.regarding.namespace, busy: true };
    if (!this.enqueue(() => this.create(key, entry, event))) return;
    this.remember(key, entry);
  }

  /** Resolves when nothing is queued, in flight or waiting for its interval (tests; shutdown). */
  async drain(): Promise<void> {
    for (const s of this.series.values()) {
      if (s.timer) {
        clearTimeout(s.timer);
        s.timer = undefined;
        this.queueSeries(s);
      }
    }
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.drain();
  }

  /** Writes what is pending (bounded by `timeoutMs`), then records nothing more. */
  async stop(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.stopped = true;
    for (const s of this.series.values()) clearTimeout(s.timer);
  }

  private remember(key: string, entry: Series): void {
    this.series.set(key, entry);
    if (this.series.size <= this.options.maxSeries) return;
    const oldest = this.series.keys().next().value;
    if (oldest !== undefined) this.forget(oldest, this.series.get(oldest)!);
  }

  private forget(key: string, entry: Series): void {
    clearTimeout(entry.timer);
    this.series.delete(key);
  }

  /** One series write per interval: the first repeat after a write waits for the rest of the interval. */
  private scheduleSeries(entry: Series): void {
    if (entry.busy || entry.timer || entry.name === undefined) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.queueSeries(entry);
    }, this.options.seriesIntervalMs);
    entry.timer.unref();
  }

  private queueSeries(entry: Series): void {
    if (entry.busy || entry.name === undefined || entry.count === entry.written) return;
    entry.busy = true;
    if (!this.enqueue(() => this.patch(entry))) entry.busy = false;
  }

  private enqueue(write: Write): boolean {
    if (this.queue.length >= this.options.maxQueued) {
      this.metrics.dropped.inc({ cause: 'queue-full' });
      return false;
    }
    this.queue.push(write);
    this.pump();
    return true;
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const write = this.queue.shift()!;
      this.running++;
      void write().finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async create(key: string, entry: Series, event: RecordedEvent): Promise<void> {
    try {
      entry.name = await this.writer.create(event, new Date(entry.firstSeen));
      entry.written = 1;
      this.metrics.written.inc({ write: 'create' });
    } catch (e) {
      this.failed(e, event.reason);
      // Nothing to add a count to: the next occurrence tries a new Event.
      if (this.series.get(key) === entry) this.forget(key, entry);
    } finally {
      entry.busy = false;
    }
    // Repeats that came while the create was in flight.
    if (entry.count > entry.written) this.scheduleSeries(entry);
  }

  private async patch(entry: Series): Promise<void> {
    const count = entry.count;
    try {
      await this.writer.patchSeries(entry.namespace, entry.name!, { count, lastObservedTime: new Date(entry.lastSeen) });
      entry.written = count;
      this.metrics.written.inc({ write: 'series' });
    } catch (e) {
      this.failed(e, 'series');
      // Not retried: the next occurrence's update carries the count.
      entry.written = count;
    } finally {
      entry.busy = false;
    }
    if (entry.count > entry.written) this.scheduleSeries(entry);
  }

  private failed(e: unknown, what: string): void {
    this.metrics.dropped.inc({ cause: 'api-error' });
    const fields = { event: what, error: apiErrorMessage(e) };
    // The first failure is a warning (often missing RBAC); the rest are counted and logged at debug.
    if (this.warned) this.logger.debug(fields, 'could not write an Event');
    else this.logger.warn(fields, 'could not write an Event (further failures are logged at debug and counted in archcheck_events_dropped_total)');
    this.warned = true;
  }
}
