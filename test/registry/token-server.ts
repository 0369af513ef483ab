import { createSign, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSigningMaterial, type SigningMaterial, type TlsMaterial } from './tls.js';

/** One entry of the JWT `access` claim, as distribution reads it. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  time: number;
  method: string;
  /** Path and query as received. */
  path: string;
  service: string | undefined;
  /** Requested scopes, one `type:name:actions` string each. */
  scopes: string[];
  /** `grant_type` of an OAuth2 POST; undefined for the GET flow. */
  grantType: string | undefined;
  /** Credentials (Basic, password or refresh token) were presented, valid or not. */
  presentedCredentials: boolean;
  /** The presented credentials were valid. */
  authenticated: boolean;
  user: string | undefined;
  /** A refresh token was requested (GET offline_token=true, POST access_type=offline). */
  offline: boolean;
  status: number;
  granted: ResourceAccess[];
}

/** Which token fields a GET response carries; real servers differ. */
export type TokenResponseShape = 'both' | 'token' | 'access_token';

export interface TokenServerOptions {
  service: string;
  issuer: string;
  users: Record<string, string>;
  /** Repositories that anonymous callers may not pull. */
  isPrivate: (repository: string) => boolean;
  /** Serve the realm over https with this certificate. */
  tls?: TlsMaterial;
  expiresIn?: number;
}

export interface TokenServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** The realm the registry advertises (url + /token). */
  realm: string;
  service: string;
  issuer: string;
  /** The certificate distribution trusts (its `rootcertbundle`). */
  signing: SigningMaterial;
  /** Every request received, oldest first. */
  readonly requests: TokenRequestRecord[];
  reset(): void;
  /** Sets `expires_in` of later responses; undefined omits the field (clients must assume 60 s). */
  setExpiresIn(seconds: number | undefined): void;
  setResponseShape(shape: TokenResponseShape): void;
  /** Signs a token directly, bypassing HTTP (for tests that need a token in hand). */
  issueToken(user: string | undefined, scopes: string[], expiresIn?: number): string;
  /** A refresh token for `user`, usable as a docker config.json `identitytoken`. */
  issueRefreshToken(user: string): string;
  /** Invalidates every refresh token issued so far. */
  revokeRefreshTokens(): void;
  stop(): Promise<void>;
}

const MAX_FORM_BYTES = 64 * 1024;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  // Names may contain ':' (e.g. `repository(plugin)` classes, or a host:port), so
  // the type is before the first colon and the actions after the last one.
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter(Boolean),
  };
}

