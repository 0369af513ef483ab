import type { Dispatcher } from 'undici';
import { agentFor, basicAuthorization, harnessFetch, type Response } from './http.js';
import type { Blob, BuiltImage, Manifest } from './oci.js';

/** Where fixtures are pushed: a TestRegistry satisfies this, as does a plain URL. */
export interface PushTarget {
  /** `http(s)://host:port` */
  url: string;
  /** `host:port` written into references; defaults to the URL's host. */
  host?: string;
  caCertPem?: string;
  credentials?: { username: string; password: string };
  dispatcher?: Dispatcher;
}

export class PushError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${message}: HTTP ${status} ${body.slice(0, 500)}`);
  }
}

/** key="value" pairs of one WWW-Authenticate challenge; enough for distribution's own headers. */
function challengeParams(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(/\s+/, 1)[0]?.toLowerCase() ?? '';
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) {
    if (m[1] && m[2] !== undefined) params[m[1]] = m[2];
  }
  return { scheme, params };
}

/**
 * A minimal registry writer over the OCI distribution API. It answers Basic and Bearer
 * challenges itself (push needs `pull,push` scope), so it works against every harness mode.
 */
export class PushClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  /** Authorization header per repository, learned from the first challenge. */
  private readonly authorization = new Map<string, string>();

  constructor(private readonly target: PushTarget) {
    this.ownsDispatcher = !target.dispatcher;
    this.dispatcher = target.dispatcher ?? agentFor(target.caCertPem);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async authorize(repository: string, challenge: string): Promise<string> {
    const { scheme, params } = challengeParams(challenge);
    const creds = this.target.credentials;
    if (scheme === 'basic') {
      if (!creds) throw new Error(`${this.target.url} wants Basic auth but no credentials were given`);
      return basicAuthorization(creds.username, creds.password);
    }
    if (scheme !== 'bearer' || !params.realm) throw new Error(`unsupported challenge: ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', `repository:${repository}:pull,push`);
    const headers: Record<string, string> = creds ? { authorization: basicAuthorization(creds.username, creds.password) } : {};
    const res = await harnessFetch(url, { headers, dispatcher: this.dispatcher });
    const text = await res.text();
    if (!res.ok) throw new PushError(`token request for ${repository}`, res.status, text);
    const body = JSON.parse(text) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`token response without a token: ${text}`);
    return `Bearer ${token}`;
  }

  /** One request, retried once after answering an auth challenge. */
  private async send(
    repository: string,
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Response> {
    const url = new URL(pathOrUrl, this.target.url);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      const auth = this.authorization.get(repository);
      if (auth) headers.authorization = auth;
      const res = await harnessFetch(url, { method, headers, body: init.body, dispatcher: this.dispatcher });
      const challenge = res.headers.get('www-authenticate');
      if (res.status !== 401 || !challenge || attempt > 0) return res;
      await res.body?.cancel();
      this.authorization.set(repository, await this.authorize(repository, challenge));
    }
  }

  async pushBlob(repository: string, item: Blob): Promise<void> {
    const start = await this.send(repository, 'POST', `/v2/${repository}/blobs/uploads/`);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new PushError(`start upload to ${repository}`, start.status, '');
    // Location may be absolute (distribution) or relative (other registries).
    const uploadUrl = new URL(location, this.target.url);
    uploadUrl.searchParams.set('digest', item.digest);
    const put = await this.send(repository, 'PUT', uploadUrl.toString(), {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(item.size) },
      body: item.bytes,
    });
    const text = await put.text();
    if (put.status !== 201) throw new PushError(`upload ${item.digest} to ${repository}`, put.status, text);
  }

  /** PUT a manifest under a tag or its digest; returns the digest the registry reports. */
  async pushManifest(repository: string, reference: string, item: Manifest): Promise<string> {
    const res = await this.send(repository, 'PUT', `/v2/${repository}/manifests/${reference}`, {
      headers: { 'content-type': item.mediaType },
      body: item.bytes,
    });
    const text = await res.text();
    if (res.status !== 201) throw new PushError(`push manifest ${repository}:${reference}`, res.status, text);
    const digest = res.headers.get('docker-content-digest') ?? item.digest;
    if (digest !== item.digest) throw new Error(`registry stored ${repository} as ${digest}, expected ${item.digest}`);
    return digest;
  }

  async pushImage(repository: string, image: BuiltImage, reference = image.digest): Promise<string> {
    await Promise.all([image.config, ...image.layers].map((b) => this.pushBlob(repository, b)));
    return this.pushManifest(repository, reference, image);
  }

  async deleteManifest(repository: string, digest: string): Promise<number> {
    const res = await this.send(repository, 'DELETE', `/v2/${repository}/manifests/${digest}`);
    await res.body?.cancel();
    return res.status;
  }
}
