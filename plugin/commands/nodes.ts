import type { Command } from 'commander';
import type { CommandContext } from '../cli-io.js';
import { addKubeConnectionFlags, kubeConnectionOptions, labelSelector, type KubeConnectionFlags } from '../flags/kube-flags.js';
import { addOutputFlag, outputFormat, type OutputFlags } from '../flags/output-flags.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { clusterNode } from '../inventory/node-info.js';
import type { KubeObject } from '../inventory/inventory.js';
import { connectKube } from '../kube/kube-client.js';
import { matchesLabels } from '../kube/label-selector.js';
import { listAll } from '../kube/list-all.js';
import { AUDIT_API_VERSION } from '../audit/report.js';
import { archCapacity, nodePools, type NodePoolReport } from '../nodes/node-pools.js';
import { renderNodePools } from '../output/nodes-table.js';
import { renderStructured } from '../output/structured.js';

interface NodesCommandOptions extends KubeConnectionFlags, OutputFlags {
  selector?: string;
}

export async function readNodes(opts: NodesCommandOptions, env?: NodeJS.ProcessEnv): Promise<ClusterNode[]> {
  const selector = labelSelector(opts);
  const kube = await connectKube(kubeConnectionOptions(opts, env));
  const nodes = await listAll<KubeObject>(kube, { groupVersion: '/api/v1', resource: 'nodes' });
  return nodes.map(clusterNode).filter((n) => matchesLabels(selector, n.labels));
}

export function nodePoolReport(nodes: readonly ClusterNode[]): NodePoolReport {
  return { apiVersion: AUDIT_API_VERSION, kind: 'NodePoolReport', pools: nodePools(nodes), archs: archCapacity(nodes) };
}

export function registerNodesCommand(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('nodes')
    .description('node pools by arch: node counts, instance types, taints, allocatable CPU and memory')
    .addHelpText(
      'after',
      `
Pools come from the first of these labels a node has: agentpool, kubernetes.azure.com/agentpool (AKS),
eks.amazonaws.com/nodegroup (EKS), karpenter.sh/nodepool (Karpenter), cloud.google.com/gke-nodepool (GKE).

Examples:
  kubectl archcheck nodes
  kubectl archcheck nodes -l kubernetes.io/arch=arm64 -o json
`,
    )
    .option('-l, --selector <selector>', 'only nodes whose labels match');
  addKubeConnectionFlags(cmd, 'accepted for kubectl compatibility; nodes belong to no namespace');
  addOutputFlag(cmd);
  cmd.action(async (opts: NodesCommandOptions) => {
    const format = outputFormat(opts.output);
    const report = nodePoolReport(await readNodes(opts, ctx.io.env));
    if (format === 'json' || format === 'yaml') ctx.io.stdout(renderStructured(report, format));
    else ctx.io.stdout(renderNodePools(report, format === 'wide', opts.headers === false));
  });
}
