import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { KubeAccessError } from './kube-errors.js';
import { kubeconfigSources, mergeKubeconfigs, parseKubeconfigFile, type KubeconfigFile, type KubeconfigSources, type MergedKubeconfig } from './kubeconfig-merge.js';
import { selectKubeconfig, type KubeOverrides, type SelectedKubeconfig } from './kubeconfig-select.js';

export interface LoadedKubeconfig {
  selected: SelectedKubeconfig;
  /** How the kubeconfig was found, for messages. */
  source: string;
}

export interface KubeconfigEnvironment {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The service account directory of a pod (in-cluster config). */
  serviceAccountDir: string;
}

export const DEFAULT_ENVIRONMENT: KubeconfigEnvironment = {
  env: process.env,
  home: homedir(),
  serviceAccountDir: '/var/run/secrets/kubernetes.io/serviceaccount',
};

function readFile(path: string, explicit: boolean): KubeconfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // client-go skips KUBECONFIG entries (and ~/.kube/config) that do not exist; --kubeconfig must exist.
    if (code === 'ENOENT' && !explicit) return undefined;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new KubeAccessError('config', `cannot read kubeconfig ${path}: ${why}`);
  }
  return parseKubeconfigFile(path, text);
}

/** A pod's own identity, as client-go's InClusterConfig builds it; undefined outside a pod. */
function inClusterConfig(environment: KubeconfigEnvironment): SelectedKubeconfig | undefined {
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } = environment.env;
  const dir = environment.serviceAccountDir;
  if (!host || !port || !existsSync(`${dir}/token`)) return undefined;
  const namespace = existsSync(`${dir}/namespace`) ? readFileSync(`${dir}/namespace`, 'utf8').trim() : '';
  return {
    contextName: 'in-cluster',
    clusterName: 'in-cluster',
    userName: 'in-cluster',
    namespace: namespace || 'default',
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    cluster: { 'certificate-authority': `${dir}/ca.crt` },
    user: { tokenFile: `${dir}/token` },
    impersonate: null,
  };
}

/** The kubeconfig files kubectl would read, merged by its rules (fleet lists their contexts). */
export function readKubeconfigs(explicit: string | undefined, environment: KubeconfigEnvironment = DEFAULT_ENVIRONMENT): { sources: KubeconfigSources; files: KubeconfigFile[]; merged: MergedKubeconfig } {
  const sources = kubeconfigSources(explicit, environment.env, environment.home);
  const files = sources.paths.map((p) => readFile(p, sources.explicit)).filter((f): f is KubeconfigFile => f !== undefined);
  return { sources, files, merged: mergeKubeconfigs(files) };
}

function isEmpty(merged: MergedKubeconfig): boolean {
  return merged.contexts.size === 0 && merged.clusters.size === 0 && merged.currentContext === '';
}

/**
 * Loads the kubeconfig exactly as kubectl does (see kubeconfig-merge.ts) and picks the connection the flags ask for.
 * With no kubeconfig at all, a pod's service account is used (in-cluster), as kubectl does.
 */
export function loadKubeconfig(explicit: string | undefined, overrides: KubeOverrides, environment: KubeconfigEnvironment = DEFAULT_ENVIRONMENT): LoadedKubeconfig {
  const { sources, files, merged } = readKubeconfigs(explicit, environment);
  if (isEmpty(merged) && !overrides.server && !overrides.context) {
    const inCluster = explicit ? undefined : inClusterConfig(environment);
    if (inCluster) return { selected: selectInCluster(inCluster, overrides), source: 'in-cluster service account' };
    if (files.length === 0) {
      throw new KubeAccessError('config', `no kubeconfig found (${sources.description}): set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config`);
    }
    throw new KubeAccessError('config', `the kubeconfig (${sources.description}) is empty: it defines no context or cluster; pass --kubeconfig with a kubeconfig, or --server and --token`);
  }
  return { selected: selectKubeconfig(merged, overrides, sources.description), source: sources.description };
}

function selectInCluster(base: SelectedKubeconfig, o: KubeOverrides): SelectedKubeconfig {
  const merged: MergedKubeconfig = {
    currentContext: base.contextName,
    contexts: new Map([[base.contextName, { name: base.contextName, fields: { cluster: base.clusterName, user: base.userName, namespace: base.namespace }, file: '' }]]),
    clusters: new Map([[base.clusterName, { name: base.clusterName, fields: { ...base.cluster, server: base.server }, file: '' }]]),
    users: new Map([[base.userName, { name: base.userName, fields: base.user, file: '' }]]),
    files: [],
  };
  return selectKubeconfig(merged, o, 'in-cluster service account');
}
