import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { InFlight } from './in-flight.js';
import { listenOn } from './listen.js';

/** A serving certificate and its key (PEM). */
export interface TlsIdentity {
  certPem: string;
  keyPem: string;
}

const TLS_OPTIONS = { minVersion: 'TLSv1.2' } as const satisfies SecureContextOptions;

/** `clientCaPem`: client certificates are required and must chain to it (mTLS from the API server). */
function contextOptions(identity: TlsIdentity, clientCaPem?: string): SecureContextOptions {
  return { ...TLS_OPTIONS, cert: identity.certPem, key: identity.keyPem, ...(clientCaPem && { ca: clientCaPem }) };
}

/** Throws a readable error when the key does not belong to the certificate or either is not PEM. */
export function checkIdentity(identity: TlsIdentity): void {
  try {
    createSecureContext(contextOptions(identity));
  } catch (e) {
    throw new Error(`TLS certificate and key are not a usable pair: ${(e as Error).message}`);
  }
}

export interface HttpsServerHandle {
  server: Server;
  /** `https://host:port` as bound (port 0 resolved). */
  url: string;
  port: number;
  /**
   * Swaps the certificate for new connections; a connection made with an older one is closed after its current
   * response (`Connection: close`), so clients handshake again with the new one. Throws on a bad pair, keeping the
   * old one.
   */
  setIdentity(identity: TlsIdentity): void;
  /** Swaps the client CA bundle for new connections (only when started with one). */
  setClientCa(caPem: string): void;
  /** Stops accepting, waits for requests in flight up to `drainMs`, then closes every connection. */
  close(drainMs: number): Promise<void>;
}

/**
 * An HTTPS server (TLS ≥ 1.2) whose certificate can be replaced without a restart. With `clientCaPem` every
 * connection must present a client certificate chaining to it, or the handshake fails: nothing without one
 * reaches the routes (probes included, which the plain-HTTP port then serves).
 */
export async function listenHttps(app: (req: IncomingMessage, res: ServerResponse) => void, listen: { host: string; port: number }, identity: TlsIdentity, inFlight: InFlight, clientCaPem?: string): Promise<HttpsServerHandle> {
  checkIdentity(identity);
  let current = identity;
  let clientCa = clientCaPem;
  const clientAuth = clientCaPem !== undefined;
  // Which certificate each connection was made with. Without this, a client under steady load (the API server's
  // keep-alive pool) would never handshake again after a rotation and could hold the old certificate for as long as
  // it keeps sending — past its expiry, or past its CA leaving the caBundle, where the next new connection fails.
  // Only the response is marked (the client then opens a new connection); closing idle connections instead could
  // race a request the client is just sending, which Go's client does not retry for a POST.
  let generation = 0;
  const madeWith = new WeakMap<TLSSocket, number>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if ((madeWith.get(req.socket as TLSSocket) ?? generation) < generation) res.shouldKeepAlive = false;
    app(req, res);
  };
  const server = createServer({ ...contextOptions(identity, clientCa), requestCert: clientAuth, rejectUnauthorized: clientAuth }, handler);
  server.on('secureConnection', (socket: TLSSocket) => madeWith.set(socket, generation));
  server.headersTimeout = 20_000;
  server.requestTimeout = 35_000;
  const { port, hostForUrl } = await listenOn(server, listen);
  return {
    server,
    port,
    url: `https://${hostForUrl}:${port}`,
    setIdentity(next: TlsIdentity): void {
      checkIdentity(next);
      server.setSecureContext(contextOptions(next, clientCa));
      if (next.certPem !== current.certPem) generation++;
      current = next;
    },
    setClientCa(caPem: string): void {
      if (!clientAuth) return;
      server.setSecureContext(contextOptions(current, caPem));
      clientCa = caPem;
    },
    async close(drainMs: number): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await inFlight.drain(drainMs);
      server.closeAllConnections();
      await closed;
    },
  };
}
