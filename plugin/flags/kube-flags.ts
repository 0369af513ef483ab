import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import type { NamespaceScope } from '../inventory/cluster-inventory.js';
import type { KubeConnectionOptions } from '../kube/kube-client.js';
import { parseLabelSelector, type LabelRequirement } from '../kube/label-selector.js';
import { UsageError } from '../usage-error.js';

/** The flags kubectl users expect on every command that reads the cluster. */
export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  requestTimeout: string;
}

export function addKubeFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, which may list several files, or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <namespace>', "namespace to audit (default: the context's namespace)")
    .option('-A, --all-namespaces', 'audit every namespace')
    .option('-l, --selector <selector>', 'only workloads whose labels match, e.g. app=web,tier!=db')
    .option('--request-timeout <duration>', 'time allowed per API server request', '30s');
}

export function kubeConnectionOptions(flags: KubeFlags): KubeConnectionOptions {
  let requestTimeoutMs: number;
  try {
    requestTimeoutMs = parseDuration(flags.requestTimeout, '--request-timeout');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { ...(flags.kubeconfig && { kubeconfig: flags.kubeconfig }), ...(flags.context && { context: flags.context }), requestTimeoutMs };
}

/** Checks -n/-A before anything is read; the scope itself needs the context's namespace. */
export function checkNamespaceFlags(flags: KubeFlags): void {
  if (flags.allNamespaces && flags.namespace) throw new UsageError('use either -n/--namespace or -A/--all-namespaces, not both');
}

export function namespaceScope(flags: KubeFlags, contextNamespace: string): NamespaceScope {
  checkNamespaceFlags(flags);
  return flags.allNamespaces ? { all: true } : { all: false, namespace: flags.namespace ?? contextNamespace };
}

export function labelSelector(flags: { selector?: string }): LabelRequirement[] {
  if (!flags.selector) return [];
  try {
    return parseLabelSelector(flags.selector);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
