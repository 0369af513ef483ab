import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { sleep } from './http.js';
import { onProcessExit } from './process.js';
import type { TlsMaterial } from './tls.js';

export type RequestKind = 'base' | 'manifest' | 'blob' | 'upload' | 'tags' | 'catalog' | 'referrers' | 'other';

export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  time: number;
  method: string;
  /** Path and query. */
  path: string;
  kind: RequestKind;
  repository: string | undefined;
  /** Tag or digest for manifest/blob requests. */
  reference: string | undefined;
  accept: string | undefined;
  hasAuthorization: boolean;
  /** `Basic`, `Bearer`, … */
  authScheme: string | undefined;
  ifNoneMatch: string | undefined;
  userAgent: string | undefined;
  /** Response status; 0 when the connection was dropped or the client went away. */
  status: number;
  contentType: string | undefined;
  dockerContentDigest: string | undefined;
  /** Name of the injected fault that handled this request, if any. */
  fault: string | undefined;
  durationMs: number;
}

/** Which requests a fault applies to. Every given field must match. */
export interface RequestMatcher {
  method?: string;
  kind?: RequestKind;
  repository?: string;
  /** Tested against the path and query. */
  path?: RegExp;
}

interface FaultBase {
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  match?: RequestMatcher;
}

export type Fault =
  /** Forward after a pause (the request still reaches the registry). */
  | (FaultBase & { kind: 'delay'; ms: number })
  /** Answer with this status instead of forwarding. */
  | (FaultBase & { kind: 'status'; status: number; headers?: Record<string, string>; body?: string })
  /** Docker Hub's 429: `Retry-After` (seconds or HTTP-date) and ratelimit headers. */
  | (FaultBase & { kind: 'rateLimit'; retryAfter?: string | number; remaining?: number; limit?: string })
  /** Destroy the socket without answering. */
  | (FaultBase & { kind: 'drop' })
  /**
   * Redirect to `to` + the original path (default match: blob GETs), as registries do to a
   * CDN. Point `to` at another host (e.g. a second proxy, on its own port) to check that a
   * client does not forward `Authorization` across hosts.
   */
  | (FaultBase & { kind: 'redirect'; to: string; status?: 301 | 302 | 303 | 307 | 308 });

export interface CountingProxyOptions {
  /** CA that signed the upstream's certificate (https upstreams). */
  upstreamCaCertPem?: string;
  /** Added to upstream requests when the client sent none (e.g. a blob host with its own credentials). */
  upstreamHeaders?: Record<string, string>;
  /** Serve TLS on the proxy itself. */
  tls?: TlsMaterial;
}

export interface CountingProxy {
  /** `127.0.0.1:PORT`: another port is another host to credential scoping and to fetch's redirect rules. */
  host: string;
  port: number;
  url: string;
  readonly requests: RecordedRequest[];
  /** Clears recorded requests and pending faults. */
  reset(): void;
  clearFaults(): void;
  inject(fault: Fault): void;
  /** Requests matching `m` (all when omitted). */
  count(m?: RequestMatcher): number;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Classifies a distribution API path. Repository names contain '/', so match from the end. */
export function classifyPath(pathWithQuery: string): { kind: RequestKind; repository?: string; reference?: string } {
  const path = pathWithQuery.split('?', 1)[0] ?? '';
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  if (m) return { kind: 'manifest', repository: m[1], reference: m[2] };
  m = /^\/v2\/(.+)\/blobs\/uploads\/?(.*)$/.exec(path);
  if (m) return { kind: 'upload', repository: m[1], reference: m[2] || undefined };
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
  if (m) return { kind: 'blob', repository: m[1], reference: m[2] };
  m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
  if (m) return { kind: 'tags', repository: m[1] };
  m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
  if (m) return { kind: 'referrers', repository: m[1], reference: m[2] };
  return { kind: 'other' };
}

function matches(m: RequestMatcher | undefined, r: RecordedRequest): boolean {
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== r.method) return false;
  if (m.kind && m.kind !== r.kind) return false;
  if (m.repository && m.repository !== r.repository) return false;
  if (m.path && !m.path.test(r.path)) return false;
  return true;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

function defaultMatch(fault: Fault): RequestMatcher | undefined {
  return fault.match ?? (fault.kind === 'redirect' ? { method: 'GET', kind: 'blob' } : undefined);
}

function respondWithFault(fault: Fault, res: http.ServerResponse, record: RecordedRequest): boolean {
  switch (fault.kind) {
    case 'status': {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }] }));
      record.status = fault.status;
      return true;
    }
    case 'rateLimit': {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'ratelimit-limit': fault.limit ?? '100;w=21600',
        'ratelimit-remaining': `${fault.remaining ?? 0};w=21600`,
        'docker-ratelimit-source': '127.0.0.1',
      };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      res.writeHead(429, headers);
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] }));
      record.status = 429;
      return true;
    }
    case 'redirect': {
      res.writeHead(fault.status ?? 307, { location: `${fault.to.replace(/\/$/, '')}${record.path}` });
      res.end();
      record.status = fault.status ?? 307;
      return true;
    }
    case 'drop':
      res.socket?.destroy();
      return true;
    case 'delay':
      return false;
  }
}

