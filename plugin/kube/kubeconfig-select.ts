import { resolve } from 'node:path';
import { KubeAccessError } from './kube-errors.js';
import type { MergedKubeconfig } from './kubeconfig-merge.js';

/** kubectl's connection flags; each overrides what the kubeconfig says (client-go's ConfigOverrides). */
export interface KubeOverrides {
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroups?: string[];
  insecureSkipTlsVerify?: boolean;
  /** Relative to the working directory, as kubectl reads it. */
  certificateAuthority?: string;
}

/** One context, resolved: what to connect to and as whom. */
export interface SelectedKubeconfig {
  /** '' when only --server names the cluster. */
  contextName: string;
  clusterName: string;
  userName: string;
  namespace: string;
  server: string;
  /** The kubeconfig `cluster` fields after overrides. */
  cluster: Record<string, unknown>;
  /** The kubeconfig `user` fields after overrides. */
  user: Record<string, unknown>;
  /** Impersonation (`--as`/`--as-group` or the user's `as`/`as-groups`). */
  impersonate: { user: string; groups: string[] } | null;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function contextOf(merged: MergedKubeconfig, o: KubeOverrides, source: string): { name: string; fields: Record<string, unknown> } {
  const name = o.context || merged.currentContext;
  if (!name) return { name: '', fields: {} };
  const entry = merged.contexts.get(name);
  if (entry) return { name, fields: entry.fields };
  const known = [...merged.contexts.keys()].join(', ') || 'none';
  const how = o.context ? '' : ' (its current-context)';
  throw new KubeAccessError('config', `context "${name}" is not in the kubeconfig${how} (${source}); contexts: ${known}`);
}

/** client-go: an override of --insecure-skip-tls-verify or --certificate-authority replaces all three TLS trust settings. */
function clusterFields(base: Record<string, unknown>, o: KubeOverrides): Record<string, unknown> {
  const fields = { ...base };
  if (o.server) fields.server = o.server;
  if (o.insecureSkipTlsVerify || o.certificateAuthority) {
    fields['insecure-skip-tls-verify'] = o.insecureSkipTlsVerify === true;
    delete fields['certificate-authority-data'];
    if (o.certificateAuthority) fields['certificate-authority'] = resolve(o.certificateAuthority);
    else delete fields['certificate-authority'];
  }
  return fields;
}

/** A token given on the command line is what is used: client-go then never runs the exec plugin or auth provider. */
function userFields(base: Record<string, unknown>, o: KubeOverrides): Record<string, unknown> {
  if (!o.token) return { ...base };
  const { exec: _exec, 'auth-provider': _provider, tokenFile: _file, ...rest } = base;
  return { ...rest, token: o.token };
}

function impersonation(user: Record<string, unknown>, o: KubeOverrides): SelectedKubeconfig['impersonate'] {
  const groups = o.asGroups && o.asGroups.length > 0 ? o.asGroups : Array.isArray(user['as-groups']) ? user['as-groups'].map(String) : [];
  const as = o.as || str(user.as);
  if (!as && groups.length > 0) throw new KubeAccessError('config', `--as-group ${groups.join(',')} needs --as USER: Kubernetes impersonates groups only together with a user`);
  return as ? { user: as, groups } : null;
}

/**
 * Picks the context (--context, else the current-context), its cluster (--cluster overrides) and user (--user
 * overrides), and applies the other flags. As in client-go, a user name with no entry means anonymous, and
 * `--server` alone is enough to name a cluster.
 */
export function selectKubeconfig(merged: MergedKubeconfig, o: KubeOverrides, source: string): SelectedKubeconfig {
  const context = contextOf(merged, o, source);
  const clusterName = o.cluster || str(context.fields.cluster);
  const userName = o.user || str(context.fields.user);
  const cluster = clusterFields(clusterEntry(merged, { clusterName, contextName: context.name }, o, source), o);
  const server = str(cluster.server);
  if (!server) throw noServer(context.name, clusterName, source);
  const user = userFields(userName ? (merged.users.get(userName)?.fields ?? {}) : {}, o);
  return {
    contextName: context.name,
    clusterName,
    userName,
    namespace: o.namespace || str(context.fields.namespace) || 'default',
    server: server.replace(/\/+$/, ''),
    cluster,
    user,
    impersonate: impersonation(user, o),
  };
}

function clusterEntry(merged: MergedKubeconfig, names: { clusterName: string; contextName: string }, o: KubeOverrides, source: string): Record<string, unknown> {
  const entry = names.clusterName ? merged.clusters.get(names.clusterName) : undefined;
  if (names.clusterName && !entry && !o.server) {
    const from = o.cluster ? '--cluster' : `context "${names.contextName}"`;
    throw new KubeAccessError('config', `cluster "${names.clusterName}" (from ${from}) is not in the kubeconfig (${source}); clusters: ${[...merged.clusters.keys()].join(', ') || 'none'}`);
  }
  return entry?.fields ?? {};
}

function noServer(contextName: string, clusterName: string, source: string): KubeAccessError {
  if (!contextName && !clusterName) {
    return new KubeAccessError('config', `the kubeconfig (${source}) has no current-context: pass --context NAME or run kubectl config use-context NAME`);
  }
  return new KubeAccessError('config', `cluster "${clusterName}" has no server in the kubeconfig (${source}): set clusters[].cluster.server or pass --server`);
}
