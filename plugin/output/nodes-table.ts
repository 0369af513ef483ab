import { formatBytes, formatCores } from '../kube/quantity.js';
import type { NodePool, NodePoolReport, PoolTaint } from '../nodes/node-pools.js';
import { renderTable } from './table.js';

function taintCell(taints: readonly PoolTaint[], nodeCount: number): string {
  if (taints.length === 0) return '<none>';
  return taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}${t.nodes < nodeCount ? ` (${t.nodes}/${nodeCount})` : ''}`).join(', ');
}

function row(p: NodePool, wide: boolean): string[] {
  return [
    p.pool,
    p.arch,
    ...(wide ? [p.os, p.poolLabel ?? '<none>'] : []),
    String(p.nodeCount) + (p.unschedulable > 0 ? ` (${p.unschedulable} cordoned)` : ''),
    p.instanceTypes.join(',') || '<unknown>',
    formatCores(p.allocatable.cpuMillicores),
    formatBytes(p.allocatable.memoryBytes),
    ...(wide ? [p.nodes.join(',')] : []),
    taintCell(p.taints, p.nodeCount),
  ];
}

/** Pools by arch, then a line per arch with its totals. */
export function renderNodePools(report: NodePoolReport, wide: boolean, noHeaders = false): string {
  if (report.pools.length === 0) return noHeaders ? '' : 'No nodes found.\n';
  const headers = ['POOL', 'ARCH', ...(wide ? ['OS', 'POOL-LABEL'] : []), 'NODES', 'INSTANCE-TYPES', 'CPU', 'MEMORY', ...(wide ? ['NODE-NAMES'] : []), 'TAINTS'];
  const table = renderTable(headers, report.pools.map((p) => row(p, wide)), noHeaders);
  if (noHeaders) return table;
  const totals = report.archs.map((a) => `${a.os === 'linux' ? '' : `${a.os}/`}${a.arch}: ${a.nodes} node${a.nodes === 1 ? '' : 's'}, ${formatCores(a.cpuMillicores)} CPU, ${formatBytes(a.memoryBytes)}`);
  return `${table}\n${totals.join('; ')}\n`;
}