/** A recording, fault-injecting reverse proxy on loopback in front of `upstreamUrl`. */
export async function startCountingProxy(upstreamUrl: string, opts: CountingProxyOptions = {}): Promise<CountingProxy> {
  const upstream = new URL(upstreamUrl);
  const requests: RecordedRequest[] = [];
  let faults: ActiveFault[] = [];
  let seq = 0;
  const scheme = opts.tls ? 'https' : 'http';
  const upstreamAgent =
    upstream.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ca: opts.upstreamCaCertPem })
      : new http.Agent({ keepAlive: true });
  let publicHost = '';

  const takeFault = (record: RecordedRequest): Fault | undefined => {
    const active = faults.find((f) => f.remaining > 0 && matches(defaultMatch(f.fault), record));
    if (!active) return undefined;
    active.remaining--;
    faults = faults.filter((f) => f.remaining > 0);
    return active.fault;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, record: RecordedRequest): void => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    for (const [k, v] of Object.entries(opts.upstreamHeaders ?? {})) if (headers[k.toLowerCase()] === undefined) headers[k.toLowerCase()] = v;
    // distribution builds absolute Location URLs from these, so upload URLs come back through the proxy.
    headers.host = publicHost;
    headers['x-forwarded-host'] = publicHost;
    headers['x-forwarded-proto'] = scheme;
    const requestFn = upstream.protocol === 'https:' ? https.request : http.request;
    const upstreamReq = requestFn(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: upstreamAgent,
        servername: upstream.hostname === '127.0.0.1' ? undefined : upstream.hostname,
      },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 0;
        record.contentType = upstreamRes.headers['content-type'];
        const digest = upstreamRes.headers['docker-content-digest'];
        record.dockerContentDigest = Array.isArray(digest) ? digest[0] : digest;
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(upstreamRes.statusCode ?? 502, out);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', (err) => {
      record.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream error: ${err.message}`);
    });
    req.pipe(upstreamReq);
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const start = Date.now();
    const path = req.url ?? '/';
    const classified = classifyPath(path);
    const authorization = header(req, 'authorization');
    const record: RecordedRequest = {
      seq: ++seq,
      time: start,
      method: req.method ?? 'GET',
      path,
      kind: classified.kind,
      repository: classified.repository,
      reference: classified.reference,
      accept: header(req, 'accept'),
      hasAuthorization: authorization !== undefined,
      authScheme: authorization?.split(' ', 1)[0],
      ifNoneMatch: header(req, 'if-none-match'),
      userAgent: header(req, 'user-agent'),
      status: 0,
      contentType: undefined,
      dockerContentDigest: undefined,
      fault: undefined,
      durationMs: 0,
    };
    requests.push(record);
    res.on('close', () => {
      record.durationMs = Date.now() - start;
    });

    const fault = takeFault(record);
    if (fault) record.fault = fault.kind;
    if (fault && respondWithFault(fault, res, record)) {
      req.resume();
      return;
    }
    if (fault?.kind === 'delay') {
      sleep(fault.ms).then(
        () => forward(req, res, record),
        () => undefined,
      );
      return;
    }
    forward(req, res, record);
  };

  const server = opts.tls ? https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  publicHost = `127.0.0.1:${port}`;
  const removeExitHook = onProcessExit(() => server.close());

  return {
    host: publicHost,
    port,
    url: `${scheme}://${publicHost}`,
    requests,
    reset: () => {
      requests.length = 0;
      faults = [];
    },
    clearFaults: () => {
      faults = [];
    },
    inject: (fault) => {
      faults.push({ fault, remaining: fault.times ?? 1 });
    },
    count: (m) => requests.filter((r) => matches(m, r)).length,
    stop: async () => {
      removeExitHook();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      upstreamAgent.destroy();
    },
  };
}
