/**
 * Reads docker-registry's own access log (combined log format, one line per request it served), so a benchmark can
 * count what reached the registry itself rather than what a proxy in front of it saw.
 */
import { classifyPath, type RequestKind } from './counting-proxy.js';

export interface AccessLogEntry {
  method: string;
  path: string;
  kind: RequestKind;
  status: number;
}

// 127.0.0.1 - - [07/Dec/2026:11:50:00 +0000] "GET /v2/bench/app-1/manifests/1.0.1 HTTP/1.1" 200 1234 "" "ua"
const REQUEST_LINE = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

/** The requests in `text`, in order; lines that are not access-log lines (the registry's other logging) are skipped. */
export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = REQUEST_LINE.exec(line);
    if (!m) continue;
    const [, method, path, status] = m as unknown as [string, string, string, string];
    entries.push({ method, path, kind: classifyPath(path).kind, status: Number(status) });
  }
  return entries;
}

/** Requests counted by `METHOD kind` (e.g. `GET manifest`), keys sorted. */
export function countByKind(entries: readonly AccessLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of entries) counts[`${e.method} ${e.kind}`] = (counts[`${e.method} ${e.kind}`] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** `1000× GET manifest, 200× GET blob`: counts for a table cell, largest first. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([k, n]) => `${n}× ${k}`);
  return parts.join(', ') || 'none';
}
