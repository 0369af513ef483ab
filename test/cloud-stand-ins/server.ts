import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsMaterial } from '../registry/tls.js';

/** One request a stand-in received, as the tests inspect it. */
export interface Call {
  method: string;
  /** Path and query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The form fields of an urlencoded body. */
  form: URLSearchParams;
  status: number;
}

export interface StandInServer {
  /** `https://127.0.0.1:PORT` (or http) */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  readonly calls: Call[];
  stop(): Promise<void>;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

export type Handler = (call: Call, req: http.IncomingMessage, res: http.ServerResponse) => Promise<Reply | undefined> | Reply | undefined;

const MAX_BODY = 256 * 1024;

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: http.ServerResponse, reply: Reply): void {
  const isJson = typeof reply.body === 'object' && !Buffer.isBuffer(reply.body);
  const body = isJson ? JSON.stringify(reply.body) : (reply.body ?? '');
  res.writeHead(reply.status, { ...(isJson && { 'content-type': 'application/json' }), ...reply.headers });
  res.end(body);
}

/**
 * A loopback HTTP(S) server that records every request and answers through `handler`. A handler that returns
 * undefined has answered (or is streaming) on its own, as the registry proxy does.
 */
export async function startStandIn(handler: Handler, tls?: TlsMaterial): Promise<StandInServer> {
  const calls: Call[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const run = async (): Promise<void> => {
      const proxied = req.url?.startsWith('/v2/') ?? false;
      // Registry traffic is streamed by the handler itself; only token endpoints' bodies are read here.
      const body = proxied ? '' : await readBody(req);
      const call: Call = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, form: new URLSearchParams(body), status: 0 };
      calls.push(call);
      const reply = await handler(call, req, res);
      if (reply) {
        call.status = reply.status;
        send(res, reply);
      } else {
        call.status = res.statusCode;
      }
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  };
  const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An unsigned-looking but well-formed JWT with the given claims (stand-ins verify tokens by lookup, not signature). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ typ: 'JWT', alg: 'RS256' })}.${enc(claims)}.${Buffer.from(`sig-${Math.random()}`).toString('base64url')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
