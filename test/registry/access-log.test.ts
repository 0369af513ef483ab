import { describe, expect, it } from 'vitest';
import { countByKind, formatCounts, parseAccessLog } from './access-log.js';

// Lines as docker-registry 2.8 writes them: its text-formatted logging, then the combined-format access log.
const LOG = [
  'time="2026-12-07T11:50:00Z" level=info msg="response completed" http.request.method=GET http.request.uri="/v2/bench/app-1/manifests/1.0.1"',
  '127.0.0.1 - - [07/Dec/2026:11:50:00 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "archcheck/0.1"',
  '127.0.0.1 - - [07/Dec/2026:11:50:00 +0000] "GET /v2/bench/app-1/manifests/1.0.1 HTTP/1.1" 200 1234 "" "archcheck/0.1"',
  '127.0.0.1 - - [07/Dec/2026:11:50:00 +0000] "HEAD /v2/bench/app-1/manifests/1.0.1 HTTP/1.1" 200 0 "" "containers/5.36"',
  '127.0.0.1 - - [07/Dec/2026:11:50:00 +0000] "GET /v2/bench/team/app-2/blobs/sha256:ab12 HTTP/1.1" 200 512 "" "Go-http-client/1.1"',
  '127.0.0.1 - - [07/Dec/2026:11:50:01 +0000] "GET /v2/bench/app-9/manifests/latest HTTP/1.1" 404 96 "" "containers/5.36"',
  '',
].join('\n');

describe('parseAccessLog', () => {
  it('reads one entry per access-log line and skips the registry\'s other logging', () => {
    const entries = parseAccessLog(LOG);
    expect(entries.map((e) => `${e.method} ${e.kind} ${e.status}`)).toEqual([
      'GET base 200',
      'GET manifest 200',
      'HEAD manifest 200',
      'GET blob 200',
      'GET manifest 404',
    ]);
    expect(entries[3]?.path).toBe('/v2/bench/team/app-2/blobs/sha256:ab12');
  });

  it('finds nothing in text without access-log lines', () => {
    expect(parseAccessLog('level=info msg="listening on 127.0.0.1:5000"\n')).toEqual([]);
  });
});

describe('countByKind and formatCounts', () => {
  it.each([
    { text: LOG, counts: { 'GET base': 1, 'GET blob': 1, 'GET manifest': 2, 'HEAD manifest': 1 }, cell: '2× GET manifest, 1× GET base, 1× GET blob, 1× HEAD manifest' },
    { text: '', counts: {}, cell: 'none' },
  ])('counts $cell', ({ text, counts, cell }) => {
    const c = countByKind(parseAccessLog(text));
    expect(c).toEqual(counts);
    expect(formatCounts(c)).toBe(cell);
  });
});
