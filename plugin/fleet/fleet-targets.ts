import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { readKubeconfigs, type KubeconfigEnvironment } from '../kube/kubeconfig-load.js';
import { UsageError } from '../usage-error.js';

/** One cluster of the fleet: a kubeconfig (or kubectl's default ones) and the context to use in it. */
export interface FleetTarget {
  /** How the cluster is named in the output: the context name, or the file's name for --kubeconfig-dir. */
  name: string;
  /** Undefined: KUBECONFIG / ~/.kube/config, as kubectl reads them. */
  kubeconfig?: string;
  /** Undefined: the file's current-context. */
  context?: string;
}

export interface FleetSelection {
  contexts?: string[];
  allContexts?: boolean;
  kubeconfigDir?: string;
  kubeconfig?: string;
}

/** Files of a --kubeconfig-dir: regular files, hidden ones skipped (a GitOps checkout has .git). */
function kubeconfigFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new UsageError(`--kubeconfig-dir ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  const files = names.filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isFile());
  if (files.length === 0) throw new UsageError(`--kubeconfig-dir ${dir}: no kubeconfig files in it`);
  return files.map((n) => join(dir, n));
}

/**
 * Which clusters `fleet` audits: contexts named by --contexts, every context (--all-contexts) of the kubeconfig
 * kubectl would read, or each file of --kubeconfig-dir with its current-context (one file per cluster, as GitOps
 * repositories and fleet managers hand them out). Exactly one of the three; a named context that does not exist is
 * a usage error before anything is contacted.
 */
export function fleetTargets(sel: FleetSelection, environment?: KubeconfigEnvironment): FleetTarget[] {
  const given = [sel.contexts && sel.contexts.length > 0, sel.allContexts, sel.kubeconfigDir !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('fleet needs exactly one of --contexts a,b,c, --all-contexts or --kubeconfig-dir DIR');
  if (sel.kubeconfigDir !== undefined) {
    if (sel.kubeconfig) throw new UsageError('use either --kubeconfig-dir or --kubeconfig, not both');
    return kubeconfigFiles(sel.kubeconfigDir).map((file) => ({ name: basename(file, extname(file)), kubeconfig: file }));
  }
  const { merged, sources } = readKubeconfigs(sel.kubeconfig, environment);
  const known = [...merged.contexts.keys()];
  const names = sel.allContexts ? known : [...new Set(sel.contexts)];
  const missing = names.filter((n) => !merged.contexts.has(n));
  if (missing.length > 0) throw new UsageError(`--contexts: ${missing.map((n) => `"${n}"`).join(', ')} not in the kubeconfig (${sources.description}); contexts: ${known.join(', ') || 'none'}`);
  if (names.length === 0) throw new UsageError(`--all-contexts: the kubeconfig (${sources.description}) has no contexts`);
  return names.map((name) => ({ name, ...(sel.kubeconfig && { kubeconfig: sel.kubeconfig }), context: name }));
}
