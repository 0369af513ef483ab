import { formatMoney, type SavingsReport } from '../savings/savings.js';
import type { PoolSavingsReport } from '../savings/pool-savings.js';
import { renderTable } from './table.js';

function poolLines(r: PoolSavingsReport, targetArch: string): string[] {
  if (r.pools.length === 0) return [`No node pool of another arch than ${targetArch}.`];
  const rows = r.pools.map((p) => [p.pool, p.arch, p.instanceTypes.join(',') || '<unknown>', String(p.readyWorkloads), String(p.vcpu), p.monthly === null ? 'unpriced' : formatMoney(p.monthly), p.arithmetic || p.basis]);
  const table = renderTable(['POOL', 'ARCH', 'INSTANCE-TYPES', `${targetArch.toUpperCase()}-READY WORKLOADS`, 'VCPU', 'MONTHLY SAVING', 'ARITHMETIC'], rows).trimEnd();
  return [`Per node pool, moving its ${targetArch}-ready workloads (${r.hoursPerMonth} h a month):`, table, `Total per month: ${formatMoney(r.monthly)}`];
}

function rate(n: number): string {
  return `$${Number(n.toFixed(6))}`;
}

function savingsRow(w: SavingsReport['workloads'][number], showNamespace: boolean): string[] {
  return [...(showNamespace ? [w.namespace] : []), `${w.kind}/${w.name}`, w.fromArch, String(w.vcpu), formatMoney(w.yearly), w.arithmetic];
}

/** Prices with their basis, one row per ready workload, then the total with its arithmetic. */
export function renderSavings(report: SavingsReport, showNamespace: boolean, noHeaders = false): string {
  if (noHeaders) return renderTable([], report.workloads.map((w) => savingsRow(w, showNamespace)), true);
  const lines: string[] = ['Prices per vCPU-hour:'];
  for (const p of report.prices) lines.push(`  ${p.arch}: ${rate(p.perVcpuHour)}  (${p.basis})`);
  for (const [arch, pct] of Object.entries(report.targetCheaperPercent)) {
    lines.push(`  ${report.targetArch} is ${Math.abs(pct)}% ${pct >= 0 ? 'cheaper' : 'dearer'} than ${arch}`);
  }
  lines.push('');
  if (report.workloads.length === 0) lines.push(`No ${report.targetArch}-ready workload requests CPU on another arch.`);
  else {
    const headers = [...(showNamespace ? ['NAMESPACE'] : []), 'WORKLOAD', 'FROM', 'VCPU', 'YEARLY SAVING', 'ARITHMETIC'];
    const rows = report.workloads.map((w) => savingsRow(w, showNamespace));
    lines.push(renderTable(headers, rows).trimEnd());
  }
  lines.push('');
  for (const t of report.total.terms) lines.push(`${t.fromArch} → ${report.targetArch}: ${t.arithmetic}`);
  lines.push(`Total: ${report.total.vcpu} vCPU, ${formatMoney(report.total.yearly)} per year`);
  const nc = report.notCounted;
  if (nc.notReady.workloads > 0) lines.push(`Not counted: ${nc.notReady.workloads} workload(s) not ${report.targetArch}-ready, requesting ${nc.notReady.vcpu} vCPU (see kubectl archcheck audit).`);
  if (nc.readyWithoutCpu > 0) lines.push(`Not counted: ${nc.readyWithoutCpu} ready workload(s) requesting no CPU now (no running pods, or no requests).`);
  if (nc.unpricedArchs.length > 0) lines.push(`Not counted: pods on ${nc.unpricedArchs.join(', ')} (no price given).`);
  if (report.byPool) lines.push('', ...poolLines(report.byPool, report.targetArch));
  return `${lines.join('\n')}\n`;
}
