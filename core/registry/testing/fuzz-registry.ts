import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { BodyMutation, FuzzCase, Mutation, RequestKind } from './response-fuzz.js';

/** The loopback registry a fuzz case is served by; one for a whole run, switched case by case. */
export interface FuzzRegistry {
  host: string;
  port: number;
  /** Serve this case from now on (request counts start again). */
  use(c: FuzzCase): void;
  /** Ends every connection still open (hung answers, a client that went away): nothing leaks into the next case. */
  endCase(): void;
  close(): Promise<void>;
}

const OVERSIZE = 4 * 1024 * 1024 + 1024;

function kindOf(req: IncomingMessage): RequestKind | undefined {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path === '/v2/' || path === '/v2') return 'base';
  if (path === '/token') return 'token';
  if (/^\/v2\/.+\/manifests\/sha256:[0-9a-f]{64}$/.test(path)) return 'manifest';
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(path)) return 'tag';
  if (/^\/v2\/.+\/blobs\/[^/]+$/.test(path)) return 'blob';
  return undefined;
}

/** The answer the world gives: status, headers and body of a well-behaved registry. */
function honest(c: FuzzCase, kind: RequestKind, req: IncomingMessage): { status: number; headers: Record<string, string>; body: Buffer } {
  const json = (status: number, doc: unknown): { status: number; headers: Record<string, string>; body: Buffer } => ({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(doc)) });
  if (kind === 'token') return json(200, { token: 'fuzz-token', expires_in: 300 });
  if (c.challenge && req.headers.authorization !== 'Bearer fuzz-token') {
    const host = req.headers.host ?? '127.0.0.1';
    return { ...json(401, { errors: [{ code: 'UNAUTHORIZED' }] }), headers: { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="http://${host}/token",service="fuzz",scope="repository:app:pull"` } };
  }
  if (kind === 'base') return json(200, {});
  const path = (req.url ?? '').split('?')[0] ?? '';
  const found = kind === 'tag' ? c.world.tag : c.world.content.get(path.split('/').pop() ?? '');
  if (!found) return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
  return { status: 200, headers: { 'content-type': found.mediaType }, body: req.method === 'HEAD' ? Buffer.alloc(0) : found.body };
}

function mutateBody(body: Buffer, m: BodyMutation): Buffer {
  switch (m.kind) {
    case 'json':
      return Buffer.from(JSON.stringify(m.value) ?? 'null');
    case 'field': {
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        return body;
      }
      return Buffer.from(JSON.stringify(typeof doc === 'object' && doc !== null ? { ...doc, [m.key]: m.value } : doc));
    }
    case 'bytes':
      return Buffer.from(m.bytes);
    case 'truncate':
      return body.subarray(0, Math.min(m.at, body.length));
    case 'oversize':
      return Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(OVERSIZE, 0x61), Buffer.from('"}')]);
    case 'empty':
      return Buffer.alloc(0);
  }
}

function mutateHeaders(headers: Record<string, string>, changes: Record<string, string | null> = {}): Record<string, string> {
  const out = { ...headers };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function answer(res: ServerResponse, reply: { status: number; headers: Record<string, string>; body: Buffer }, m: Mutation | undefined): void {
  if (m?.behaviour === 'hang') return; // never answered: the client's timeouts must end it
  if (m?.behaviour === 'drop') {
    res.socket?.destroy();
    return;
  }
  const status = m?.status ?? reply.status;
  const headers = mutateHeaders(reply.headers, m?.headers);
  const body = m?.body ? mutateBody(reply.body, m.body) : reply.body;
  try {
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  } catch {
    // A header value Node refuses to send (control characters): send none of the mutated headers instead.
    res.writeHead(status, { 'content-length': String(body.length) });
  }
  if (m?.behaviour === 'cut') {
    res.write(body.subarray(0, Math.floor(body.length / 2)));
    res.socket?.destroy();
    return;
  }
  res.end(body);
}

export async function startFuzzRegistry(): Promise<FuzzRegistry> {
  let current: FuzzCase | undefined;
  let counts = new Map<RequestKind, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    req.resume();
    const kind = kindOf(req);
    if (!current || !kind) {
      res.writeHead(404).end();
      return;
    }
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    const m = current.mutations[kind];
    answer(res, honest(current, kind, req), m && n <= m.times ? m : undefined);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    use(c) {
      current = c;
      counts = new Map();
    },
    endCase() {
      current = undefined;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
