/**
 * What stalls a server's event loop during a load pass, measured inside the server process: V8's garbage
 * collections by kind (from `PerformanceObserver('gc')`; `--trace-gc` is refused in NODE_OPTIONS and prints to
 * stdout, which the bench discards), the event loop's delay (`monitorEventLoopDelay`), every stall of ≥ 8 ms and
 * whether a GC overlapped it, the main thread's preemptions, and each request's time inside the server. A p99 far
 * above the floor's with the same p50 is a pause or a queue; this says whose. The observers cost both servers the
 * same (a 1 ms tick, one 'finish' listener per request), so figures taken with them compare with each other, and
 * only roughly with runs from before they existed.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import { PerformanceObserver, constants, createHistogram, monitorEventLoopDelay, performance, type PerformanceEntry } from 'node:perf_hooks';

export interface GcKindSummary {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface PauseReport {
  gc: Record<string, GcKindSummary>;
  /** Event-loop delay percentiles in ms (10 ms sampling resolution is Node's default; 1 ms here). */
  loopDelay: { p50: number; p99: number; max: number };
  /** V8 heap in MiB at the end of the pass. */
  heapUsedMiB: number;
  /** Event-loop stalls of STALL_MS or more, and how many of them a GC overlapped. */
  stalls: { count: number; withGc: number; longestMs: number };
  /** The main thread's involuntary context switches (preempted by another thread or process on its CPU). */
  preemptions: number;
  /** Inside the server: from Node's 'request' event (headers parsed) to the response's 'finish' (handed to the kernel), ms. */
  serverLatency: { requests: number; p50: number; p99: number; max: number };
}

/**
 * Times every HTTPS request of this process from its 'request' event to its response's 'finish'. Patches the
 * prototype's emit (the bench's server processes only): what the load generator sees beyond this was added outside
 * the server's JavaScript — the kernel, TLS record reads before the request event, or the generator itself.
 */
function timeRequests(): ReturnType<typeof createHistogram> {
  const histogram = createHistogram();
  type Emit = (this: HttpsServer, event: string | symbol, ...args: unknown[]) => boolean;
  const prototype = HttpsServer.prototype as unknown as { emit: Emit };
  const emit = prototype.emit;
  prototype.emit = function (event, ...args) {
    if (event === 'request') {
      const started = performance.now();
      (args[1] as ServerResponse).once('finish', () => histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000))));
    }
    return emit.call(this, event, ...args);
  };
  return histogram;
}

const STALL_MS = 8;

/** The main thread's involuntary context switches so far (Linux; 0 elsewhere). */
function mainThreadPreemptions(): number {
  try {
    return Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const KIND_NAMES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** Starts observing; `take()` returns what was seen since the last take and starts afresh. */
export function observePauses(): { take(): PauseReport } {
  let gc: Record<string, GcKindSummary> = {};
  /** GC intervals [start, end] of the pass, on performance.now()'s clock, to tell GC stalls from the others. */
  let gcSpans: [number, number][] = [];
  let stallSpans: [number, number][] = [];
  let preemptionsBefore = mainThreadPreemptions();
  const latency = timeRequests();
  // A 1 ms tick that notes every gap of STALL_MS or more between two ticks: when the loop was stalled, not why.
  let lastTick = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - lastTick >= STALL_MS) stallSpans.push([lastTick, now]);
    lastTick = now;
  }, 1).unref();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      gcSpans.push([entry.startTime, entry.startTime + entry.duration]);
      const kind = KIND_NAMES[entry.detail?.kind ?? -1] ?? 'other';
      const s = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      s.count++;
      s.totalMs += entry.duration;
      s.maxMs = Math.max(s.maxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  return {
    take() {
      const withGc = stallSpans.filter(([from, to]) => gcSpans.some(([start, end]) => start < to && end > from)).length;
      const preemptions = mainThreadPreemptions();
      const report: PauseReport = {
        gc,
        loopDelay: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
        heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
        stalls: { count: stallSpans.length, withGc, longestMs: Math.max(0, ...stallSpans.map(([from, to]) => to - from)) },
        preemptions: preemptions - preemptionsBefore,
        serverLatency: { requests: latency.count, p50: latency.percentile(50) / 1000, p99: latency.percentile(99) / 1000, max: latency.max / 1000 },
      };
      latency.reset();
      gc = {};
      gcSpans = [];
      stallSpans = [];
      preemptionsBefore = preemptions;
      delay.reset();
      return report;
    },
  };
}

/** One line for a report: "mark-compact 3 (max 14.2 ms), scavenge 410 (max 0.9 ms); loop delay p99 2.1 ms". */
export function describePauses(r: PauseReport): string {
  const kinds = Object.entries(r.gc)
    .sort(([, a], [, b]) => b.maxMs - a.maxMs)
    .map(([kind, s]) => `${kind} ${s.count} (total ${s.totalMs.toFixed(0)} ms, max ${s.maxMs.toFixed(1)} ms)`);
  const stalls = `${r.stalls.count} stalls ≥ ${STALL_MS} ms (${r.stalls.withGc} with a GC, longest ${r.stalls.longestMs.toFixed(1)} ms)`;
  const inside = r.serverLatency.requests > 0 ? `inside the server p99 ${r.serverLatency.p99.toFixed(1)} ms, max ${r.serverLatency.max.toFixed(1)} ms; ` : '';
  return `${inside}${kinds.join(', ') || 'no GC'}; event-loop delay p99 ${r.loopDelay.p99.toFixed(1)} ms, max ${r.loopDelay.max.toFixed(1)} ms; ${stalls}; main thread preempted ${r.preemptions}×; heap ${r.heapUsedMiB.toFixed(0)} MiB`;
}