function splitScopes(values: string[]): string[] {
  return values.flatMap((v) => v.split(' ')).filter(Boolean);
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Identity {
  presented: boolean;
  user: string | undefined;
}

class TokenServerImpl {
  readonly requests: TokenRequestRecord[] = [];
  private expiresIn: number | undefined;
  private shape: TokenResponseShape = 'both';
  private refreshTokens = new Map<string, string>();

  constructor(
    private readonly opts: TokenServerOptions,
    readonly signing: SigningMaterial,
  ) {
    this.expiresIn = opts.expiresIn ?? 300;
  }

  setExpiresIn(seconds: number | undefined): void {
    this.expiresIn = seconds;
  }

  setResponseShape(shape: TokenResponseShape): void {
    this.shape = shape;
  }

  issueRefreshToken(user: string): string {
    const token = randomBytes(24).toString('base64url');
    this.refreshTokens.set(token, user);
    return token;
  }

  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  grant(user: string | undefined, scopes: string[]): ResourceAccess[] {
    const granted: ResourceAccess[] = [];
    for (const scope of scopes) {
      const parsed = parseScope(scope);
      if (!parsed) continue;
      let allowed: string[] = [];
      if (parsed.type === 'repository') {
        if (user) allowed = parsed.actions.filter((a) => ['pull', 'push', 'delete', '*'].includes(a));
        else if (!this.opts.isPrivate(parsed.name)) allowed = parsed.actions.filter((a) => a === 'pull');
      } else if (parsed.type === 'registry' && parsed.name === 'catalog' && user) {
        allowed = parsed.actions;
      }
      // Like Docker Hub, a scope the caller may not have still yields a token, just
      // without the actions; the registry then answers 401 insufficient_scope.
      granted.push({ type: parsed.type, name: parsed.name, actions: allowed });
    }
    return granted;
  }

  issueToken(user: string | undefined, scopes: string[], expiresIn?: number): string {
    return this.sign(user, this.grant(user, scopes), expiresIn ?? this.expiresIn ?? 60);
  }

  private sign(user: string | undefined, access: ResourceAccess[], expiresIn: number): string {
    const now = Math.floor(Date.now() / 1000);
    // distribution 2.8 takes the signing key from the x5c chain and verifies the chain
    // against rootcertbundle, so no kid (libtrust fingerprint) is needed.
    const header = { typ: 'JWT', alg: 'RS256', x5c: [this.signing.certDerBase64] };
    const claims = {
      iss: this.opts.issuer,
      sub: user ?? '',
      aud: this.opts.service,
      exp: now + expiresIn,
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(this.signing.keyPem);
    return `${input}.${base64url(signature)}`;
  }

  private checkPassword(user: string, password: string): boolean {
    return Object.hasOwn(this.opts.users, user) && this.opts.users[user] === password;
  }

  private basicIdentity(req: http.IncomingMessage): Identity {
    const basic = parseBasic(req.headers.authorization);
    if (!basic) return { presented: false, user: undefined };
    return { presented: true, user: this.checkPassword(basic.user, basic.password) ? basic.user : undefined };
  }

  private formIdentity(form: URLSearchParams): Identity {
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const user = form.get('username') ?? '';
      return { presented: true, user: this.checkPassword(user, form.get('password') ?? '') ? user : undefined };
    }
    if (grantType === 'refresh_token') {
      return { presented: true, user: this.refreshTokens.get(form.get('refresh_token') ?? '') };
    }
    return { presented: false, user: undefined };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const record: TokenRequestRecord = {
      time: Date.now(),
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      service: url.searchParams.get('service') ?? undefined,
      scopes: splitScopes(url.searchParams.getAll('scope')),
      grantType: undefined,
      presentedCredentials: false,
      authenticated: false,
      user: undefined,
      offline: url.searchParams.get('offline_token') === 'true',
      status: 0,
      granted: [],
    };
    this.requests.push(record);
    const reply = (status: number, body: unknown): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

    if (url.pathname !== '/token') return reply(404, { error: 'not_found' });
    if (req.method === 'GET') return this.handleGet(req, record, reply);
    if (req.method === 'POST') return this.handlePost(req, record, reply);
    return reply(405, { error: 'method_not_allowed' });
  }

  private handleGet(req: http.IncomingMessage, record: TokenRequestRecord, reply: (s: number, b: unknown) => void): void {
    const identity = this.basicIdentity(req);
    record.presentedCredentials = identity.presented;
    record.authenticated = identity.user !== undefined;
    record.user = identity.user;
    if (identity.presented && !identity.user) return reply(401, { details: 'incorrect username or password' });
    if (record.service !== this.opts.service) return reply(400, { details: `unknown service ${record.service ?? ''}` });

    record.granted = this.grant(identity.user, record.scopes);
    const token = this.sign(identity.user, record.granted, this.expiresIn ?? 60);
    const body: Record<string, unknown> = { issued_at: new Date().toISOString() };
    if (this.shape !== 'access_token') body.token = token;
    if (this.shape !== 'token') body.access_token = token;
    if (this.expiresIn !== undefined) body.expires_in = this.expiresIn;
    if (record.offline && identity.user) body.refresh_token = this.issueRefreshToken(identity.user);
    return reply(200, body);
  }

  private async handlePost(
    req: http.IncomingMessage,
    record: TokenRequestRecord,
    reply: (s: number, b: unknown) => void,
  ): Promise<void> {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readBody(req));
    } catch {
      return reply(413, { error: 'invalid_request' });
    }
    record.grantType = form.get('grant_type') ?? undefined;
    record.service = form.get('service') ?? undefined;
    record.scopes = splitScopes(form.getAll('scope'));
    record.offline = form.get('access_type') === 'offline';
    if (record.grantType !== 'password' && record.grantType !== 'refresh_token') {
      return reply(400, { error: 'unsupported_grant_type' });
    }
    const identity = this.formIdentity(form);
    record.presentedCredentials = identity.presented;
    record.authenticated = identity.user !== undefined;
    record.user = identity.user;
    if (!identity.user) return reply(401, { error: 'invalid_grant' });
    if (record.service !== this.opts.service) return reply(400, { error: 'invalid_request' });

    record.granted = this.grant(identity.user, record.scopes);
    const expiresIn = this.expiresIn ?? 60;
    const body: Record<string, unknown> = {
      access_token: this.sign(identity.user, record.granted, expiresIn),
      scope: record.scopes.join(' '),
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    };
    // The OAuth2 flow returns a refresh token when asked for offline access; a
    // refresh_token grant gets its own token back, as Docker's identity tokens do.
    if (record.offline) body.refresh_token = this.issueRefreshToken(identity.user);
    else if (record.grantType === 'refresh_token') body.refresh_token = form.get('refresh_token');
    return reply(200, body);
  }
}

/** Starts a Docker-token-protocol server on a free loopback port. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const impl = new TokenServerImpl(opts, await createSigningMaterial());
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    impl.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(err) }));
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    url,
    realm: `${url}/token`,
    service: opts.service,
    issuer: opts.issuer,
    signing: impl.signing,
    requests: impl.requests,
    reset: () => {
      impl.requests.length = 0;
    },
    setExpiresIn: (s) => impl.setExpiresIn(s),
    setResponseShape: (s) => impl.setResponseShape(s),
    issueToken: (user, scopes, expiresIn) => impl.issueToken(user, scopes, expiresIn),
    issueRefreshToken: (user) => impl.issueRefreshToken(user),
    revokeRefreshTokens: () => impl.revokeRefreshTokens(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
