import type { AuditReport, WorkloadReport } from '../audit/report.js';
import type { ClusterNode } from '../inventory/inventory.js';
import { instanceTypeOf, nodePools } from '../nodes/node-pools.js';
import type { ArchPrice, PriceFile } from './prices.js';
import { formatMoney } from './savings.js';

/** Azure, AWS and Google bill a month as 730 hours (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** What moving the target-ready workloads off one node pool would save per month. */
export interface PoolSavings {
  pool: string;
  arch: string;
  instanceTypes: string[];
  nodes: number;
  /** Target-ready workloads with pods on the pool now. */
  readyWorkloads: number;
  /** Their CPU requests on this pool. */
  vcpu: number;
  /** Null when neither the pool's instance type nor its arch has a price. */
  fromPricePerVcpuHour: number | null;
  /** Where the pool's price came from (its instance type in the price file, or the arch's price). */
  basis: string;
  toPricePerVcpuHour: number;
  monthly: number | null;
  arithmetic: string;
}

export interface PoolSavingsReport {
  hoursPerMonth: number;
  pools: PoolSavings[];
  /** Sum over the priced pools. */
  monthly: number;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));
const rate = (n: number): string => `$${Number(n.toFixed(6))}`;

/** Millicores each scheduled pod of a workload requests (its scheduled requests over its scheduled pods). */
function millisPerPod(w: WorkloadReport): number {
  const byArch = w.cpuRequests.byArch ?? {};
  const scheduled = Object.entries(byArch).filter(([a]) => a !== 'unscheduled').reduce((s, [, m]) => s + m, 0);
  const pods = w.nodes.reduce((s, n) => s + n.pods, 0);
  return pods === 0 ? 0 : scheduled / pods;
}

/** The price of a vCPU-hour on a pool: its instance type in the price file when listed (first listed type), else its arch's. */
function poolPrice(instanceTypes: readonly string[], arch: string, prices: ReadonlyMap<string, ArchPrice>, file: PriceFile | undefined): { price: number; basis: string } | null {
  for (const name of instanceTypes) {
    const t = file?.instanceTypes.find((x) => x.name === name);
    if (t) return { price: t.hourly / t.vcpus, basis: `${t.name} ${rate(t.hourly)}/h ÷ ${t.vcpus} vCPU` };
  }
  const p = prices.get(arch);
  return p ? { price: p.perVcpuHour, basis: `${arch}: ${p.basis}` } : null;
}

/**
 * Per node pool (not of the target arch): the CPU that target-ready workloads request there now, and what it would
 * save per month on the target arch: (pool price − target price) × vCPU × 730. Pods are placed on pools by the node
 * they run on; each pod counts its workload's scheduled requests divided by its scheduled pods.
 */
export function poolSavings(report: AuditReport, nodes: readonly ClusterNode[], prices: ReadonlyMap<string, ArchPrice>, file?: PriceFile): PoolSavingsReport {
  const target = report.summary.targetArch;
  const to = prices.get(target)!.perVcpuHour;
  const poolOfNode = new Map<string, string>();
  const pools = nodePools(nodes).filter((p) => p.arch !== target);
  pools.forEach((p, i) => p.nodes.forEach((n) => poolOfNode.set(n, String(i))));
  const vcpu = new Map<string, number>();
  const workloads = new Map<string, Set<string>>();
  for (const w of report.workloads) {
    if (w.target.ready !== true) continue;
    const perPod = millisPerPod(w);
    for (const n of w.nodes) {
      const pool = poolOfNode.get(n.node);
      if (pool === undefined || perPod === 0) continue;
      vcpu.set(pool, (vcpu.get(pool) ?? 0) + (perPod * n.pods) / 1000);
      workloads.set(pool, (workloads.get(pool) ?? new Set()).add(`${w.namespace}/${w.kind}/${w.name}`));
    }
  }
  const out = pools.map((p, i): PoolSavings => {
    const v = round(vcpu.get(String(i)) ?? 0, 3);
    const types = p.instanceTypes.length > 0 ? p.instanceTypes : nodes.filter((n) => p.nodes.includes(n.name)).map((n) => instanceTypeOf(n) ?? '').filter(Boolean);
    const priced = poolPrice(types, p.arch, prices, file);
    const base = { pool: p.pool, arch: p.arch, instanceTypes: types, nodes: p.nodeCount, readyWorkloads: workloads.get(String(i))?.size ?? 0, vcpu: v, toPricePerVcpuHour: to };
    if (!priced) return { ...base, fromPricePerVcpuHour: null, basis: 'no price for this pool\'s instance type or arch', monthly: null, arithmetic: '' };
    const monthly = (priced.price - to) * v * HOURS_PER_MONTH;
    return { ...base, fromPricePerVcpuHour: priced.price, basis: priced.basis, monthly: round(monthly, 2), arithmetic: `(${rate(priced.price)} − ${rate(to)}) × ${v} vCPU × ${HOURS_PER_MONTH} h = ${formatMoney(monthly)}` };
  });
  return { hoursPerMonth: HOURS_PER_MONTH, pools: out, monthly: round(out.reduce((s, p) => s + (p.monthly ?? 0), 0), 2) };
}
