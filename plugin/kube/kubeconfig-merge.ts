import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { KubeAccessError } from './kube-errors.js';

/**
 * Kubeconfig loading as client-go's ClientConfigLoadingRules do it, so `kubectl get` and `kubectl archcheck` always
 * talk to the same cluster:
 *  - `--kubeconfig` names the only file read (it must exist); otherwise every file of `KUBECONFIG` (path-list
 *    separated, duplicates and empty entries dropped), missing ones skipped; otherwise `~/.kube/config`;
 *  - an empty file is an empty config;
 *  - the first file that sets `current-context` wins, and for each named cluster, user and context the first file
 *    that defines that name wins (whole entry, fields are not merged);
 *  - one file naming the same cluster/user/context twice is an error, as in client-go;
 *  - relative paths in a file are relative to that file's directory.
 */

/** One named entry of a kubeconfig (`clusters[].cluster`, `users[].user`, `contexts[].context`). */
export interface KubeconfigEntry {
  name: string;
  /** The entry's fields as written (paths already made absolute). */
  fields: Record<string, unknown>;
  /** The file that defined it. */
  file: string;
}

export interface KubeconfigFile {
  path: string;
  currentContext: string;
  clusters: KubeconfigEntry[];
  users: KubeconfigEntry[];
  contexts: KubeconfigEntry[];
}

export interface MergedKubeconfig {
  /** '' when no file sets one. */
  currentContext: string;
  clusters: Map<string, KubeconfigEntry>;
  users: Map<string, KubeconfigEntry>;
  contexts: Map<string, KubeconfigEntry>;
  /** The files that were read, in order (missing files are not listed). */
  files: string[];
}

/** Which files to read and whether they must exist. */
export interface KubeconfigSources {
  paths: string[];
  /** `--kubeconfig`: a missing file is an error. KUBECONFIG entries and ~/.kube/config are skipped when missing. */
  explicit: boolean;
  /** How the user named them, for messages: `--kubeconfig x`, `KUBECONFIG=a:b`, `~/.kube/config`. */
  description: string;
}

export function kubeconfigSources(explicit: string | undefined, env: NodeJS.ProcessEnv, home: string, separator: string = delimiter): KubeconfigSources {
  if (explicit) return { paths: [explicit], explicit: true, description: `--kubeconfig ${explicit}` };
  const listed = env.KUBECONFIG;
  if (listed) {
    const paths = [...new Set(listed.split(separator).filter((p) => p !== ''))];
    return { paths, explicit: false, description: `KUBECONFIG=${listed}` };
  }
  return { paths: [join(home, '.kube', 'config')], explicit: false, description: '~/.kube/config' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields holding file paths, per entry kind (client-go's GetClusterFileReferences / GetAuthInfoFileReferences). */
const PATH_FIELDS: Record<'cluster' | 'user' | 'context', readonly string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'tokenFile'],
  context: [],
};

function resolvePaths(kind: 'cluster' | 'user' | 'context', fields: Record<string, unknown>, base: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const key of PATH_FIELDS[kind]) {
    const value = out[key];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) out[key] = resolve(base, value);
  }
  // An exec command is resolved only when it is a path (contains a separator); a bare name is looked up on PATH.
  const exec = out.exec;
  if (kind === 'user' && isRecord(exec) && typeof exec.command === 'string' && exec.command.includes('/') && !isAbsolute(exec.command)) {
    out.exec = { ...exec, command: resolve(base, exec.command) };
  }
  return out;
}

function entries(doc: Record<string, unknown>, list: 'clusters' | 'users' | 'contexts', path: string): KubeconfigEntry[] {
  const kind = list === 'clusters' ? 'cluster' : list === 'users' ? 'user' : 'context';
  const raw = doc[list];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new KubeAccessError('config', `cannot read kubeconfig ${path}: ${list} must be a list`);
  const seen = new Set<string>();
  return raw.map((item: unknown, i) => {
    if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') {
      throw new KubeAccessError('config', `cannot read kubeconfig ${path}: ${list}[${i}] has no name`);
    }
    if (seen.has(item.name)) throw new KubeAccessError('config', `cannot read kubeconfig ${path}: ${list} has "${item.name}" twice`);
    seen.add(item.name);
    const fields = isRecord(item[kind]) ? item[kind] : {};
    return { name: item.name, fields: resolvePaths(kind, fields, dirname(resolve(path))), file: path };
  });
}

/** Parses one file's text. Empty (or comment-only) text is an empty config. */
export function parseKubeconfigFile(path: string, text: string): KubeconfigFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    const first = ((e as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new KubeAccessError('config', `cannot read kubeconfig ${path}: invalid YAML: ${first}`);
  }
  if (doc === null || doc === undefined) return { path, currentContext: '', clusters: [], users: [], contexts: [] };
  if (!isRecord(doc)) throw new KubeAccessError('config', `cannot read kubeconfig ${path}: expected a Config object (apiVersion: v1, kind: Config)`);
  const current = doc['current-context'];
  return {
    path,
    currentContext: typeof current === 'string' ? current : '',
    clusters: entries(doc, 'clusters', path),
    users: entries(doc, 'users', path),
    contexts: entries(doc, 'contexts', path),
  };
}

function firstWins(files: readonly KubeconfigFile[], list: 'clusters' | 'users' | 'contexts'): Map<string, KubeconfigEntry> {
  const merged = new Map<string, KubeconfigEntry>();
  for (const file of files) {
    for (const entry of file[list]) if (!merged.has(entry.name)) merged.set(entry.name, entry);
  }
  return merged;
}

/** Merges files in order: the first non-empty current-context, and the first definition of every name, win. */
export function mergeKubeconfigs(files: readonly KubeconfigFile[]): MergedKubeconfig {
  return {
    currentContext: files.find((f) => f.currentContext !== '')?.currentContext ?? '',
    clusters: firstWins(files, 'clusters'),
    users: firstWins(files, 'users'),
    contexts: firstWins(files, 'contexts'),
    files: files.map((f) => f.path),
  };
}
