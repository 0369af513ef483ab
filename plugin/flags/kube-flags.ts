import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import type { NamespaceScope } from '../inventory/cluster-inventory.js';
import type { KubeConnectionOptions } from '../kube/kube-client.js';
import { DEFAULT_ENVIRONMENT } from '../kube/kubeconfig-load.js';
import type { KubeOverrides } from '../kube/kubeconfig-select.js';
import { parseLabelSelector, type LabelRequirement } from '../kube/label-selector.js';
import { UsageError } from '../usage-error.js';

/** kubectl's global connection flags (the same names, the same meaning). */
export interface KubeConnectionFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroup?: string[];
  insecureSkipTlsVerify?: boolean;
  certificateAuthority?: string;
  requestTimeout: string;
}

/** The flags kubectl users expect on every command that reads the cluster. */
export interface KubeFlags extends KubeConnectionFlags {
  allNamespaces?: boolean;
  selector?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** kubectl's global flags: accepted by every command that talks to the API server, before or after its name. */
export function addKubeConnectionFlags(cmd: Command, namespaceHelp = "namespace to audit (default: the context's namespace)"): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, which may list several files, or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--cluster <name>', 'kubeconfig cluster to use (overrides the context\'s)')
    .option('--user <name>', 'kubeconfig user to use (overrides the context\'s)')
    .option('-n, --namespace <namespace>', namespaceHelp)
    .option('-s, --server <url>', 'API server address (overrides the cluster\'s)')
    .option('--token <token>', 'bearer token for the API server (used instead of the user\'s exec plugin or auth provider)')
    .option('--as <user>', 'user to impersonate')
    .option('--as-group <group>', 'group to impersonate (repeatable; needs --as)', collect)
    .option('--insecure-skip-tls-verify', "do not verify the API server's certificate (insecure)")
    .option('--certificate-authority <path>', "CA file for the API server's certificate")
    .option('--request-timeout <duration>', 'time allowed per API server request (wall clock, e.g. 30s)', '30s');
}

export function addKubeFlags(cmd: Command): Command {
  return addKubeConnectionFlags(cmd)
    .option('-A, --all-namespaces', 'audit every namespace')
    .option('-l, --selector <selector>', 'only workloads whose labels match, e.g. app=web,tier!=db');
}

export function kubeConnectionOptions(flags: KubeConnectionFlags, env?: NodeJS.ProcessEnv): KubeConnectionOptions {
  let requestTimeoutMs: number;
  try {
    requestTimeoutMs = parseDuration(flags.requestTimeout, '--request-timeout');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (requestTimeoutMs <= 0) throw new UsageError(`--request-timeout ${flags.requestTimeout}: must be more than 0`);
  const overrides: KubeOverrides = {
    ...(flags.context && { context: flags.context }),
    ...(flags.cluster && { cluster: flags.cluster }),
    ...(flags.user && { user: flags.user }),
    ...(flags.namespace && { namespace: flags.namespace }),
    ...(flags.server && { server: flags.server }),
    ...(flags.token && { token: flags.token }),
    ...(flags.as && { as: flags.as }),
    ...(flags.asGroup && { asGroups: flags.asGroup }),
    ...(flags.insecureSkipTlsVerify && { insecureSkipTlsVerify: true }),
    ...(flags.certificateAuthority && { certificateAuthority: flags.certificateAuthority }),
  };
  return {
    ...(flags.kubeconfig && { kubeconfig: flags.kubeconfig }),
    overrides,
    requestTimeoutMs,
    ...(env && { environment: { ...DEFAULT_ENVIRONMENT, env } }),
  };
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
