/**
 * A loopback stand-in for the API server's list endpoints, with limit/continue paging, for the audit benchmark:
 * it answers what the audit reads (nodes, namespaces, workloads, pods; cluster-wide and per namespace).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyntheticCluster } from './synthetic-cluster.js';

export interface StubApiServer {
  url: string;
  /** A kubeconfig for it (plain http, as client-node allows with insecure-skip-tls-verify). */
  kubeconfig: string;
  requests: number;
  stop(): Promise<void>;
}

type Item = { metadata?: { namespace?: string } };

const ROUTES: Record<string, keyof SyntheticCluster | 'empty'> = {
  '/api/v1/nodes': 'nodes',
  '/api/v1/namespaces': 'namespaces',
  '/api/v1/pods': 'pods',
  '/apis/apps/v1/deployments': 'deployments',
  '/apis/apps/v1/replicasets': 'replicasets',
  '/apis/apps/v1/statefulsets': 'empty',
  '/apis/apps/v1/daemonsets': 'empty',
  '/apis/batch/v1/jobs': 'empty',
  '/apis/batch/v1/cronjobs': 'empty',
  '/api/v1/replicationcontrollers': 'empty',
};

function route(path: string): { list: keyof SyntheticCluster | 'empty'; namespace?: string } | undefined {
  const m = /^(\/apis?\/[^/]+(?:\/v1)?)\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) {
    const list = ROUTES[`${m[1]}/${m[3]}`];
    return list ? { list, namespace: m[2] } : undefined;
  }
  const list = ROUTES[path];
  return list ? { list } : undefined;
}

export async function startStubApiServer(cluster: SyntheticCluster): Promise<StubApiServer> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const r = route(url.pathname);
    if (!r) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', message: `${url.pathname} not found`, code: 404 }));
      return;
    }
    const all = (r.list === 'empty' ? [] : cluster[r.list]) as Item[];
    const items = r.namespace ? all.filter((i) => i.metadata?.namespace === r.namespace) : all;
    const limit = Number(url.searchParams.get('limit') ?? items.length) || items.length;
    const start = Number(url.searchParams.get('continue') ?? 0);
    const page = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { ...(next && { continue: next }) }, items: page }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: stub
  cluster: {server: "${url}", insecure-skip-tls-verify: true}
users:
- name: stub
  user: {token: bench}
contexts:
- name: stub
  context: {cluster: stub, user: stub}
current-context: stub
`;
  return {
    url,
    kubeconfig,
    get requests() {
      return requests;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
