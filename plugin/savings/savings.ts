import { AUDIT_API_VERSION, type AuditReport, type WorkloadReport } from '../audit/report.js';
import type { PoolSavingsReport } from './pool-savings.js';
import type { ArchPrice } from './prices.js';

export const HOURS_PER_YEAR = 24 * 365;

/** One arch's share of a saving: (from − to) × vCPU × 24 × 365. */
export interface SavingsTerm {
  fromArch: string;
  vcpu: number;
  fromPricePerVcpuHour: number;
  toPricePerVcpuHour: number;
  yearly: number;
  arithmetic: string;
}

export interface WorkloadSavings extends SavingsTerm {
  kind: string;
  namespace: string;
  name: string;
}

export interface SavingsReport {
  apiVersion: string;
  kind: 'SavingsReport';
  targetArch: string;
  hoursPerYear: number;
  prices: ArchPrice[];
  /** (from − to) / from, in percent, per arch moved from. */
  targetCheaperPercent: Record<string, number>;
  workloads: WorkloadSavings[];
  /** One term per arch moved from, and their sum. */
  total: { vcpu: number; yearly: number; terms: SavingsTerm[] };
  notCounted: {
    /** Workloads not (known to be) ready for the target arch, and the vCPU they request off it. */
    notReady: { workloads: number; vcpu: number };
    /** Ready workloads requesting no CPU now (no running pods, or no requests): nothing to price. */
    readyWithoutCpu: number;
    /** Archs pods run on that have no price (their vCPU is left out). */
    unpricedArchs: string[];
  };
  /** Cluster only (nodes known): the monthly saving per node pool not of the target arch. */
  byPool?: PoolSavingsReport;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

export function formatMoney(n: number, digits = 2): string {
  const sign = n < 0 ? '−' : '';
  return `${sign}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

function formatRate(n: number): string {
  return `$${Number(n.toFixed(6))}`;
}

/** The saving of moving `vcpu` from one price to another for a year, with the arithmetic spelled out. */
export function savingsTerm(fromArch: string, vcpu: number, from: number, to: number): SavingsTerm {
  const yearly = (from - to) * vcpu * HOURS_PER_YEAR;
  return {
    fromArch,
    vcpu: round(vcpu, 3),
    fromPricePerVcpuHour: from,
    toPricePerVcpuHour: to,
    yearly: round(yearly, 2),
    arithmetic: `(${formatRate(from)} − ${formatRate(to)}) × ${round(vcpu, 3)} vCPU × 24 × 365 = ${formatMoney(yearly)}`,
  };
}

/** vCPU a workload requests per arch it runs on now (cluster), or all of it on `fromArch` (manifests). */
function vcpuByArch(w: WorkloadReport, fromArch: string): Record<string, number> {
  const byArch = w.cpuRequests.byArch ?? { [fromArch]: w.cpuRequests.millicores };
  return Object.fromEntries(Object.entries(byArch).map(([arch, m]) => [arch, m / 1000]));
}

function movable(byArch: Record<string, number>, targetArch: string): Array<[string, number]> {
  return Object.entries(byArch).filter(([arch, vcpu]) => arch !== targetArch && arch !== 'unscheduled' && vcpu > 0);
}

/**
 * The yearly saving of moving arm64-ready workloads' CPU requests to the target arch: for each ready workload and
 * each other arch its pods run on, (price there − target price) × vCPU × 24 × 365. Workloads that are not ready
 * (or unknown) are not counted, and said so.
 */
export function computeSavings(report: AuditReport, prices: ReadonlyMap<string, ArchPrice>, fromArch = 'amd64'): SavingsReport {
  const target = report.summary.targetArch;
  const to = prices.get(target);
  if (!to) throw new Error(`no price for the target arch ${target}: pass --price ${target}=PRICE or list ${target} instance types in --price-file`);
  const workloads: WorkloadSavings[] = [];
  const unpriced = new Set<string>();
  const notReady = { workloads: 0, vcpu: 0 };
  let readyWithoutCpu = 0;
  for (const w of report.workloads) {
    const moves = movable(vcpuByArch(w, fromArch), target);
    if (w.target.ready !== true) {
      if (moves.length > 0) notReady.workloads++;
      notReady.vcpu += moves.reduce((s, [, v]) => s + v, 0);
      continue;
    }
    if (w.cpuRequests.millicores === 0) readyWithoutCpu++;
    for (const [arch, vcpu] of moves) {
      const from = prices.get(arch);
      if (!from) {
        unpriced.add(arch);
        continue;
      }
      workloads.push({ kind: w.kind, namespace: w.namespace, name: w.name, ...savingsTerm(arch, vcpu, from.perVcpuHour, to.perVcpuHour) });
    }
  }
  const terms = totalTerms(workloads, to.perVcpuHour);
  return {
    apiVersion: AUDIT_API_VERSION,
    kind: 'SavingsReport',
    targetArch: target,
    hoursPerYear: HOURS_PER_YEAR,
    prices: [...prices.values()],
    targetCheaperPercent: Object.fromEntries(
      [...prices.values()].filter((p) => p.arch !== target && p.perVcpuHour > 0).map((p) => [p.arch, round(((p.perVcpuHour - to.perVcpuHour) / p.perVcpuHour) * 100, 1)]),
    ),
    workloads: workloads.sort((a, b) => b.yearly - a.yearly || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    total: { vcpu: round(terms.reduce((s, t) => s + t.vcpu, 0), 3), yearly: round(terms.reduce((s, t) => s + t.yearly, 0), 2), terms },
    notCounted: { notReady: { workloads: notReady.workloads, vcpu: round(notReady.vcpu, 3) }, readyWithoutCpu, unpricedArchs: [...unpriced].sort() },
  };
}

function totalTerms(workloads: readonly WorkloadSavings[], toPrice: number): SavingsTerm[] {
  const byArch = new Map<string, { vcpu: number; from: number }>();
  for (const w of workloads) {
    const entry = byArch.get(w.fromArch) ?? { vcpu: 0, from: w.fromPricePerVcpuHour };
    entry.vcpu += w.vcpu;
    byArch.set(w.fromArch, entry);
  }
  return [...byArch].sort(([a], [b]) => a.localeCompare(b)).map(([arch, { vcpu, from }]) => savingsTerm(arch, vcpu, from, toPrice));
}
