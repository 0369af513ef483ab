import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeAccessError, kubeStatusError } from './kube-errors.js';

export interface KubeConnectionOptions {
  /** --kubeconfig: only this file (as kubectl does); otherwise KUBECONFIG (multi-file), ~/.kube/config, in-cluster. */
  kubeconfig?: string;
  /** --context */
  context?: string;
  /** Per request, including exec-plugin auth. */
  requestTimeoutMs: number;
}

/** Reads plain JSON from the API server. Plain JSON (not client-node's model classes) is what core/placement takes. */
export interface KubeReader {
  /** `https://host:port` of the current context. */
  readonly server: string;
  readonly context: string;
  /** The context's namespace, `default` when it names none. */
  readonly namespace: string;
  getJson<T>(path: string, what: string): Promise<T>;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function hasDefaultConfig(): boolean {
  if (process.env.KUBECONFIG) return true;
  return existsSync(join(homedir(), '.kube', 'config')) || existsSync(SERVICE_ACCOUNT_TOKEN);
}

/**
 * Loads the kubeconfig the way kubectl does (client-node's loadFromDefault merges multi-file KUBECONFIG).
 * client-node is imported on first use: it takes a second or two to load, which `manifests` and `--help` skip.
 */
export async function loadKubeConfig(options: Pick<KubeConnectionOptions, 'kubeconfig' | 'context'>): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const source = options.kubeconfig ?? (process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config');
  if (!options.kubeconfig && !hasDefaultConfig()) {
    throw new KubeAccessError('config', 'no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config');
  }
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new KubeAccessError('config', `cannot read kubeconfig (${source}): ${firstLine(e)}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeAccessError('config', `context "${options.context}" is not in the kubeconfig (${source}); contexts: ${known.join(', ') || 'none'}`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeAccessError('config', `the kubeconfig (${source}) has no current context with a cluster: pass --context`);
  }
  return kc;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

interface RequestSettings {
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  auth?: string;
}

/** A KubeReader for the current context: TLS, client certificates, tokens and exec plugins come from client-node. */
export async function connectKube(options: KubeConnectionOptions): Promise<KubeReader> {
  const kc = await loadKubeConfig(options);
  const cluster = kc.getCurrentCluster()!;
  const contextName = kc.getCurrentContext();
  const namespace = kc.getContextObject(contextName)?.namespace || 'default';
  const settings = await requestSettings(kc, options.requestTimeoutMs);
  const server = cluster.server.replace(/\/+$/, '');
  return {
    server,
    context: contextName,
    namespace,
    getJson: <T>(path: string, what: string) => getJson<T>(server, path, what, { settings, timeoutMs: options.requestTimeoutMs }),
  };
}

async function requestSettings(kc: KubeConfig, timeoutMs: number): Promise<RequestSettings> {
  const opts: https.RequestOptions = {};
  try {
    await withTimeout(kc.applyToHTTPSOptions(opts), timeoutMs, 'authenticating with the kubeconfig user (exec plugin or token)');
  } catch (e) {
    if (e instanceof KubeAccessError) throw e;
    throw new KubeAccessError('config', `cannot use the kubeconfig user of context "${kc.getCurrentContext()}": ${firstLine(e)}`);
  }
  return {
    agent: (opts.agent as http.Agent | undefined) ?? new https.Agent({ keepAlive: true }),
    headers: { ...(opts.headers as http.OutgoingHttpHeaders | undefined) },
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
        timeout: ctx.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(unreachable(server, e)));
        res.on('end', () => {
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
    req.on('timeout', () => {
      req.destroy(new KubeAccessError('timeout', `the API server ${server} did not answer within ${ctx.timeoutMs / 1000} s (reading ${what}); check the server is reachable or raise --request-timeout`));
    });
    req.on('error', (e) => reject(e instanceof KubeAccessError ? e : unreachable(server, e)));
    req.end();
  });
}

function unreachable(server: string, e: Error): KubeAccessError {
  return new KubeAccessError('unreachable', `cannot reach the API server ${server}: ${firstLine(e)}`);
}
