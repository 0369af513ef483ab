import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeAccessError, kubeStatusError } from './kube-errors.js';
import { loadKubeconfig, type KubeconfigEnvironment } from './kubeconfig-load.js';
import type { KubeOverrides, SelectedKubeconfig } from './kubeconfig-select.js';

export interface KubeConnectionOptions {
  /** --kubeconfig: only this file (as kubectl does); otherwise KUBECONFIG (multi-file), ~/.kube/config, in-cluster. */
  kubeconfig?: string;
  /** --context, --cluster, --user, -n, --server, --token, --as, --as-group, --insecure-skip-tls-verify, --certificate-authority. */
  overrides?: KubeOverrides;
  /** Per request, wall clock, including exec-plugin auth. */
  requestTimeoutMs: number;
  /** Where KUBECONFIG and HOME come from (tests pass their own). */
  environment?: KubeconfigEnvironment;
}

/** Reads plain JSON from the API server. Plain JSON (not client-node's model classes) is what core/placement takes. */
export interface KubeReader {
  /** `https://host:port` of the current context. */
  readonly server: string;
  /** The context's name ('' when only --server named the cluster). */
  readonly context: string;
  /** -n, else the context's namespace, `default` when it names none. */
  readonly namespace: string;
  getJson<T>(path: string, what: string): Promise<T>;
}

/**
 * A client-node KubeConfig holding only the selected context: client-node then does TLS, client certificates and
 * exec plugins, while which context, cluster and user are used was decided by kubectl's rules (kubeconfig-load.ts).
 * client-node is imported on first use: it takes a second or two to load, which `manifests` and `--help` skip. It is
 * imported through client-node-config.ts, which names KubeConfig alone, so the bundle leaves out client-node's
 * generated API (3.2 of its 6 MB, parsed at every start; decision 0044).
 */
async function clientNodeConfig(selected: SelectedKubeconfig): Promise<KubeConfig> {
  const { KubeConfig } = await import('./client-node-config.js');
  const kc = new KubeConfig();
  const user = { ...selected.user };
  // client-go's tokenFile (client-node only knows token-file).
  if (typeof user.tokenFile === 'string' && !user.token) {
    try {
      user.token = readFileSync(user.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new KubeAccessError('config', `cannot read the token file ${user.tokenFile} of user "${selected.userName}": ${(e as NodeJS.ErrnoException).code ?? firstLine(e)}`);
    }
  }
  delete user.as;
  const name = selected.contextName || 'archcheck';
  const doc = {
    clusters: [{ name: 'selected', cluster: selected.cluster }],
    users: [{ name: 'selected', user }],
    contexts: [{ name, context: { cluster: 'selected', user: 'selected', namespace: selected.namespace } }],
    'current-context': name,
  };
  try {
    kc.loadFromString(JSON.stringify(doc));
  } catch (e) {
    throw new KubeAccessError('config', `cannot use context "${name}": ${firstLine(e)}`);
  }
  return kc;
}

interface RequestSettings {
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  auth?: string;
}

/** A KubeReader for the selected context: TLS, client certificates, tokens and exec plugins come from client-node. */
export async function connectKube(options: KubeConnectionOptions): Promise<KubeReader> {
  const { selected } = loadKubeconfig(options.kubeconfig, options.overrides ?? {}, options.environment);
  const kc = await clientNodeConfig(selected);
  const settings = await requestSettings(kc, selected, options.requestTimeoutMs);
  const server = selected.server;
  return {
    server,
    context: selected.contextName,
    namespace: selected.namespace,
    getJson: <T>(path: string, what: string) => getJson<T>(server, path, what, { settings, timeoutMs: options.requestTimeoutMs }),
  };
}

/** The exec plugin's binary is not installed: say which, and how the kubeconfig says to get it. */
function execMissing(selected: SelectedKubeconfig, e: unknown): KubeAccessError | undefined {
  const exec = selected.user.exec as { command?: unknown; installHint?: unknown } | undefined;
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !exec || typeof exec.command !== 'string') return undefined;
  const hint = typeof exec.installHint === 'string' && exec.installHint.trim() ? exec.installHint.trim().split('\n')[0] : 'install it, or fix users[].user.exec.command in the kubeconfig';
  return new KubeAccessError('config', `user "${selected.userName}" gets its credentials from "${exec.command}", which is not installed or not on PATH: ${hint}`);
}

async function requestSettings(kc: KubeConfig, selected: SelectedKubeconfig, timeoutMs: number): Promise<RequestSettings> {
  const opts: https.RequestOptions = {};
  try {
    await withTimeout(kc.applyToHTTPSOptions(opts), timeoutMs, 'authenticating with the kubeconfig user (exec plugin or token)');
  } catch (e) {
    if (e instanceof KubeAccessError) throw e;
    throw execMissing(selected, e) ?? new KubeAccessError('config', `cannot use the kubeconfig user "${selected.userName}" of context "${selected.contextName}": ${firstLine(e)}`);
  }
  const headers: http.OutgoingHttpHeaders = { ...(opts.headers as http.OutgoingHttpHeaders | undefined) };
  delete headers['Impersonate-User'];
  if (selected.impersonate) {
    headers['Impersonate-User'] = selected.impersonate.user;
    if (selected.impersonate.groups.length > 0) headers['Impersonate-Group'] = selected.impersonate.groups;
  }
  return {
    agent: (opts.agent as http.Agent | undefined) ?? new https.Agent({ keepAlive: true }),
    headers,
    ...(typeof opts.auth === 'string' && { auth: opts.auth }),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeAccessError('timeout', `timed out after ${ms / 1000} s ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface GetContext {
  settings: RequestSettings;
  timeoutMs: number;
}

/**
 * One GET with a wall-clock limit: the connection, TLS, the answer and its whole body must fit in `timeoutMs`.
 * (A socket idle timeout alone lets a server that trickles bytes, or a stuck TLS handshake, hold the call longer.)
 */
function getJson<T>(server: string, path: string, what: string, ctx: GetContext): Promise<T> {
  const url = new URL(path, `${server}/`);
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise<T>((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'GET',
        agent: ctx.settings.agent,
        headers: { ...ctx.settings.headers, accept: 'application/json', 'accept-encoding': 'gzip' },
        ...(ctx.settings.auth && { auth: ctx.settings.auth }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(e instanceof KubeAccessError ? e : unreachable(server, e)));
        res.on('end', () => {
          clearTimeout(deadline);
          try {
            const raw = Buffer.concat(chunks);
            const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(kubeStatusError(status, body.toString('utf8'), what));
              return;
            }
            resolve(JSON.parse(body.toString('utf8')) as T);
          } catch (e) {
            reject(new KubeAccessError('bad-response', `unreadable answer from the API server for ${what}: ${firstLine(e)}`));
          }
        });
      },
    );
    const deadline = setTimeout(() => {
      const error = new KubeAccessError('timeout', `the API server ${server} did not answer within ${ctx.timeoutMs / 1000} s (reading ${what}); check the server is reachable or raise --request-timeout`);
      req.destroy(error);
      reject(error);
    }, ctx.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e instanceof KubeAccessError ? e : unreachable(server, e));
    });
    req.end();
  });
}

function unreachable(server: string, e: Error): KubeAccessError {
  return new KubeAccessError('unreachable', `cannot reach the API server ${server}: ${firstLine(e)}`);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
